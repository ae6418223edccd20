#include "text/chunking.h"

#include <algorithm>

#include "util/error.h"
#include "util/utf8.h"

namespace llmap {

std::vector<Chunk> cutIntoChunks(std::string_view document, size_t maxBytes) {
    if (maxBytes < 4) {
        throw InputError(
            "the chunk size must be at least 4 bytes (got " + std::to_string(maxBytes) + ")",
            "text chunking", "use a larger maximum chunk size");
    }
    std::vector<Chunk> chunks;
    size_t start = 0;
    while (start < document.size()) {
        const size_t limit = std::min(start + maxBytes, document.size());
        const size_t end = utf8BoundaryAtOrBefore(document, limit);
        chunks.push_back({start, document.substr(start, end - start)});
        start = end;
    }
    return chunks;
}

std::vector<Chunk> keptChunks(std::string_view document, const ChunkLimits& limits) {
    std::vector<Chunk> chunks = cutIntoChunks(document, limits.maxBytes);
    chunks.erase(std::remove_if(chunks.begin(), chunks.end(),
                                [&](const Chunk& c) { return c.text.size() <= limits.minBytes; }),
                 chunks.end());
    return chunks;
}

}  // namespace llmap

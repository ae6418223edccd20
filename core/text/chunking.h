#pragma once
// The paper's cut (METHOD.md §1): a document becomes consecutive chunks of at most maxBytes UTF-8
// bytes; a cut that would split a character moves back to the character's first byte; only chunks
// strictly longer than minBytes are kept.
#include <cstddef>
#include <string_view>
#include <vector>

namespace llmap {

struct ChunkLimits {
    size_t maxBytes = 1024;
    size_t minBytes = 256;  // kept only when size > minBytes
};

struct Chunk {
    size_t offset;  // byte offset in the document
    std::string_view text;
};

// Every consecutive chunk of `document`, short ones included (they cover the document exactly).
// The document must be valid UTF-8; maxBytes must be at least 4 (one character always fits).
std::vector<Chunk> cutIntoChunks(std::string_view document, size_t maxBytes);

// The chunks of cutIntoChunks that are strictly longer than limits.minBytes.
std::vector<Chunk> keptChunks(std::string_view document, const ChunkLimits& limits);

}  // namespace llmap

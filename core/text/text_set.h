#pragma once
#include <string>
#include <vector>

namespace llmap {

// The fixed set of texts every model is scored on. Order matters: column j of the matrix is text j.
struct TextSet {
    std::vector<std::string> ids;
    std::vector<std::string> texts;    // UTF-8
    std::vector<std::string> sources;  // a label per text ("" when unknown)

    size_t size() const { return texts.size(); }
    // SHA-256 over every text's byte length (8 bytes, little-endian) and bytes, in order:
    // the identity of the set, stored with every score.
    std::string contentHash() const;
    double meanBytes() const;
};

// One JSON object per line: "text" (required), "source" and "id" (optional). Blank lines are
// skipped. A gzip file is read transparently; invalid UTF-8 is refused. Throws InputError naming
// the file and line of the first bad record.
TextSet loadTextsJsonl(const std::string& path);

}  // namespace llmap

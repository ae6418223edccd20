#pragma once
#include <string>
#include <vector>

namespace llmap {

// The fixed set of texts every model is scored on. Order matters: column j of the matrix is text j.
// A prompt-response set (P3: maps of how models answer) holds a prompt per text, and `texts` holds
// the responses: a model is scored on log p(response | prompt).
struct TextSet {
    std::vector<std::string> ids;
    std::vector<std::string> texts;    // UTF-8; the responses of a prompt-response set
    std::vector<std::string> sources;  // a label per text ("" when unknown)
    std::vector<std::string> prompts;  // empty, or one prompt per text

    size_t size() const { return texts.size(); }
    bool hasPrompts() const { return !prompts.empty(); }
    // SHA-256 over every text's byte length (8 bytes, little-endian) and bytes, in order:
    // the identity of the set, stored with every score. A prompt-response set hashes the marker
    // "prompt-response" first and each prompt (length and bytes) before its response.
    std::string contentHash() const;
    double meanBytes() const;
};

// One JSON object per line: "text", or "prompt" and "response" (a prompt-response set; the two
// kinds cannot be mixed, and neither part may be empty), with optional "source" and "id". Blank
// lines are skipped. A gzip file is read transparently; invalid UTF-8 is refused. Throws InputError naming
// the file and line of the first bad record.
TextSet loadTextsJsonl(const std::string& path);

}  // namespace llmap

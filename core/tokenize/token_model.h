#pragma once
// The vocabulary model of a tokenizer pipeline: turns one pre-token into token ids.
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace llmap {

class TokenModel {
public:
    virtual ~TokenModel() = default;
    virtual void tokenize(std::string_view piece, std::vector<int32_t>& out) const = 0;
    virtual std::optional<int32_t> tokenToId(std::string_view token) const = 0;
    // Empty when `id` is outside the vocabulary.
    virtual std::string idToToken(int32_t id) const = 0;
    virtual size_t vocabSize() const = 0;
    virtual std::string name() const = 0;
};

// The id of each byte's fallback token "<0xXX>" (-1 where the vocabulary has none).
inline std::vector<int32_t> byteFallbackIds(const std::unordered_map<std::string, int32_t>& vocab) {
    std::vector<int32_t> ids(256, -1);
    char name[8];
    for (int b = 0; b < 256; ++b) {
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        auto it = vocab.find(name);
        if (it != vocab.end()) ids[static_cast<size_t>(b)] = it->second;
    }
    return ids;
}

}  // namespace llmap

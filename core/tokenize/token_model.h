#pragma once
// The vocabulary model of a tokenizer pipeline: turns one pre-token into token ids.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
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

}  // namespace llmap

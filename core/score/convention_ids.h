#pragma once
// Token ids of a text as a convention scores them (METHOD.md §2). In both conventions position 0 is
// context only and every later position is scored, so a text contributes ids.size() - 1 tokens.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/model_info.h"
#include "tokenize/tokenizer.h"

namespace llmap {

struct ConventionIds {
    std::vector<int32_t> ids;
    bool truncated = false;  // cut at the end to the model's context
    int64_t scoredTokens() const {
        return ids.size() > 1 ? static_cast<int64_t>(ids.size()) - 1 : 0;
    }
};

// "full": the token put before every text: BOS when the model has one (config, else tokenizer),
// else "<|endoftext|>" when the vocabulary has it, else EOS. Throws InputError when none exists.
int32_t fullConventionPrefix(const ModelInfo& info, const Tokenizer& tokenizer);

class ConventionTokenizer {
public:
    // convention: "full" or "paper"; context: the model's context length (<= 0: no limit).
    ConventionTokenizer(const Tokenizer& tokenizer, const ModelInfo& info,
                        const std::string& convention, int64_t context);
    ConventionIds operator()(std::string_view text) const;

private:
    const Tokenizer& tokenizer_;
    bool full_;
    std::optional<int32_t> prefix_;
    int64_t context_;
};

}  // namespace llmap

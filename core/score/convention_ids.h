#pragma once
// Token ids of a text as a convention scores them (METHOD.md §2). In "full" and "paper" position 0
// is context only and every later position is scored, so a text contributes ids.size() - 1 tokens.
// In "response" (prompt-response sets, P3) the prompt's ids are context and only the response's
// ids are scored.
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
    size_t context = 1;      // the leading ids that are context only (not scored)
    bool truncated = false;  // cut at the end to the model's context
    int64_t scoredTokens() const {
        return ids.size() > context ? static_cast<int64_t>(ids.size() - context) : 0;
    }
};

// "full": the token put before every text: BOS when the model has one (config, else tokenizer),
// else "<|endoftext|>" when the vocabulary has it, else EOS. Throws InputError when none exists.
int32_t fullConventionPrefix(const ModelInfo& info, const Tokenizer& tokenizer);

class ConventionTokenizer {
public:
    // convention: "full", "paper" or "response"; context: the model's context length (<= 0: no
    // limit).
    ConventionTokenizer(const Tokenizer& tokenizer, const ModelInfo& info,
                        const std::string& convention, int64_t context);
    // A plain text. In "response" this is a response scored with no prompt (the PMI's log p(y)):
    // as in "full", the prefix token and then the text without special tokens; InputError when
    // the model has no token to put first.
    ConventionIds operator()(std::string_view text) const;
    // "response": the prompt with the tokenizer's default special tokens, then the response
    // without any; context = the prompt's ids. Cut at the end to the context like a text (a
    // prompt that fills the context leaves nothing scored).
    ConventionIds pair(std::string_view prompt, std::string_view response) const;

private:
    void cutToContext(ConventionIds& out) const;

    const Tokenizer& tokenizer_;
    std::string modelPath_;
    bool paper_;
    std::optional<int32_t> prefix_;
    int64_t context_;
};

}  // namespace llmap

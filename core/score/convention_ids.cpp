#include "score/convention_ids.h"

#include "util/error.h"

namespace llmap {

int32_t fullConventionPrefix(const ModelInfo& info, const Tokenizer& tokenizer) {
    if (info.bosTokenId >= 0) return static_cast<int32_t>(info.bosTokenId);
    if (auto bos = tokenizer.bosId()) return *bos;
    if (auto eot = tokenizer.tokenId("<|endoftext|>")) return *eot;
    if (info.eosTokenId >= 0) return static_cast<int32_t>(info.eosTokenId);
    if (auto eos = tokenizer.eosId()) return *eos;
    throw InputError("the model has no BOS, <|endoftext|> or EOS token to put before each text",
                     info.path, "score it with --convention paper");
}

ConventionTokenizer::ConventionTokenizer(const Tokenizer& tokenizer, const ModelInfo& info,
                                         const std::string& convention, int64_t context)
    : tokenizer_(tokenizer),
      modelPath_(info.path),
      paper_(convention == "paper"),
      context_(context) {
    if (convention == "full") prefix_ = fullConventionPrefix(info, tokenizer);
    if (convention == "response") {
        try {
            prefix_ = fullConventionPrefix(info, tokenizer);
        } catch (const InputError&) {
            // Only a response scored without its prompt needs it (operator() refuses then).
        }
    }
}

ConventionIds ConventionTokenizer::operator()(std::string_view text) const {
    ConventionIds out;
    if (paper_) {
        out.ids = tokenizer_.encode(text, true);
    } else {
        if (!prefix_) {
            throw InputError(
                "the model has no BOS, <|endoftext|> or EOS token to put before a response "
                "scored without its prompt",
                modelPath_, "score it without --pmi");
        }
        out.ids.push_back(*prefix_);
        const std::vector<int32_t> plain = tokenizer_.encode(text, false);
        out.ids.insert(out.ids.end(), plain.begin(), plain.end());
    }
    cutToContext(out);
    return out;
}

ConventionIds ConventionTokenizer::pair(std::string_view prompt, std::string_view response) const {
    ConventionIds out;
    out.ids = tokenizer_.encode(prompt, true);
    out.context = out.ids.size();
    const std::vector<int32_t> plain = tokenizer_.encode(response, false);
    out.ids.insert(out.ids.end(), plain.begin(), plain.end());
    cutToContext(out);
    return out;
}

void ConventionTokenizer::cutToContext(ConventionIds& out) const {
    if (context_ > 0 && static_cast<int64_t>(out.ids.size()) > context_) {
        out.ids.resize(static_cast<size_t>(context_));
        out.truncated = true;
    }
}

}  // namespace llmap

#pragma once
// The Hugging Face pipeline: added tokens -> normalizer -> pre-tokenizer -> model ->
// post-processor. tokenizer.json, vocab.json + merges.txt and GGUF vocabularies are all assembled
// into one.
#include <memory>
#include <optional>
#include <string>

#include "tokenize/added_vocabulary.h"
#include "tokenize/decoders.h"
#include "tokenize/normalizers.h"
#include "tokenize/post_processor.h"
#include "tokenize/pre_tokenizers.h"
#include "tokenize/token_model.h"
#include "tokenize/tokenizer.h"

namespace llmap {

struct PipelineParts {
    std::string kind;
    std::unique_ptr<Normalizer> normalizer;
    std::unique_ptr<PreTokenizer> preTokenizer;
    std::unique_ptr<TokenModel> model;
    PostProcessor postProcessor;
    std::unique_ptr<Decoder> decoder;
    AddedVocabulary added;
    std::optional<int32_t> bos;
    std::optional<int32_t> eos;
};

class PipelineTokenizer : public Tokenizer {
public:
    explicit PipelineTokenizer(PipelineParts parts) : p_(std::move(parts)) {
        p_.added.normalizeContents(p_.normalizer.get());
    }

    std::vector<int32_t> encode(std::string_view text, bool addSpecialTokens) const override;
    std::string decode(const std::vector<int32_t>& ids) const override;
    std::optional<int32_t> bosId() const override { return p_.bos; }
    std::optional<int32_t> eosId() const override { return p_.eos; }
    std::optional<int32_t> tokenId(std::string_view token) const override;
    size_t vocabSize() const override;
    std::string kind() const override { return p_.kind; }

private:
    PipelineParts p_;
};

}  // namespace llmap

#pragma once
// SentencePiece BPE driven by piece scores (GGUF "llama" vocabularies carry scores, not merges):
// repeatedly merge the adjacent pair whose concatenation is the best-scoring piece, leftmost on
// ties; pieces that never form a token fall back to <0xXX> byte tokens.
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "tokenize/token_model.h"

namespace llmap {

class SpmScoreModel : public TokenModel {
public:
    SpmScoreModel(std::vector<std::string> tokens, std::vector<float> scores,
                  std::optional<int32_t> unk);

    void tokenize(std::string_view piece, std::vector<int32_t>& out) const override;
    std::optional<int32_t> tokenToId(std::string_view token) const override;
    std::string idToToken(int32_t id) const override;
    size_t vocabSize() const override { return tokens_.size(); }
    std::string name() const override { return "SentencePiece-BPE"; }

private:
    std::vector<std::string> tokens_;
    std::vector<float> scores_;
    std::unordered_map<std::string, int32_t> vocab_;
    std::vector<int32_t> byteIds_;
    std::optional<int32_t> unk_;
};

}  // namespace llmap

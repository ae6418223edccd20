#pragma once
// Unigram language-model tokenisation (SentencePiece unigram, Hugging Face's Unigram model):
// the segmentation with the best total piece score (Viterbi), unknown characters scored
// min_score - 10 and fused, optional byte fallback.
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "tokenize/token_model.h"

namespace llmap {

class UnigramModel : public TokenModel {
public:
    UnigramModel(std::vector<std::pair<std::string, double>> pieces, std::optional<int32_t> unkId,
                 bool byteFallback);

    void tokenize(std::string_view piece, std::vector<int32_t>& out) const override;
    std::optional<int32_t> tokenToId(std::string_view token) const override;
    std::string idToToken(int32_t id) const override;
    size_t vocabSize() const override { return pieces_.size(); }
    std::string name() const override { return "Unigram"; }

private:
    std::vector<std::pair<std::string, double>> pieces_;
    std::unordered_map<std::string, int32_t> vocab_;
    std::optional<int32_t> unkId_;
    bool byteFallback_;
    double unkScore_ = 0;
    size_t maxPieceBytes_ = 0;

    static constexpr size_t kCacheLimit = 100000;
    mutable std::mutex cacheMutex_;
    mutable std::unordered_map<std::string, std::vector<int32_t>> cache_;
};

}  // namespace llmap

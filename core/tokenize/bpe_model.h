#pragma once
// Byte-pair encoding with ranked merges (Hugging Face's BPE model): GPT-2 style byte-level
// vocabularies and SentencePiece-style ones with byte fallback.
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tokenize/token_model.h"

namespace llmap {

struct BpeOptions {
    std::optional<std::string> unkToken;
    std::string continuingSubwordPrefix;
    std::string endOfWordSuffix;
    bool fuseUnk = false;
    bool byteFallback = false;
    bool ignoreMerges = false;
    bool wholeNewlineRuns = false;  // ignoreMerges for pieces of '\n' only (llama.cpp's Gemma-4)
};

class BpeModel : public TokenModel {
public:
    // `merges` are pairs of token strings in rank order; `where` names the file for errors.
    BpeModel(std::vector<std::string> idToToken,
             std::vector<std::pair<std::string, std::string>> merges, BpeOptions options,
             const std::string& where);

    void tokenize(std::string_view piece, std::vector<int32_t>& out) const override;
    std::optional<int32_t> tokenToId(std::string_view token) const override;
    std::string idToToken(int32_t id) const override;
    size_t vocabSize() const override { return vocab_.size(); }
    std::string name() const override { return "BPE"; }
    // transformers' LlamaTokenizer: BPE(fuse_unk=True, byte_fallback=True) without an unk token.
    void useLlamaClassOptions();

private:
    void mergeWord(std::string_view piece, std::vector<int32_t>& out) const;

    std::vector<std::string> idToToken_;
    std::unordered_map<std::string, int32_t> vocab_;
    // (left id << 32 | right id) -> (rank, merged id)
    std::unordered_map<uint64_t, std::pair<int32_t, int32_t>> merges_;
    BpeOptions options_;
    std::optional<int32_t> unkId_;
    std::vector<int32_t> byteIds_;  // <0xXX> ids for byte fallback (-1 when missing)

    static constexpr size_t kCacheLimit = 200000;
    mutable std::mutex cacheMutex_;
    mutable std::unordered_map<std::string, std::vector<int32_t>> cache_;
};

}  // namespace llmap

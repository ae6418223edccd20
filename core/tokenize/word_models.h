#pragma once
// Whole-word vocabularies: WordLevel (one id per word or unknown) and WordPiece (greedy longest
// match with a continuation prefix, as BERT).
#include <string>
#include <unordered_map>
#include <vector>

#include "tokenize/token_model.h"

namespace llmap {

class WordLevelModel : public TokenModel {
public:
    WordLevelModel(std::vector<std::string> idToToken, std::optional<std::string> unkToken,
                   const std::string& where);
    void tokenize(std::string_view piece, std::vector<int32_t>& out) const override;
    std::optional<int32_t> tokenToId(std::string_view token) const override;
    std::string idToToken(int32_t id) const override;
    size_t vocabSize() const override { return vocab_.size(); }
    std::string name() const override { return "WordLevel"; }

protected:
    std::vector<std::string> idToToken_;
    std::unordered_map<std::string, int32_t> vocab_;
    std::optional<int32_t> unkId_;
};

class WordPieceModel : public WordLevelModel {
public:
    WordPieceModel(std::vector<std::string> idToToken, std::optional<std::string> unkToken,
                   std::string prefix, size_t maxInputCharsPerWord, const std::string& where);
    void tokenize(std::string_view piece, std::vector<int32_t>& out) const override;
    std::string name() const override { return "WordPiece"; }

private:
    std::string prefix_;
    size_t maxChars_;
};

}  // namespace llmap

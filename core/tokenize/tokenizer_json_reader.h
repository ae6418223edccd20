#pragma once
// Reads a tokenizer.json quickly: the model's vocabulary and merges (the bulk of the file) are
// streamed into flat vectors; everything else becomes a small JSON document.
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace llmap {

struct ModelData {
    bool hasVocabObject = false;  // "vocab": {token: id} (BPE, WordPiece, WordLevel)
    bool hasVocabList = false;    // "vocab": [[piece, score], ...] (Unigram)
    bool hasMerges = false;
    std::vector<std::string> idToToken;
    std::vector<std::pair<std::string, double>> scoredPieces;
    std::vector<std::pair<std::string, std::string>> merges;
};

struct TokenizerJson {
    nlohmann::json document;  // model.vocab and model.merges are null here
    ModelData model;
};

// Throws InputError naming `where` for malformed JSON or a malformed vocabulary / merges list.
TokenizerJson readTokenizerJson(const std::string& text, const std::string& where);

}  // namespace llmap

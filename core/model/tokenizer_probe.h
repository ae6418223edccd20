#pragma once
// Which tokenizer a model folder ships and whether it prefixes BOS, without building it.
#include <string>

namespace llmap {

struct TokenizerProbe {
    std::string
        kind;  // "BPE", "Unigram", "WordPiece", "WordLevel", "sentencepiece", "vocab+merges"
    bool addsBos = false;
};

// InputError when the folder has no tokenizer files. `tokenizerJson`: the bytes of the folder's
// tokenizer.json when they have been read already.
TokenizerProbe probeTokenizer(const std::string& folder,
                              const std::string* tokenizerJson = nullptr);

}  // namespace llmap

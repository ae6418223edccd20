#pragma once
// Hugging Face pre-tokenizers: split normalised text into pieces that the model encodes alone.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace llmap {

struct Piece {
    std::string text;
    bool atStart = false;  // begins at offset 0 of the original text (Metaspace "first")
};

class PreTokenizer {
public:
    virtual ~PreTokenizer() = default;
    virtual void apply(std::vector<Piece>& pieces) const = 0;
};

enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

// Builds a pre-tokenizer from its tokenizer.json object; nullptr for JSON null.
std::unique_ptr<PreTokenizer> makePreTokenizer(const nlohmann::json& spec,
                                               const std::string& where);

// GPT-2's pre-tokenisation regex (ByteLevel with use_regex).
extern const char* const kGpt2Pattern;

// Regex splits (Isolated), one pattern after the other.
std::unique_ptr<PreTokenizer> makeIsolatedSplits(const std::vector<std::string>& patterns,
                                                 const std::string& where);

// Regex splits (Isolated) followed by the byte-to-character mapping, as GGUF gpt2 vocabularies
// use them; `patterns` are applied one after the other.
std::unique_ptr<PreTokenizer> makeRegexByteLevel(const std::vector<std::string>& patterns,
                                                 const std::string& where);

}  // namespace llmap

#pragma once
// The pre-tokenizer regexes of GGUF gpt2-type vocabularies, by tokenizer.ggml.pre name. They are
// the patterns of each family's Hugging Face tokenizer.json Split pre-tokenizers, applied in order.
#include <optional>
#include <string>
#include <vector>

namespace llmap {

struct GgufPreTokenizer {
    std::vector<std::string> patterns;
    bool ignoreMerges = false;
};

// nullopt for an unknown name.
std::optional<GgufPreTokenizer> ggufPreTokenizer(const std::string& name);
// Every name ggufPreTokenizer() accepts, comma-separated (for error messages).
std::string ggufPreTokenizerNames();

}  // namespace llmap

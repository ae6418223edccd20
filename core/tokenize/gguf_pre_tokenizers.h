#pragma once
// The pre-tokenizer regexes of GGUF gpt2-type vocabularies, by tokenizer.ggml.pre name, for the
// names llama.cpp's llama-vocab.cpp knows. They are the patterns of each family's Hugging Face
// tokenizer.json Split pre-tokenizers, applied in order, where llama.cpp records them, else
// llama.cpp's own (or, for its hand-written AFMoE digit split, a regex cutting the same pieces).
#include <optional>
#include <string>
#include <vector>

namespace llmap {

// The flags are llama.cpp's for the name (llama-vocab.cpp): ignore_merges, and add_bos as the
// default when the file has no tokenizer.ggml.add_bos_token key.
struct GgufPreTokenizer {
    std::vector<std::string> patterns;
    bool ignoreMerges = false;
    bool addBos = false;
};

// nullopt for an unknown name.
std::optional<GgufPreTokenizer> ggufPreTokenizer(const std::string& name);
// Every name ggufPreTokenizer() accepts, comma-separated (for error messages).
std::string ggufPreTokenizerNames();

}  // namespace llmap

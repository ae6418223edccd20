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
// default when the file has no tokenizer.ggml.add_bos_token key. The SentencePiece-style names
// (gemma4, sarvam-moe, whitespace) run BPE on raw UTF-8 with <0xXX> byte tokens instead of the
// byte-to-character mapping, some with spaces written as U+2581 first.
struct GgufPreTokenizer {
    std::vector<std::string> patterns;
    bool ignoreMerges = false;
    bool addBos = false;
    bool byteLevel = true;          // GPT-2's byte-to-character mapping (byte_encode)
    bool escapeSpaces = false;      // ' ' -> U+2581 before splitting (escape_whitespaces)
    bool wholeNewlineRuns = false;  // a piece of newlines that is a token is that token (Gemma-4)
    bool alwaysBos = false;         // BOS added whatever tokenizer.ggml.add_bos_token says
};

// nullopt for an unknown name.
std::optional<GgufPreTokenizer> ggufPreTokenizer(const std::string& name);
// Every name ggufPreTokenizer() accepts, comma-separated (for error messages).
std::string ggufPreTokenizerNames();

}  // namespace llmap

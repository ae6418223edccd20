#pragma once
// Tokenizers that give the same token ids as Hugging Face's, for every format a model folder may
// carry: tokenizer.json, vocab.json + merges.txt, tokenizer.model (SentencePiece) and GGUF.
//
// Text handling: the text is UTF-8. Ill-formed UTF-8 is not an error: each maximal ill-formed
// subsequence is replaced by U+FFFD first, exactly as Python's bytes.decode("utf-8",
// errors="replace") does, so the ids equal those of the Python tokenizer on the decoded string.
// Empty text gives no ids (or only the special tokens the tokenizer adds).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace llmap {

class Tokenizer {
public:
    virtual ~Tokenizer() = default;
    // addSpecialTokens=true gives what transformers' AutoTokenizer.encode(text) gives (BOS/EOS per
    // tokenizer_config.json / post-processor); false gives encode(text, add_special_tokens=False).
    virtual std::vector<int32_t> encode(std::string_view text, bool addSpecialTokens) const = 0;
    virtual std::string decode(const std::vector<int32_t>& ids) const = 0;
    virtual std::optional<int32_t> bosId() const = 0;
    virtual std::optional<int32_t> eosId() const = 0;
    virtual std::optional<int32_t> tokenId(
        std::string_view token) const = 0;  // e.g. "<|endoftext|>"
    virtual size_t vocabSize() const = 0;
    virtual std::string kind()
        const = 0;  // e.g. "tokenizer.json/BPE", "sentencepiece", "gguf/llama"
};

// path: a model folder (tokenizer.json preferred, else tokenizer.model, else
// vocab.json+merges.txt), a tokenizer.json, a tokenizer.model or a .gguf file. Throws InputError
// with the file and the fix.
std::unique_ptr<Tokenizer> loadTokenizer(const std::string& path);

}  // namespace llmap

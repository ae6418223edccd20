#pragma once
// One loader per tokenizer file format; loadTokenizer() picks among them. Every file may be
// gzip-compressed (name ending in .gz).
#include <memory>
#include <string>

#include "tokenize/gguf_reader.h"
#include "tokenize/tokenizer.h"

namespace llmap {

// tokenizer.json; tokenizer_config.json and special_tokens_map.json are read from the same folder.
std::unique_ptr<Tokenizer> loadHfTokenizerJson(const std::string& path);
// The same from tokenizer.json's bytes, already read from `path` (its folder gives the rest).
std::unique_ptr<Tokenizer> loadHfTokenizerJsonText(const std::string& text,
                                                   const std::string& path);
// GPT-2 style vocab.json + merges.txt.
std::unique_ptr<Tokenizer> loadVocabMerges(const std::string& vocabPath,
                                           const std::string& mergesPath);
// The tokenizer.ggml.* vocabulary of a GGUF file (types gpt2 and llama).
std::unique_ptr<Tokenizer> loadGgufVocab(const std::string& path);
std::unique_ptr<Tokenizer> loadGgufVocab(const GgufFile& file);  // a file already parsed
// A SentencePiece tokenizer.model (read without the SentencePiece library).
std::unique_ptr<Tokenizer> loadSentencePiece(const std::string& path);

}  // namespace llmap

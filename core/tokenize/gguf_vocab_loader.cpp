// GGUF vocabularies (tokenizer.ggml.*): "gpt2" (BPE with a family pre-tokenizer, byte-level or,
// for the SentencePiece-style families, on raw UTF-8 with byte tokens), "gemma4" (the latter with
// the gemma4 pre-tokenizer) and "llama" (SentencePiece BPE scored pieces with byte fallback).
#include <nlohmann/json.hpp>

#include "tokenize/bpe_model.h"
#include "tokenize/gguf_pre_tokenizers.h"
#include "tokenize/gguf_reader.h"
#include "tokenize/loaders.h"
#include "tokenize/pipeline_tokenizer.h"
#include "tokenize/spm_score_model.h"
#include "util/error.h"

namespace llmap {

namespace {

enum TokenType {
    kNormal = 1,
    kUnknown = 2,
    kControl = 3,
    kUserDefined = 4,
    kUnused = 5,
    kByte = 6
};

const std::vector<std::string>& stringArray(const GgufFile& f, const std::string& key) {
    const GgufValue* v = f.find(key);
    if (!v)
        throw InputError("no " + key + " key", f.path(),
                         "use a GGUF file that carries its vocabulary");
    if (v->type != GgufType::Array || v->elementType != GgufType::String) {
        throw InputError(key + " is not an array of strings", f.path(), "fix the GGUF file");
    }
    return v->strings;
}

std::optional<int32_t> tokenIdKey(const GgufFile& f, const std::string& key, size_t vocabSize) {
    auto v = f.getInteger(key);
    if (!v) return std::nullopt;
    if (*v < 0 || static_cast<size_t>(*v) >= vocabSize) {
        throw InputError(key + " = " + std::to_string(*v) + " is outside the vocabulary of " +
                             std::to_string(vocabSize) + " tokens",
                         f.path(), "fix the GGUF file");
    }
    return static_cast<int32_t>(*v);
}

}  // namespace

std::unique_ptr<Tokenizer> loadGgufVocab(const std::string& path) {
    return loadGgufVocab(GgufFile::read(path));
}

std::unique_ptr<Tokenizer> loadGgufVocab(const GgufFile& f) {
    const std::string& path = f.path();
    const std::string model = f.getString("tokenizer.ggml.model").value_or("");
    const std::vector<std::string>& tokens = stringArray(f, "tokenizer.ggml.tokens");
    std::vector<int64_t> types;
    if (const GgufValue* t = f.find("tokenizer.ggml.token_type")) types = t->integers;
    types.resize(tokens.size(), kNormal);

    PipelineParts parts;
    parts.bos = tokenIdKey(f, "tokenizer.ggml.bos_token_id", tokens.size());
    parts.eos = tokenIdKey(f, "tokenizer.ggml.eos_token_id", tokens.size());
    const auto unk = tokenIdKey(f, "tokenizer.ggml.unknown_token_id", tokens.size());
    for (size_t i = 0; i < tokens.size(); ++i) {
        if (types[i] == kControl || types[i] == kUserDefined) {
            AddedToken a;
            a.id = static_cast<int32_t>(i);
            a.content = tokens[i];
            a.special = types[i] == kControl;
            parts.added.add(a);
        }
    }
    bool addBos = false, addEos = false;
    bool alwaysBos = false;
    if (model == "gpt2" || model == "gemma4") {
        // llama.cpp reads a "gemma4" vocabulary as BPE with the gemma4 pre-tokenizer.
        const std::string pre = model == "gemma4"
                                    ? std::string("gemma4")
                                    : f.getString("tokenizer.ggml.pre").value_or("gpt-2");
        const auto preTok = ggufPreTokenizer(pre);
        if (!preTok) {
            throw InputError("unknown tokenizer.ggml.pre \"" + pre + "\"", path,
                             "supported: " + ggufPreTokenizerNames());
        }
        std::vector<std::pair<std::string, std::string>> merges;
        for (const auto& m : stringArray(f, "tokenizer.ggml.merges")) {
            const size_t sp = m.find(' ', 1);
            if (sp == std::string::npos)
                throw InputError("merge \"" + m + "\" is not \"left right\"", path,
                                 "fix the GGUF file");
            merges.emplace_back(m.substr(0, sp), m.substr(sp + 1));
        }
        BpeOptions o;
        o.ignoreMerges = preTok->ignoreMerges;
        o.wholeNewlineRuns = preTok->wholeNewlineRuns;
        o.byteFallback = !preTok->byteLevel;  // <0xXX> tokens for what the merges leave
        parts.model = std::make_unique<BpeModel>(tokens, std::move(merges), o, path);
        if (preTok->byteLevel) {
            parts.preTokenizer = makeRegexByteLevel(preTok->patterns, path);
            parts.decoder = makeByteLevelDecoder();
        } else {
            parts.preTokenizer = makeIsolatedSplits(preTok->patterns, path);
            const nlohmann::json byteFallback = {{"type", "ByteFallback"}};
            const nlohmann::json fuse = {{"type", "Fuse"}};
            nlohmann::json decoders = nlohmann::json::array({byteFallback, fuse});
            if (preTok->escapeSpaces) {
                const nlohmann::json escape = {{"type", "Replace"},
                                               {"pattern", {{"String", " "}}},
                                               {"content", "\xE2\x96\x81"}};
                const nlohmann::json unescape = {{"type", "Replace"},
                                                 {"pattern", {{"String", "\xE2\x96\x81"}}},
                                                 {"content", " "}};
                parts.normalizer = makeNormalizer(escape, path);
                decoders.insert(decoders.begin(), unescape);
            }
            parts.decoder = makeDecoder({{"type", "Sequence"}, {"decoders", decoders}}, path);
        }
        parts.kind = "gguf/" + model;
        addBos = preTok->addBos;
        alwaysBos = preTok->alwaysBos;
    } else if (model == "llama") {
        std::vector<float> scores;
        if (const GgufValue* s = f.find("tokenizer.ggml.scores")) {
            for (double d : s->reals) scores.push_back(static_cast<float>(d));
        }
        parts.model = std::make_unique<SpmScoreModel>(tokens, std::move(scores), unk);
        const bool addSpace = f.getBool("tokenizer.ggml.add_space_prefix").value_or(true);
        nlohmann::json norm = {{"type", "Sequence"}, {"normalizers", nlohmann::json::array()}};
        if (addSpace)
            norm["normalizers"].push_back({{"type", "Prepend"}, {"prepend", "\xE2\x96\x81"}});
        norm["normalizers"].push_back(
            {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\xE2\x96\x81"}});
        parts.normalizer = makeNormalizer(norm, path);
        parts.decoder = makeSentencePieceDecoder();
        parts.kind = "gguf/llama";
        addBos = true;
    } else {
        throw InputError("unsupported tokenizer.ggml.model \"" + model + "\"", path,
                         "supported: gpt2, gemma4, llama");
    }
    addBos = alwaysBos || f.getBool("tokenizer.ggml.add_bos_token").value_or(addBos);
    addEos = f.getBool("tokenizer.ggml.add_eos_token").value_or(addEos);
    if (addBos && parts.bos) parts.postProcessor.prefix.push_back(*parts.bos);
    if (addEos && parts.eos) parts.postProcessor.suffix.push_back(*parts.eos);
    return std::make_unique<PipelineTokenizer>(std::move(parts));
}

}  // namespace llmap

// tokenizer.json (Hugging Face fast tokenizers) and vocab.json + merges.txt.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "tokenize/bpe_model.h"
#include "tokenize/dense_vocabulary.h"
#include "tokenize/loaders.h"
#include "tokenize/model_factory.h"
#include "tokenize/pipeline_tokenizer.h"
#include "tokenize/special_tokens_config.h"
#include "tokenize/token_id_json.h"
#include "tokenize/tokenizer_json_reader.h"
#include "util/compressed_file.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

namespace {

std::optional<int32_t> idOf(const PipelineParts& p, const std::optional<std::string>& token) {
    if (!token) return std::nullopt;
    if (auto id = p.added.find(*token)) return id;
    return p.model->tokenToId(*token);
}

}  // namespace

// Applies tokenizer_config.json / special_tokens_map.json the way transformers does.
void applySpecialTokensConfig(PipelineParts& parts, const SpecialTokensConfig& cfg,
                              bool honourAddFlags) {
    for (const auto& a : cfg.addedTokens) {
        if (!parts.added.find(a.content)) parts.added.add(a);
    }
    for (const auto& name : {cfg.bos, cfg.eos, cfg.unk, cfg.pad}) {
        if (!name || parts.added.find(*name)) continue;
        if (auto id = parts.model->tokenToId(*name)) {
            AddedToken a;
            a.id = *id;
            a.content = *name;
            a.special = true;
            parts.added.add(a);
        }
    }
    if (cfg.bos) parts.bos = idOf(parts, cfg.bos);
    if (cfg.eos) parts.eos = idOf(parts, cfg.eos);
    if (honourAddFlags) {
        parts.postProcessor = PostProcessor{};
        if (cfg.addBos.value_or(false) && parts.bos)
            parts.postProcessor.prefix.push_back(*parts.bos);
        if (cfg.addEos.value_or(false) && parts.eos)
            parts.postProcessor.suffix.push_back(*parts.eos);
    }
}

std::unique_ptr<Tokenizer> loadHfTokenizerJson(const std::string& path) {
    return loadHfTokenizerJsonText(readInputFile(path), path);
}

std::unique_ptr<Tokenizer> loadHfTokenizerJsonText(const std::string& text,
                                                   const std::string& path) {
    TokenizerJson file = readTokenizerJson(text, path);
    const nlohmann::json& j = file.document;
    if (!j.is_object() || !j.contains("model") || !j.at("model").is_object()) {
        throw InputError("not a tokenizer.json: no \"model\" object", path,
                         "point to a Hugging Face tokenizer.json file");
    }
    PipelineParts parts;
    try {
        parts.model = makeModel(j.at("model"), std::move(file.model), path);
        parts.kind = "tokenizer.json/" + parts.model->name();
        parts.normalizer = makeNormalizer(j.value("normalizer", nlohmann::json()), path);
        parts.preTokenizer = makePreTokenizer(j.value("pre_tokenizer", nlohmann::json()), path);
        parts.postProcessor = makePostProcessor(j.value("post_processor", nlohmann::json()), path);
        parts.decoder = makeDecoder(j.value("decoder", nlohmann::json()), path);
        if (j.contains("added_tokens") && j.at("added_tokens").is_array()) {
            for (const auto& t : j.at("added_tokens")) {
                AddedToken a;
                a.id = tokenIdFromJson(t.at("id"), path);
                a.content = t.at("content").get<std::string>();
                a.singleWord = t.value("single_word", false);
                a.lstrip = t.value("lstrip", false);
                a.rstrip = t.value("rstrip", false);
                a.normalized = t.value("normalized", !t.value("special", false));
                a.special = t.value("special", false);
                parts.added.add(a);
            }
        }
    } catch (const nlohmann::json::exception& e) {
        throw InputError(std::string("unexpected tokenizer.json structure: ") + e.what(), path,
                         "use a tokenizer.json written by Hugging Face tokenizers");
    }
    const auto folder = std::filesystem::path(path).parent_path().string();
    const SpecialTokensConfig cfg = readSpecialTokensConfig(folder.empty() ? "." : folder);
    if (cfg.tokenizerClass == "LlamaTokenizer" || cfg.tokenizerClass == "LlamaTokenizerFast") {
        // transformers' LlamaTokenizer rebuilds the pipeline around the file's vocabulary and
        // merges: no normalizer, Metaspace without splitting, prepended "always" when legacy, else
        // "first".
        if (parts.model->name() != "BPE") {
            throw InputError("tokenizer_class LlamaTokenizer needs a BPE model", path,
                             "fix tokenizer_config.json");
        }
        static_cast<BpeModel&>(*parts.model).useLlamaClassOptions();
        const bool addPrefix = cfg.addPrefixSpace.value_or(true);
        const std::string scheme = !addPrefix                   ? "never"
                                   : cfg.legacy.value_or(false) ? "always"
                                                                : "first";
        parts.normalizer = nullptr;
        parts.preTokenizer = makePreTokenizer({{"type", "Metaspace"},
                                               {"replacement", "\xE2\x96\x81"},
                                               {"prepend_scheme", scheme},
                                               {"split", false}},
                                              path);
        parts.decoder = makeSentencePieceDecoder();
        parts.kind = "tokenizer.json/BPE (LlamaTokenizer)";
    }
    // transformers 5 ignores add_bos_token / add_eos_token when a tokenizer.json exists: the file's
    // post-processor decides (none when it is null).
    applySpecialTokensConfig(parts, cfg, false);
    return std::make_unique<PipelineTokenizer>(std::move(parts));
}

std::unique_ptr<Tokenizer> loadVocabMerges(const std::string& vocabPath,
                                           const std::string& mergesPath) {
    const std::string folder = std::filesystem::path(vocabPath).parent_path().string();
    const nlohmann::json vocab = readJsonFile(vocabPath);
    if (!vocab.is_object())
        throw InputError("vocab.json is not a JSON object", vocabPath,
                         "use GPT-2 style vocab.json");
    VocabularyEntries entries;
    for (const auto& [token, id] : vocab.items()) {
        if (!id.is_number_integer() || id.get<int64_t>() < 0 ||
            id.get<int64_t>() > std::numeric_limits<int32_t>::max()) {
            throw InputError("token \"" + token + "\" has no valid id", vocabPath,
                             "use GPT-2 style vocab.json");
        }
        entries.emplace_back(static_cast<uint32_t>(id.get<int64_t>()), token);
    }
    std::vector<std::string> idToToken =
        denseVocabulary(std::move(entries), vocabPath, "use GPT-2 style vocab.json");
    std::istringstream in(readInputFile(mergesPath));
    std::vector<std::pair<std::string, std::string>> merges;
    std::string line;
    size_t lineNo = 0;
    while (std::getline(in, line)) {
        ++lineNo;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || (lineNo == 1 && line.rfind("#version", 0) == 0)) continue;
        const size_t sp = line.find(' ');
        if (sp == std::string::npos || sp == 0 || sp + 1 == line.size()) {
            throw InputError("line " + std::to_string(lineNo) + " is not \"left right\"",
                             mergesPath, "use a GPT-2 style merges.txt");
        }
        merges.emplace_back(line.substr(0, sp), line.substr(sp + 1));
    }
    PipelineParts parts;
    parts.kind = "vocab.json+merges.txt/BPE";
    parts.model = std::make_unique<BpeModel>(std::move(idToToken), std::move(merges), BpeOptions{},
                                             mergesPath);
    parts.preTokenizer = makePreTokenizer(
        nlohmann::json{{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}},
        vocabPath);
    parts.decoder = makeByteLevelDecoder();
    SpecialTokensConfig cfg = readSpecialTokensConfig(folder.empty() ? "." : folder);
    if (!cfg.found) {
        // transformers' GPT2Tokenizer defaults: <|endoftext|> is BOS, EOS and UNK.
        cfg.bos = cfg.eos = cfg.unk = std::string("<|endoftext|>");
    }
    applySpecialTokensConfig(parts, cfg, true);
    return std::make_unique<PipelineTokenizer>(std::move(parts));
}

}  // namespace llmap

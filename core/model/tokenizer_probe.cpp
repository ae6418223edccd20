#include "model/tokenizer_probe.h"

#include <filesystem>

#include "model/json_skim.h"
#include "util/compressed_file.h"
#include "util/error.h"
#include "util/json_file.h"

namespace fs = std::filesystem;

namespace llmap {

namespace {

// The few members of tokenizer.json needed here, skimmed (its vocabulary and merges are the bulk
// of a file of several MB and are not parsed).
struct TokenizerSkeleton {
    std::string modelType;
    nlohmann::json postProcessor;
};

TokenizerSkeleton readTokenizerSkeleton(const std::string& text, const std::string& path) {
    TokenizerSkeleton skeleton;
    const auto members = skimObject(text, path);
    try {
        const auto processor = members.find("post_processor");
        if (processor != members.end()) {
            skeleton.postProcessor = nlohmann::json::parse(processor->second);
        }
        const auto model = members.find("model");
        if (model != members.end() && !model->second.empty() && model->second[0] == '{') {
            const auto modelMembers = skimObject(model->second, path);
            const auto type = modelMembers.find("type");
            if (type != modelMembers.end()) {
                skeleton.modelType = nlohmann::json::parse(type->second).get<std::string>();
            }
        }
    } catch (const nlohmann::json::exception& e) {
        throw InputError(std::string("not valid JSON: ") + e.what(), path,
                         "download tokenizer.json again");
    }
    return skeleton;
}

// A TemplateProcessing whose single-sequence template starts with a special token adds BOS.
bool templateAddsBos(const nlohmann::json& processor) {
    if (!processor.is_object()) return false;
    const std::string type = processor.value("type", "");
    if (type == "Sequence" && processor.contains("processors") &&
        processor["processors"].is_array()) {
        for (const auto& p : processor["processors"])
            if (templateAddsBos(p)) return true;
        return false;
    }
    if (type != "TemplateProcessing") return false;
    const auto single = processor.find("single");
    if (single == processor.end() || !single->is_array() || single->empty()) return false;
    return (*single)[0].is_object() && (*single)[0].contains("SpecialToken");
}

}  // namespace

TokenizerProbe probeTokenizer(const std::string& folderName, const std::string* tokenizerJson) {
    const fs::path folder(folderName);
    TokenizerProbe probe;
    const fs::path tokenizerJsonFile = folder / "tokenizer.json";
    bool found = false;
    if (tokenizerJson || fs::exists(tokenizerJsonFile)) {
        const std::string path = tokenizerJsonFile.string();
        const TokenizerSkeleton t =
            readTokenizerSkeleton(tokenizerJson ? *tokenizerJson : readInputFile(path), path);
        probe.kind = t.modelType.empty() ? "BPE" : t.modelType;
        probe.addsBos = templateAddsBos(t.postProcessor);
        found = true;
    } else if (fs::exists(folder / "tokenizer.model")) {
        probe.kind = "sentencepiece";
        probe.addsBos = true;  // SentencePiece-based Llama/Mistral tokenizers default to BOS
        found = true;
    } else if (fs::exists(folder / "vocab.json") && fs::exists(folder / "merges.txt")) {
        probe.kind = "vocab+merges";
        found = true;
    }
    if (!found) {
        throw InputError("no tokenizer (tokenizer.json, tokenizer.model or vocab.json+merges.txt)",
                         folderName, "copy the tokenizer files that came with the model");
    }
    const fs::path config = folder / "tokenizer_config.json";
    if (fs::exists(config)) {
        const nlohmann::json c = readJsonFile(config.string());
        if (auto addBos = jsonBool(c, "add_bos_token", config.string())) probe.addsBos = *addBos;
    }
    return probe;
}

}  // namespace llmap

#include "model/tokenizer_probe.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/json_file.h"
#include "util/error.h"

namespace fs = std::filesystem;

namespace llmap {

namespace {

// tokenizer.json without its vocabulary and merges (the bulk of the file; not needed here).
nlohmann::json readTokenizerSkeleton(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    const nlohmann::json::parser_callback_t skipBulk =
        [](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
            return !(event == nlohmann::json::parse_event_t::key && depth == 2 &&
                     (parsed == "vocab" || parsed == "merges"));
        };
    try {
        return nlohmann::json::parse(buffer.str(), skipBulk);
    } catch (const nlohmann::json::exception& e) {
        throw InputError(std::string("not valid JSON: ") + e.what(), path,
                         "download tokenizer.json again");
    }
}

// A TemplateProcessing whose single-sequence template starts with a special token adds BOS.
bool templateAddsBos(const nlohmann::json& processor) {
    if (!processor.is_object()) return false;
    const std::string type = processor.value("type", "");
    if (type == "Sequence" && processor.contains("processors") && processor["processors"].is_array()) {
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

TokenizerProbe probeTokenizer(const std::string& folderName) {
    const fs::path folder(folderName);
    TokenizerProbe probe;
    const fs::path tokenizerJson = folder / "tokenizer.json";
    bool found = false;
    if (fs::exists(tokenizerJson)) {
        const nlohmann::json t = readTokenizerSkeleton(tokenizerJson.string());
        if (t.contains("model") && t["model"].is_object()) {
            probe.kind = t["model"].value("type", "BPE");
        }
        if (t.contains("post_processor")) probe.addsBos = templateAddsBos(t["post_processor"]);
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

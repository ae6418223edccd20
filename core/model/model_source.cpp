#include "model/model_source.h"

#include <filesystem>

#include "model/registry.h"
#include "tokenize/loaders.h"
#include "util/compressed_file.h"
#include "util/error.h"

namespace fs = std::filesystem;

namespace llmap {

ModelSource openModelSource(const std::string& path) {
    ModelSource source;
    source.path = path;
    if (isGgufFile(path)) {
        source.gguf = std::make_shared<const GgufModel>(openGgufModel(path));
        source.configPath = path;
        source.config = source.gguf->config;
        source.spec = archSpecFromConfig(source.config, path);
        return source;
    }
    const fs::path folder(path);
    if (folder.extension() == ".gguf" && !fs::exists(folder)) {
        throw InputError("no such GGUF file", path, "check the path");
    }
    if (!fs::is_directory(folder)) {
        throw InputError("not a folder", path, "give the path of a model folder");
    }
    source.configPath = (folder / "config.json").string();
    if (!fs::exists(source.configPath)) {
        throw InputError("config.json is missing", path,
                         "a Hugging Face model folder needs its config.json");
    }
    source.configText = readInputFile(source.configPath);
    try {
        source.config = nlohmann::json::parse(source.configText);
    } catch (const nlohmann::json::exception& e) {
        throw InputError(std::string("not valid JSON: ") + e.what(), source.configPath,
                         "repair or download config.json again");
    }
    if (!source.config.is_object()) {
        throw InputError("config is not a JSON object", source.configPath, "fix config.json");
    }
    source.spec = archSpecFromConfig(source.config, source.configPath);
    source.weightFormat = readWeightFormat(source.config, source.configPath);
    source.weights = openWeightFiles(path);
    const fs::path tokenizerJson = folder / "tokenizer.json";
    if (fs::exists(tokenizerJson)) source.tokenizerJson = readInputFile(tokenizerJson.string());
    return source;
}

std::unique_ptr<Tokenizer> loadModelTokenizer(const ModelSource& source) {
    if (source.gguf) return loadGgufVocab(source.gguf->file);
    if (!source.tokenizerJson.empty()) {
        return loadHfTokenizerJsonText(source.tokenizerJson,
                                       (fs::path(source.path) / "tokenizer.json").string());
    }
    return loadTokenizer(source.path);
}

}  // namespace llmap

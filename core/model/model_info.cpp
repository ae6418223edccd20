#include "model/model_info.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "model/gguf_model.h"
#include "model/model_card.h"
#include "model/model_source.h"
#include "model/registry.h"
#include "model/tokenizer_probe.h"
#include "model/weight_files.h"
#include "util/compressed_file.h"
#include "util/error.h"
#include "util/json_file.h"
#include "util/sha256.h"

namespace fs = std::filesystem;

namespace llmap {

namespace {

// Buffers that are not parameters (causal-mask and rotary caches some checkpoints carry).
bool isBuffer(const std::string& name) {
    auto endsWith = [&](const std::string& suffix) {
        return name.size() >= suffix.size() &&
               name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    return endsWith(".attn.bias") || endsWith(".attn.masked_bias") || endsWith("inv_freq") ||
           endsWith(".attention.bias") || endsWith(".attention.masked_bias");
}

int64_t tokenId(const nlohmann::json& config, const char* key) {
    const auto it = config.find(key);
    if (it == config.end()) return -1;
    if (it->is_number_integer()) return it->get<int64_t>();
    if (it->is_array() && !it->empty() && (*it)[0].is_number_integer())
        return (*it)[0].get<int64_t>();
    return -1;
}

}  // namespace

ModelInfo readModelInfo(const std::string& path) {
    return readModelInfo(openModelSource(path));
}

ModelInfo readModelInfo(const ModelSource& source) {
    if (source.isGguf()) return readGgufModelInfo(source);
    const std::string& folderName = source.path;
    const fs::path folder(folderName);
    ModelInfo info;
    info.path = folderName;
    const nlohmann::json& config = source.config;
    const std::string& where = source.configPath;
    info.modelType = jsonString(config, "model_type", where).value_or("");
    if (config.contains("architectures") && config["architectures"].is_array()) {
        for (const auto& a : config["architectures"])
            if (a.is_string()) info.architectures.push_back(a.get<std::string>());
    }
    info.torchDtype = jsonString(config, "torch_dtype", where)
                          .value_or(jsonString(config, "dtype", where).value_or(""));
    if (source.weightFormat.fp8Blocks) {
        info.quantisation = "FP8 E4M3, " + std::to_string(source.weightFormat.blockRows) + "x" +
                            std::to_string(source.weightFormat.blockCols) + " blocks";
    }
    if (source.weightFormat.mxfp4) info.quantisation = "MXFP4, 32-value blocks";
    info.bosTokenId = tokenId(config, "bos_token_id");
    info.eosTokenId = tokenId(config, "eos_token_id");
    // A multimodal wrapper (Gemma-3) may name them in its language model's text_config only.
    const auto text = config.find("text_config");
    if (text != config.end() && text->is_object()) {
        if (info.bosTokenId < 0) info.bosTokenId = tokenId(*text, "bos_token_id");
        if (info.eosTokenId < 0) info.eosTokenId = tokenId(*text, "eos_token_id");
    }

    const ArchSpec& spec = source.spec;
    info.modelType = resolveModelType(config, where);
    info.hiddenSize = spec.hidden;
    info.layers = spec.layers;
    info.heads = spec.heads;
    info.kvHeads = spec.kvHeads;
    info.contextLength = spec.context;
    info.vocabSize = spec.vocab;

    const WeightFiles& weights = source.weights;
    Sha256 hash;
    hash.update(source.configText);
    info.weightFiles = static_cast<int>(weights.files.size());
    for (size_t i = 0; i < weights.files.size(); ++i) {
        const SafetensorsHeader& h = weights.headers[i];
        hash.update(fs::path(weights.files[i]).filename().string());
        hash.update(h.headerJson);
        info.weightBytes += static_cast<int64_t>(h.dataSize);
        for (const auto& [name, entry] : h.tensors) {
            const std::string& tensor = name;  // C++17 lambdas cannot capture a binding
            const auto endsWith = [&tensor](const std::string& suffix) {
                return tensor.size() > suffix.size() &&
                       tensor.compare(tensor.size() - suffix.size(), suffix.size(), suffix) == 0;
            };
            const bool mxfp4 = source.weightFormat.mxfp4;
            const bool blockScales = (source.weightFormat.fp8Blocks && endsWith("_scale_inv")) ||
                                     (mxfp4 && endsWith("_scales"));
            // An MXFP4 byte holds two values.
            const int64_t perElement = mxfp4 && endsWith("_blocks") ? 2 : 1;
            if (!isBuffer(name) && !blockScales) info.parameters += perElement * entry.elements();
        }
    }
    if ((source.weightFormat.fp8Blocks || source.weightFormat.mxfp4) && info.parameters > 0) {
        info.bitsPerWeight =
            8.0 * static_cast<double>(info.weightBytes) / static_cast<double>(info.parameters);
    }
    info.configHash = hash.hex();

    const TokenizerProbe tokenizer =
        probeTokenizer(folderName, source.tokenizerJson.empty() ? nullptr : &source.tokenizerJson);
    info.tokenizerKind = tokenizer.kind;
    info.addsBos = tokenizer.addsBos;

    const fs::path readme = folder / "README.md";
    if (fs::exists(readme)) {
        const ModelCard card = parseModelCard(readInputFile(readme.string()));
        info.baseModel = card.baseModel;
        info.license = card.license;
        info.language = card.language;
        info.tags = card.tags;
        info.pipelineTag = card.pipelineTag;
    }
    const fs::path interpolation = folder / "llmap_interpolation.json";
    if (fs::exists(interpolation)) {
        const auto j = nlohmann::json::parse(readInputFile(interpolation.string()), nullptr, false);
        if (j.is_object() && j.contains("from") && j["from"].is_string() && j.contains("to") &&
            j["to"].is_string() && j.contains("alpha") && j["alpha"].is_number()) {
            info.interpolationJson =
                nlohmann::json{{"from", j["from"]}, {"to", j["to"]}, {"alpha", j["alpha"]}}.dump();
        }
    }
    return info;
}

std::string ModelInfo::toJson() const {
    nlohmann::json j = {
        {"path", path},
        {"model_type", modelType},
        {"architectures", architectures},
        {"parameters", parameters},
        {"hidden_size", hiddenSize},
        {"layers", layers},
        {"heads", heads},
        {"kv_heads", kvHeads},
        {"context_length", contextLength},
        {"vocab_size", vocabSize},
        {"torch_dtype", torchDtype},
        {"tokenizer", tokenizerKind},
        {"adds_bos", addsBos},
        {"bos_token_id", bosTokenId},
        {"eos_token_id", eosTokenId},
        {"weight_files", weightFiles},
        {"weight_bytes", weightBytes},
        {"config_hash", configHash},
        {"base_model", baseModel},
        {"license", license},
        {"language", language},
        {"tags", tags},
        {"pipeline_tag", pipelineTag},
    };
    if (!interpolationJson.empty()) j["interpolation"] = nlohmann::json::parse(interpolationJson);
    if (!quantisation.empty()) {
        j["quantisation"] = quantisation;
        j["bits_per_weight"] = bitsPerWeight;
    }
    return j.dump();
}

}  // namespace llmap

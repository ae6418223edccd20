#include "model/registry.h"

#include <algorithm>
#include <map>

#include "model/architectures/architectures.h"
#include "util/error.h"

namespace llmap {

namespace {

using Builder = ArchSpec (*)(const nlohmann::json&, const std::string&);

struct Family {
    Builder build;
    std::vector<std::string> architectures;  // Hugging Face class names in "architectures"
};

const std::map<std::string, Family>& families() {
    static const std::map<std::string, Family> registry = {
        {"llama", {llamaSpec, {"LlamaForCausalLM"}}},
        {"mistral", {mistralSpec, {"MistralForCausalLM"}}},
        {"qwen2", {qwen2Spec, {"Qwen2ForCausalLM"}}},
        {"qwen3", {qwen3Spec, {"Qwen3ForCausalLM"}}},
        {"gpt2", {gpt2Spec, {"GPT2LMHeadModel"}}},
        {"gpt_neox", {gptNeoxSpec, {"GPTNeoXForCausalLM"}}},
        {"gptj", {gptjSpec, {"GPTJForCausalLM"}}},
        {"gpt_neo", {gptNeoSpec, {"GPTNeoForCausalLM"}}},
        {"opt", {optSpec, {"OPTForCausalLM"}}},
        {"bloom", {bloomSpec, {"BloomForCausalLM"}}},
        {"falcon", {falconSpec, {"FalconForCausalLM", "RWForCausalLM"}}},
        {"mpt", {mptSpec, {"MptForCausalLM"}}},
        {"gpt_bigcode", {gptBigcodeSpec, {"GPTBigCodeForCausalLM"}}},
        {"starcoder2", {starcoder2Spec, {"Starcoder2ForCausalLM"}}},
        {"gemma", {gemmaSpec, {"GemmaForCausalLM"}}},
        {"gemma2", {gemma2Spec, {"Gemma2ForCausalLM"}}},
        {"gemma3_text", {gemma3TextSpec, {"Gemma3ForCausalLM"}}},
        {"gemma3", {gemma3Spec, {"Gemma3ForConditionalGeneration"}}},
        {"phi", {phiSpec, {"PhiForCausalLM"}}},
        {"phi3", {phi3Spec, {"Phi3ForCausalLM"}}},
        {"stablelm", {stablelmSpec, {"StableLmForCausalLM"}}},
        {"olmo", {olmoSpec, {"OlmoForCausalLM"}}},
        {"olmo2", {olmo2Spec, {"Olmo2ForCausalLM"}}},
        {"mixtral", {mixtralSpec, {"MixtralForCausalLM"}}},
        {"deepseek_v2", {deepseekV2Spec, {"DeepseekV2ForCausalLM"}}},
    };
    return registry;
}

std::string supportedList() {
    std::string s;
    for (const auto& t : supportedModelTypes()) s += (s.empty() ? "" : ", ") + t;
    return s;
}

}  // namespace

std::vector<std::string> supportedModelTypes() {
    std::vector<std::string> types;
    for (const auto& [type, family] : families()) types.push_back(type);
    return types;
}

std::string resolveModelType(const nlohmann::json& config, const std::string& where) {
    std::string declared;
    if (config.contains("model_type") && config["model_type"].is_string()) {
        declared = config["model_type"].get<std::string>();
        if (families().count(declared)) return declared;
    }
    if (config.contains("architectures") && config["architectures"].is_array()) {
        for (const auto& a : config["architectures"]) {
            if (!a.is_string()) continue;
            for (const auto& [type, family] : families()) {
                const auto& names = family.architectures;
                if (std::find(names.begin(), names.end(), a.get<std::string>()) != names.end())
                    return type;
            }
        }
    }
    throw InputError(
        "model_type \"" + (declared.empty() ? "(none)" : declared) + "\" is not supported", where,
        "supported model_types: " + supportedList());
}

ArchSpec archSpecFromConfig(const nlohmann::json& config, const std::string& where) {
    if (!config.is_object())
        throw InputError("config is not a JSON object", where, "fix config.json");
    const std::string type = resolveModelType(config, where);
    return families().at(type).build(config, where);
}

}  // namespace llmap

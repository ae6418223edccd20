#include "model/registry.h"

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

#include "model/architectures/architectures.h"
#include "util/error.h"

namespace llmap {

namespace {

using Builder = ArchSpec (*)(const nlohmann::json&, const std::string&);

struct Family {
    Builder build;
    std::vector<std::string> architectures;  // Hugging Face class names in "architectures"
    bool wrapper = false;  // a multimodal wrapper around a language model (text_config)
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
        {"gemma3", {gemma3Spec, {"Gemma3ForConditionalGeneration"}, true}},
        {"gemma4_text", {gemma4TextSpec, {"Gemma4ForCausalLM"}}},
        {"gemma4", {gemma4Spec, {"Gemma4ForConditionalGeneration"}, true}},
        {"mistral3", {mistral3Spec, {"Mistral3ForConditionalGeneration"}, true}},
        {"llava", {llavaSpec, {"LlavaForConditionalGeneration"}, true}},
        {"llava_next", {llavaNextSpec, {"LlavaNextForConditionalGeneration"}, true}},
        {"internvl", {internvlSpec, {"InternVLForConditionalGeneration"}, true}},
        {"smolvlm", {smolvlmSpec, {"SmolVLMForConditionalGeneration"}, true}},
        {"idefics3", {idefics3Spec, {"Idefics3ForConditionalGeneration"}, true}},
        {"phi", {phiSpec, {"PhiForCausalLM"}}},
        {"phi3", {phi3Spec, {"Phi3ForCausalLM"}}},
        {"stablelm", {stablelmSpec, {"StableLmForCausalLM"}}},
        {"olmo", {olmoSpec, {"OlmoForCausalLM"}}},
        {"olmo2", {olmo2Spec, {"Olmo2ForCausalLM"}}},
        {"mixtral", {mixtralSpec, {"MixtralForCausalLM"}}},
        {"deepseek_v2", {deepseekV2Spec, {"DeepseekV2ForCausalLM"}}},
        {"deepseek_v3", {deepseekV3Spec, {"DeepseekV3ForCausalLM"}}},
        {"glm4_moe", {glm4MoeSpec, {"Glm4MoeForCausalLM"}}},
        {"smollm3", {smollm3Spec, {"SmolLM3ForCausalLM"}}},
        {"olmo3", {olmo3Spec, {"Olmo3ForCausalLM"}}},
        {"exaone4", {exaone4Spec, {"Exaone4ForCausalLM"}}},
        {"seed_oss", {seedOssSpec, {"SeedOssForCausalLM"}}},
        {"ernie4_5", {ernie45Spec, {"Ernie4_5ForCausalLM"}}},
        {"hunyuan_v1_dense", {hunyuanV1DenseSpec, {"HunYuanDenseV1ForCausalLM"}}},
        {"qwen2_moe", {qwen2MoeSpec, {"Qwen2MoeForCausalLM"}}},
        {"qwen3_moe", {qwen3MoeSpec, {"Qwen3MoeForCausalLM"}}},
        {"olmoe", {olmoeSpec, {"OlmoeForCausalLM"}}},
        {"qwen3_next", {qwen3NextSpec, {"Qwen3NextForCausalLM"}}},
        {"qwen3_5_text", {qwen3_5TextSpec, {"Qwen3_5ForCausalLM"}}},
        {"qwen3_5_moe_text", {qwen3_5MoeTextSpec, {"Qwen3_5MoeForCausalLM"}}},
        {"qwen3_5", {qwen3_5Spec, {"Qwen3_5ForConditionalGeneration"}, true}},
        {"qwen3_5_moe", {qwen3_5MoeSpec, {"Qwen3_5MoeForConditionalGeneration"}, true}},
        {"granite", {graniteSpec, {"GraniteForCausalLM"}}},
        {"granitemoe", {granitemoeSpec, {"GraniteMoeForCausalLM"}}},
        {"granitemoehybrid", {granitemoehybridSpec, {"GraniteMoeHybridForCausalLM"}}},
        {"falcon_h1", {falconH1Spec, {"FalconH1ForCausalLM"}}},
        {"cohere", {cohereSpec, {"CohereForCausalLM"}}},
        {"cohere2", {cohere2Spec, {"Cohere2ForCausalLM"}}},
        {"glm4", {glm4Spec, {"Glm4ForCausalLM"}}},
        {"apertus", {apertusSpec, {"ApertusForCausalLM"}}},
        {"gpt_oss", {gptOssSpec, {"GptOssForCausalLM"}}},
        {"lfm2", {lfm2Spec, {"Lfm2ForCausalLM"}}},
        {"lfm2_moe", {lfm2MoeSpec, {"Lfm2MoeForCausalLM"}}},
        {"llama4_text", {llama4TextSpec, {"Llama4ForCausalLM"}}},
        {"llama4", {llama4Spec, {"Llama4ForConditionalGeneration"}, true}},
        {"ministral3", {ministral3Spec, {"Ministral3ForCausalLM"}}},
        {"ernie4_5_moe", {ernie45MoeSpec, {"Ernie4_5_MoeForCausalLM"}}},
    };
    return registry;
}

std::string supportedList() {
    std::string s;
    for (const auto& t : supportedModelTypes()) s += (s.empty() ? "" : ", ") + t;
    return s;
}

// Edit distance (insertions, deletions, substitutions) between two model_types.
size_t editDistance(const std::string& a, const std::string& b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j) {
            const size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = above;
        }
    }
    return row[b.size()];
}

// Up to three supported types close to `declared`: a type it starts with or that starts with it
// ("qwen3_moe" -> qwen3), else a few edits away ("gemma5" -> gemma2, gemma3).
std::vector<std::string> closestTypes(const std::string& declared) {
    std::vector<std::pair<size_t, std::string>> scored;
    const size_t limit = std::max<size_t>(2, declared.size() / 3);
    for (const auto& [type, family] : families()) {
        size_t d = editDistance(declared, type);
        if (declared.rfind(type, 0) == 0 || type.rfind(declared, 0) == 0)
            d = std::min<size_t>(d, 1);
        if (d <= limit) scored.emplace_back(d, type);
    }
    std::sort(scored.begin(), scored.end());
    std::vector<std::string> closest;
    for (size_t i = 0; i < scored.size() && i < 3; ++i) closest.push_back(scored[i].second);
    return closest;
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
    std::string closest;
    for (const std::string& t :
         declared.empty() ? std::vector<std::string>() : closestTypes(declared))
        closest += (closest.empty() ? "; the closest supported: " : ", ") + t;
    throw InputError("model_type \"" + (declared.empty() ? "(none)" : declared) +
                         "\" is not supported" + closest,
                     where, "supported model_types: " + supportedList());
}

bool wrapsLanguageModel(const std::string& modelType) {
    const auto it = families().find(modelType);
    return it != families().end() && it->second.wrapper;
}

ArchSpec archSpecFromConfig(const nlohmann::json& config, const std::string& where) {
    if (!config.is_object())
        throw InputError("config is not a JSON object", where, "fix config.json");
    const std::string type = resolveModelType(config, where);
    return families().at(type).build(config, where);
}

}  // namespace llmap

#pragma once
// One function per architecture family: config.json -> ArchSpec. Registered in registry.cpp.
#include <nlohmann/json.hpp>
#include <string>

#include "model/arch_spec.h"

namespace llmap {

ArchSpec llamaSpec(const nlohmann::json& config, const std::string& where);
ArchSpec mistralSpec(const nlohmann::json& config, const std::string& where);
ArchSpec qwen2Spec(const nlohmann::json& config, const std::string& where);
ArchSpec qwen3Spec(const nlohmann::json& config, const std::string& where);
ArchSpec gpt2Spec(const nlohmann::json& config, const std::string& where);
ArchSpec gptNeoxSpec(const nlohmann::json& config, const std::string& where);
ArchSpec gptjSpec(const nlohmann::json& config, const std::string& where);
ArchSpec gptNeoSpec(const nlohmann::json& config, const std::string& where);
ArchSpec optSpec(const nlohmann::json& config, const std::string& where);
ArchSpec bloomSpec(const nlohmann::json& config, const std::string& where);
ArchSpec falconSpec(const nlohmann::json& config, const std::string& where);
ArchSpec mptSpec(const nlohmann::json& config, const std::string& where);
ArchSpec gptBigcodeSpec(const nlohmann::json& config, const std::string& where);
ArchSpec starcoder2Spec(const nlohmann::json& config, const std::string& where);
ArchSpec gemmaSpec(const nlohmann::json& config, const std::string& where);
ArchSpec gemma2Spec(const nlohmann::json& config, const std::string& where);
ArchSpec gemma3TextSpec(const nlohmann::json& config, const std::string& where);
ArchSpec gemma3Spec(const nlohmann::json& config, const std::string& where);
ArchSpec gemma4TextSpec(const nlohmann::json& config, const std::string& where);
ArchSpec gemma4Spec(const nlohmann::json& config, const std::string& where);
ArchSpec phiSpec(const nlohmann::json& config, const std::string& where);
ArchSpec phi3Spec(const nlohmann::json& config, const std::string& where);
ArchSpec stablelmSpec(const nlohmann::json& config, const std::string& where);
ArchSpec olmoSpec(const nlohmann::json& config, const std::string& where);
ArchSpec olmo2Spec(const nlohmann::json& config, const std::string& where);
ArchSpec mixtralSpec(const nlohmann::json& config, const std::string& where);
ArchSpec deepseekV2Spec(const nlohmann::json& config, const std::string& where);
ArchSpec deepseekV3Spec(const nlohmann::json& config, const std::string& where);
ArchSpec glm4MoeSpec(const nlohmann::json& config, const std::string& where);
ArchSpec smollm3Spec(const nlohmann::json& config, const std::string& where);
ArchSpec olmo3Spec(const nlohmann::json& config, const std::string& where);
ArchSpec exaone4Spec(const nlohmann::json& config, const std::string& where);
ArchSpec seedOssSpec(const nlohmann::json& config, const std::string& where);
ArchSpec ernie45Spec(const nlohmann::json& config, const std::string& where);
ArchSpec hunyuanV1DenseSpec(const nlohmann::json& config, const std::string& where);
ArchSpec qwen2MoeSpec(const nlohmann::json& config, const std::string& where);
ArchSpec qwen3MoeSpec(const nlohmann::json& config, const std::string& where);
ArchSpec qwen3NextSpec(const nlohmann::json& config, const std::string& where);
ArchSpec qwen3_5TextSpec(const nlohmann::json& config, const std::string& where);
ArchSpec qwen3_5MoeTextSpec(const nlohmann::json& config, const std::string& where);
ArchSpec olmoeSpec(const nlohmann::json& config, const std::string& where);
// Multimodal wrappers scored on their language model (multimodal.cpp): text_config read as its
// own family (`defaultTextType` where it names none), reported as `wrapperType`. The head is tied
// as the wrapper's tie_word_embeddings says (absent: `tiedByDefault`, its config class's default;
// with `textTieCounts`, text_config's true also ties, as LLaVA's config decides).
ArchSpec wrappedTextSpec(const nlohmann::json& config, const std::string& where,
                         const std::string& wrapperType, const std::string& defaultTextType,
                         bool tiedByDefault, bool textTieCounts = false);
ArchSpec mistral3Spec(const nlohmann::json& config, const std::string& where);
ArchSpec qwen3_5Spec(const nlohmann::json& config, const std::string& where);
ArchSpec qwen3_5MoeSpec(const nlohmann::json& config, const std::string& where);
ArchSpec llavaSpec(const nlohmann::json& config, const std::string& where);
ArchSpec llavaNextSpec(const nlohmann::json& config, const std::string& where);
ArchSpec internvlSpec(const nlohmann::json& config, const std::string& where);
ArchSpec smolvlmSpec(const nlohmann::json& config, const std::string& where);
ArchSpec idefics3Spec(const nlohmann::json& config, const std::string& where);
ArchSpec graniteSpec(const nlohmann::json& config, const std::string& where);
ArchSpec granitemoeSpec(const nlohmann::json& config, const std::string& where);
ArchSpec granitemoehybridSpec(const nlohmann::json& config, const std::string& where);
ArchSpec falconH1Spec(const nlohmann::json& config, const std::string& where);
ArchSpec cohereSpec(const nlohmann::json& config, const std::string& where);
ArchSpec cohere2Spec(const nlohmann::json& config, const std::string& where);
ArchSpec glm4Spec(const nlohmann::json& config, const std::string& where);
ArchSpec apertusSpec(const nlohmann::json& config, const std::string& where);
ArchSpec gptOssSpec(const nlohmann::json& config, const std::string& where);
ArchSpec lfm2Spec(const nlohmann::json& config, const std::string& where);
ArchSpec lfm2MoeSpec(const nlohmann::json& config, const std::string& where);
ArchSpec llama4TextSpec(const nlohmann::json& config, const std::string& where);
ArchSpec llama4Spec(const nlohmann::json& config, const std::string& where);
ArchSpec ministral3Spec(const nlohmann::json& config, const std::string& where);
ArchSpec ernie45MoeSpec(const nlohmann::json& config, const std::string& where);

}  // namespace llmap

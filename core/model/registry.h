#pragma once
// Maps config.json's model_type / architectures to the function that describes the model.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/arch_spec.h"

namespace llmap {

// Every model_type LLMap can run, sorted.
std::vector<std::string> supportedModelTypes();

// The registered model_type for this config: its "model_type" when registered, else the first of
// its "architectures" that is. InputError listing the supported ones otherwise.
std::string resolveModelType(const nlohmann::json& config, const std::string& where);

// Whether the registered model_type is a multimodal wrapper whose text_config holds the language
// model (gemma3, mistral3, llava, ...).
bool wrapsLanguageModel(const std::string& modelType);

// The ArchSpec for the config (validated sizes). InputError for unknown types or absurd values.
ArchSpec archSpecFromConfig(const nlohmann::json& config, const std::string& where);

}  // namespace llmap

#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace llmap {

// SmolLM3's and Llama 4's NoPE layers: true where a layer has no rotary. no_rope_layers holds 1
// for a layer that rotates; absent (or, where `emptyIsAbsent`, empty), every
// no_rope_layer_interval-th layer (default 4) has none.
std::vector<bool> readNoRopeLayers(const nlohmann::json& config, int64_t layers,
                                   const std::string& where, bool emptyIsAbsent);

}  // namespace llmap

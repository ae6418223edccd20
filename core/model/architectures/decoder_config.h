#pragma once
// Reading the config.json fields shared by the decoder families into an ArchSpec, with checks that
// turn absurd values into InputErrors instead of crashes later.
#include <nlohmann/json.hpp>
#include <string>

#include "model/arch_spec.h"

namespace llmap {

// Sizes, context, vocabulary and tied embeddings (Llama-style key names with the GPT-2 and NeoX
// spellings as fall-backs). `defaultTied` is the family's default for tie_word_embeddings.
ArchSpec readDecoderSizes(const nlohmann::json& config, const std::string& where, bool defaultTied);

// Rotary settings from "rope_parameters" (transformers 5) or "rope_theta"/"rope_scaling"
// (transformers 4), including partial rotary and linear/llama3 scaling.
RopeSpec readRope(const nlohmann::json& config, int64_t headDim, const std::string& where);

// Per-layer sliding windows from "layer_types", or `allLayers` applied to every layer when the
// config has none (0 = no window).
std::vector<int64_t> readSlidingWindows(const nlohmann::json& config, int64_t layers,
                                        int64_t allLayers, const std::string& where);

Activation readActivation(const std::string& name, const std::string& where);

// Llama-style weight names ("model.layers.N.self_attn.q_proj", ...).
WeightNames llamaStyleNames();

}  // namespace llmap

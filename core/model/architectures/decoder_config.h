#pragma once
// Reading the config.json fields shared by the decoder families into an ArchSpec, with checks that
// turn absurd values into InputErrors instead of crashes later.
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "model/arch_spec.h"
#include "model/architectures/rope_config.h"

namespace llmap {

// Sizes, context, vocabulary and tied embeddings (Llama-style key names with the GPT-2 and NeoX
// spellings as fall-backs). `defaultTied` is the family's default for tie_word_embeddings.
ArchSpec readDecoderSizes(const nlohmann::json& config, const std::string& where, bool defaultTied);

// Per-layer sliding windows from "layer_types": "sliding_window" on the "sliding_attention"
// layers, 0 (no window) elsewhere and everywhere when the config has no layer_types.
std::vector<int64_t> readSlidingWindows(const nlohmann::json& config, int64_t layers,
                                        const std::string& where);

// The layers "layer_types" marks "sliding_attention" (true) or "full_attention" (false); empty
// when the config has none. InputError for a list of another length or another attention kind.
std::vector<bool> readLayerTypes(const nlohmann::json& config, int64_t layers,
                                 const std::string& where);

// "sliding_window" on the layers marked true, 0 on the others; InputError unless it is a positive
// number of tokens where some layer slides.
std::vector<int64_t> windowsOnSlidingLayers(const nlohmann::json& config,
                                            const std::vector<bool>& sliding,
                                            const std::string& where);

Activation readActivation(const std::string& name, const std::string& where);

// The Llama layout shared by llama, mistral, qwen2 and qwen3: sizes, RMSNorm eps, rotary, the MLP's
// activation, Llama weight names and no sliding window; each family adjusts what differs.
ArchSpec readLlamaStyle(const nlohmann::json& config, const std::string& where,
                        const std::string& family);

// For the families whose rotary spans the whole head whatever partial_rotary_factor says: with
// plain rotary transformers ignores the factor (so does this), with scaled rotary it fails (this
// refuses the config).
void wholeHeadRotary(ArchSpec& s, const std::string& where);

// "sliding_window" (0 when absent) on every layer, as Mistral applies it.
std::vector<int64_t> windowOnEveryLayer(const nlohmann::json& config, int64_t layers,
                                        const std::string& where);

// The config with rope_theta set to the family's default where neither it nor rope_parameters
// gives one (transformers' default_theta).
nlohmann::json withDefaultTheta(const nlohmann::json& config, double theta);

// The config with head_dim set to `headDim` where it is absent (a null head_dim still means
// hidden_size / num_attention_heads).
nlohmann::json withDefaultHeadDim(const nlohmann::json& config, int64_t headDim);

// Llama-style weight names ("model.layers.N.self_attn.q_proj", ...).
WeightNames llamaStyleNames();

// GPT-2-style weight names ("transformer.h.N.attn.c_attn", learned positions "wpe").
WeightNames gpt2StyleNames();

}  // namespace llmap

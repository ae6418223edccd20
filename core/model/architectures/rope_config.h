#pragma once
// The rotary settings of config.json in one place: the plain rotary with linear and llama3
// scaling, YaRN, LongRoPE and NTK-alpha, partial rotary, and the parameters per layer type.
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "model/arch_spec.h"

namespace llmap {

// Rotary settings from "rope_parameters" (transformers 5) or "rope_theta"/"rope_scaling"
// (transformers 4), including partial rotary and linear/llama3 scaling (YaRN: readLlamaStyle).
RopeSpec readRope(const nlohmann::json& config, int64_t headDim, const std::string& where);

// YaRN (rope type "yarn" in `params`, the config's rope_parameters or rope_scaling) on top of the
// plain rotary already in `s.rope`: per-frequency divisors of the inverse frequencies
// (s.ropeShortFactor = s.ropeLongFactor, for every length) and the cos/sin factor
// (s.ropeAttentionFactor). Returns DeepSeek's softmax-scale multiplier, mscale_all_dim's square
// (1 without it). InputError without a positive factor and original_max_position_embeddings.
double readYarn(const nlohmann::json& config, const nlohmann::json& params, ArchSpec& s,
                const std::string& where);

// s.rope (and, for rope type "yarn", the YaRN fields: readYarn) from one rope_parameters object.
// Returns readYarn's softmax-scale multiplier (1 without YaRN).
double readRopeParameters(const nlohmann::json& config, const nlohmann::json& params, ArchSpec& s,
                          const std::string& where);

// The rotary parameters of the "full_attention" and "sliding_attention" layers: transformers 5
// nests them in rope_parameters by layer type; a flat rope_parameters or rope_scaling applies to
// the full-attention layers. A missing rope_theta becomes `fullTheta` or `slidingTheta`.
std::pair<nlohmann::json, nlohmann::json> ropeParametersByLayerType(const nlohmann::json& config,
                                                                    double fullTheta,
                                                                    double slidingTheta);

// LongRoPE (rope type "longrope", formerly "su", in `params`) on top of the plain rotary in
// `s.rope`: the short and long divisors of the inverse frequencies, the context past which the
// long ones apply, and the cos/sin factor sqrt(1 + ln(f) / ln(original)).
void readLongRope(const nlohmann::json& config, const nlohmann::json& params, ArchSpec& s,
                  const std::string& where);

// The config with NTK-alpha scaling (rope type "dynamic" with an alpha, HunYuan) turned into the
// plain rotary it amounts to: the base times alpha^(d / (d - 2)). InputError for "dynamic" without
// an alpha (length-dependent NTK scaling).
nlohmann::json withNtkAlpha(const nlohmann::json& config, int64_t headDim,
                            const std::string& where);

}  // namespace llmap

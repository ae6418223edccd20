#pragma once
// The routed experts of the Qwen-MoE and OLMoE families, read from config.json.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/arch_spec.h"

namespace llmap {

// num_experts (num_local_experts, as transformers 5 saves it), num_experts_per_tok and
// norm_topk_prob, with the family's defaults; `expertIntermediate` channels per expert, the router
// "mlp.gate" over "mlp.experts.<e>.gate_proj|up_proj|down_proj", the routed weights rounded to the
// model's dtype. With `allowNone`, 0 experts leaves every layer's dense MLP in place.
void readRoutedExperts(const nlohmann::json& config, const std::string& where,
                       int64_t expertIntermediate, int64_t defaultExperts, int64_t defaultPerToken,
                       bool allowNone, ArchSpec& s);

// Qwen-MoE's layers that keep a dense MLP: those listed in mlp_only_layers and, with
// decoder_sparse_step n, all but every n-th.
std::vector<bool> readQwenDenseLayers(const nlohmann::json& config, int64_t layers,
                                      const std::string& where);

}  // namespace llmap

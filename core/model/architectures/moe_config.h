#pragma once
// The routed experts of the Qwen-MoE, OLMoE, DeepSeek-V3 and GLM-4-MoE families, read from
// config.json.
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

// The config classes' defaults of the fields readSigmoidRouter reads.
struct SigmoidRouterDefaults {
    int64_t experts, perToken, groups, topkGroups, denseLayers, moeIntermediate, shared;
    double scale;
};

// DeepSeek-V3's router, which GLM-4-MoE shares: n_routed_experts experts of
// moe_intermediate_size channels scored by a sigmoid; num_experts_per_tok chosen by score plus the
// per-expert "mlp.gate.e_score_correction_bias" among the topk_group of n_group groups ranked by
// their two best biased scores; weighted by the unbiased scores, renormalised with norm_topk_prob,
// times routed_scaling_factor; n_shared_experts always-on experts ("mlp.shared_experts"); the
// first first_k_dense_replace layers keep a dense MLP. The router runs in fp32.
void readSigmoidRouter(const nlohmann::json& config, const std::string& where,
                       const SigmoidRouterDefaults& defaults, ArchSpec& s);

}  // namespace llmap

#pragma once
// A mixture of experts beside the dense MLP (Gemma-4's enable_moe_block): both read the residual
// stream x, the MLP through its own pre-norm. The router RMS-normalises x without a weight,
// multiplies it by a learned [hidden] scale and 1/sqrt(hidden), softmaxes its logits in fp32 and
// keeps the k most probable experts, renormalised and multiplied by a learned per-expert scale.
// The experts (3-D "gate_up_proj" [experts, 2 I, hidden] and "down_proj" [experts, hidden, I])
// read preNorm(x). The layer's MLP output is then postMlpNorm(mlp) + postNorm(experts).
#include <ATen/ATen.h>

#include "model/arch_spec.h"
#include "model/blocks/per_layer_inputs.h"

namespace llmap::blocks {

// Weight names, relative to a layer's prefix.
inline constexpr const char* kBesideRouter = "router.proj.weight";
inline constexpr const char* kBesideRouterScale = "router.scale";
inline constexpr const char* kBesideExpertScale = "router.per_expert_scale";
inline constexpr const char* kBesideGateUp = "experts.gate_up_proj";
inline constexpr const char* kBesideDown = "experts.down_proj";
inline constexpr const char* kBesideMlpPostNorm = "post_feedforward_layernorm_1.weight";
inline constexpr const char* kBesidePreNorm = "pre_feedforward_layernorm_2.weight";
inline constexpr const char* kBesidePostNorm = "post_feedforward_layernorm_2.weight";

struct ExpertsBesideMlp {
    at::Tensor router, routerScale, expertScale, gateUp, down;
    at::Tensor mlpPostNorm, preNorm, postNorm;
};

// The combined output for the stream x [B, T, hidden] and the dense MLP's output `mlp`.
at::Tensor expertsBesideMlp(const ExpertsBesideMlp& w, const at::Tensor& x, const at::Tensor& mlp,
                            int64_t k, double eps, Activation activation, const WeightedNorm& norm);

}  // namespace llmap::blocks

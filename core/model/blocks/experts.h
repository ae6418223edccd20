#pragma once
// A layer's routed experts in place of its MLP: a router scores every expert per token (softmax,
// or a sigmoid with a correction bias and expert groups), keeps the k best (renormalised, scaled,
// or softmaxed after the top-k), and each expert, a gated MLP with optional biases, reads its
// tokens; shared experts (optionally gated by a sigmoid) read every token. The experts come from
// per-expert tensors, 3-D stacks (transformers 5, GraniteMoE, llama.cpp) or gpt-oss's interleaved
// gate/up; ArchSpec's moe* fields name them.
#include <ATen/ATen.h>
#include <vector>

#include "model/arch_spec.h"
#include "model/layer_weights.h"

namespace llmap::blocks {

struct ExpertWeights {
    at::Tensor routerW, routerB;  // the router and its bias (gpt-oss)
    at::Tensor routerBias;        // the correction bias added to the scores for the choice alone
    std::vector<at::Tensor> gateW, upW, downW;  // per expert
    std::vector<at::Tensor> gateB, upB, downB;  // empty: experts without biases
    at::Tensor sharedGateW, sharedUpW, sharedDownW, sharedScaleW;
    at::Tensor sharedGateB, sharedUpB, sharedDownB;

    bool defined() const { return routerW.defined(); }
};

// One layer's experts, by the names the spec gives.
ExpertWeights loadExperts(const LayerWeights& weights, const ArchSpec& spec);

// The experts' output for x [B, T, hidden], in x's dtype and shape. Tokens are grouped by expert,
// so that each expert runs once on all of its tokens.
at::Tensor experts(const ExpertWeights& weights, const ArchSpec& spec, const at::Tensor& x);

}  // namespace llmap::blocks

#pragma once
// A layer's dense MLP: gated (gate and up, merged into one product at load) or plain, with
// optional biases, the activation table of blocks::gatedActivation and blocks::activate, Apertus's
// xIELU with its learned parameters, Granite-style gate and down multipliers, and GPT-2's Conv1D
// weights.
#include <ATen/ATen.h>

#include "model/arch_spec.h"
#include "model/layer_weights.h"

namespace llmap::blocks {

struct MlpWeights {
    at::Tensor gateW, gateB, upW, upB, downW, downB;
    bool gateUpFused = false;  // upW holds [gate; up] (merged at load, or Phi-3's own)
    at::Tensor xieluAlphaP, xieluAlphaN, xieluBeta, xieluEps;  // Apertus's activation
};

// One layer's MLP of `intermediate` channels, by the names the spec gives.
MlpWeights loadMlp(const LayerWeights& weights, const ArchSpec& spec, int64_t intermediate);

// The MLP's output for x [B, T, hidden].
at::Tensor mlp(const MlpWeights& weights, const ArchSpec& spec, const at::Tensor& x);

}  // namespace llmap::blocks

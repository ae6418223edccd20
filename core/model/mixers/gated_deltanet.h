#pragma once
// The gated DeltaNet of Qwen3-Next and Qwen3.5 ("linear_attn"): a projection to q, k, v, the gate
// z and the per-head b and a; a causal depthwise convolution with SiLU over [q | k | v]; L2-normed
// q and k; the gated delta rule S_t = exp(g_t) S_{t-1} + beta_t k_t (v_t - exp(g_t) S_{t-1}^T
// k_t)^T with g = -exp(A_log) softplus(a + dt_bias) and beta = sigmoid(b), read out by q_t /
// sqrt(keyDim); an RMSNorm of each value head gated by SiLU(z); out_proj. The recurrence runs in
// fp32, chunked over 64 positions as transformers' torch_chunk_gated_delta_rule does.
#include <memory>

#include "model/sequence_mixer.h"

namespace llmap {

std::unique_ptr<SequenceMixer> loadGatedDeltaNet(const ArchSpec& spec, const LayerWeights& weights);

}  // namespace llmap

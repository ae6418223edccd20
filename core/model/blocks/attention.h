#pragma once
// A layer's attention: the q, k and v projections (separate, stacked at load, or fused per head or
// per group; Qwen3-Next's gated output), q/k norms before or after the rotary, rotary (plain or
// interleaved), sliding windows and chunks through the `allowed` mask, ALiBi, soft-capping, sinks,
// query temperature, keys and values shared with an earlier layer or kept in a decoding cache, and
// DeepSeek-V2's multi-head latent attention.
#include <ATen/ATen.h>

#include "model/arch_spec.h"
#include "model/blocks/packing.h"
#include "model/layer_cache.h"
#include "model/layer_weights.h"

namespace llmap::blocks {

struct AttentionWeights {
    // This layer's shape (Gemma-4's differ by layer): reads another layer's keys and values
    // (sharesKv), values from the key projection (valueFromKey), no rotary (noRope).
    int64_t headDim = 0, kvHeads = 0;
    bool sharesKv = false, valueFromKey = false, noRope = false;
    at::Tensor qkvW, qkvB, oW, oB, qNormW, kNormW, qNormB, kNormB;
    at::Tensor qW, qaW, qaB, qaNormW, qbW, kvaW, kvaB, kvaNormW, kvbW;  // latent attention
    at::Tensor sinks;                                                   // gpt-oss's attention sinks
};

// Fills `weights`, whose shape fields are set, from one layer's weights: no k and v where it reads
// another layer's, no v where values are keys.
void loadAttentionWeights(const LayerWeights& layer, const ArchSpec& spec,
                          AttentionWeights& weights);

// The attention output for x [B, T, hidden] (before the residual add). allowed: the attention
// mask; cos/sin: the rotary tables (undefined: no rotary); alibi: ALiBi's bias; cache: the layer's
// keys and values when decoding or shared; queryScale: per-position query temperature. With
// `packing`, x and the output are packed [1, N, hidden]; the projections run on the real tokens
// and everything between them on [B, T] as without.
at::Tensor attention(const AttentionWeights& weights, const ArchSpec& spec, const at::Tensor& x,
                     const at::Tensor& allowed, const at::Tensor& cos, const at::Tensor& sin,
                     const at::Tensor& alibi, LayerCache* cache, const at::Tensor& queryScale,
                     const Packing* packing = nullptr);

// RMS norm as the spec's family computes it (weight in the model's dtype or in fp32, plus one).
at::Tensor specRms(const ArchSpec& spec, const at::Tensor& x, const at::Tensor& w);

// x += addend in place (a residual stream and a block's output), then specRms(spec, x, w); in one
// pass on the CPU.
at::Tensor specAddRms(const ArchSpec& spec, at::Tensor& x, const at::Tensor& addend,
                      const at::Tensor& w);

// q or k [B, T, heads, headDim] normalised as spec.qkNormKind says.
at::Tensor qkNormed(const ArchSpec& spec, const at::Tensor& x, const at::Tensor& w,
                    const at::Tensor& b);

}  // namespace llmap::blocks

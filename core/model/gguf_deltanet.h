#pragma once
// Undoes what llama.cpp's Qwen3.5 converter did to the gated DeltaNet's tensors: where a key head
// has several value heads it reorders them from grouped by key head [k0: v0 v1, k1: v0 v1] to
// tiled [k0 v0, k1 v0, k0 v1, k1 v1] (for ggml's broadcast), in every tensor that runs over value
// heads. Both Qwen3.5's and Qwen3-Next's converters store A_log as -exp(A_log) and the
// convolution without its middle dimension.
#include <ATen/ATen.h>

#include "model/gguf_model.h"

namespace llmap {

// `t` (dequantised, torch order) as transformers stores it; `transform` is one of the DeltaNet*.
at::Tensor undoGgufDeltaNet(const at::Tensor& t, GgufTransform transform,
                            const GgufDeltaNetDims& dims);

// Qwen3-Next's in_proj_qkvz from llama.cpp's attn_qkv ([q; k; v] over all heads) and attn_gate
// (z): per key head [q | k | its value heads' v | their z].
at::Tensor joinGgufQkvz(const at::Tensor& qkv, const at::Tensor& z, const GgufDeltaNetDims& dims);

}  // namespace llmap

#pragma once
// Attention with sinks (gpt-oss): each head's learned logit joins every query's softmax as one
// more column, which is dropped after the softmax, so that a query may attend to "nothing".
#include <ATen/ATen.h>

namespace llmap::blocks {

// q [B, H, T, D] against k, v [B, Hkv, S, D] (grouped-query when Hkv < H); `allowed` [B or 1, 1,
// T, S] bool; `sinks` [H] in q's dtype. Computed in q's dtype as transformers' eager attention:
// scores times `scale`, the sink column appended, its row maximum subtracted, the softmax, the
// sink's column dropped. Returns [B, H, T, D].
at::Tensor attentionWithSinks(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                              const at::Tensor& allowed, double scale, const at::Tensor& sinks);

}  // namespace llmap::blocks

#pragma once
// Chunked local attention (Llama-4's chunked_attention layers): a query sees only the keys of its
// own chunk of `chunk` positions, on top of whatever else restricts it.
#include <ATen/ATen.h>

namespace llmap::blocks {

// `allowed` [B or 1, 1, T, K] for queries at positions firstQuery..firstQuery+T-1 and keys at
// 0..K-1, further restricted to keys with position / chunk == query position / chunk.
at::Tensor withinChunks(const at::Tensor& allowed, int64_t firstQuery, int64_t chunk);

}  // namespace llmap::blocks

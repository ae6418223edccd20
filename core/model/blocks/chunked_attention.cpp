#include "model/blocks/chunked_attention.h"

namespace llmap::blocks {

at::Tensor withinChunks(const at::Tensor& allowed, int64_t firstQuery, int64_t chunk) {
    const int64_t T = allowed.size(-2), K = allowed.size(-1);
    const auto opts = at::TensorOptions().dtype(at::kLong).device(allowed.device());
    const at::Tensor q = at::div(at::arange(firstQuery, firstQuery + T, opts), chunk, "floor");
    const at::Tensor k = at::div(at::arange(K, opts), chunk, "floor");
    return allowed.logical_and(q.unsqueeze(1) == k.unsqueeze(0));
}

}  // namespace llmap::blocks

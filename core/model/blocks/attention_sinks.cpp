#include "model/blocks/attention_sinks.h"

#include <ATen/record_function.h>

#include <cmath>

namespace llmap::blocks {

at::Tensor attentionWithSinks(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                              const at::Tensor& allowed, double scale, const at::Tensor& sinks) {
    RECORD_USER_SCOPE("llmap::attention");
    const int64_t B = q.size(0), H = q.size(1), T = q.size(2), groups = H / k.size(1);
    const at::Tensor keys = groups > 1 ? k.repeat_interleave(groups, 1) : k;
    const at::Tensor values = groups > 1 ? v.repeat_interleave(groups, 1) : v;
    at::Tensor scores = at::matmul(q, keys.transpose(-2, -1)) * scale;
    scores = scores.masked_fill(allowed.logical_not(), -INFINITY);  // no row is fully masked
    const at::Tensor sinkColumn =
        sinks.to(scores.scalar_type()).view({1, H, 1, 1}).expand({B, H, T, 1});
    at::Tensor combined = at::cat({scores, sinkColumn}, -1);
    combined = combined - std::get<0>(combined.max(-1, true));
    const at::Tensor probs = at::softmax(combined, -1).narrow(-1, 0, scores.size(-1));
    return at::matmul(probs.to(values.scalar_type()), values);
}

}  // namespace llmap::blocks

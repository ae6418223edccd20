#include "model/blocks/query_temperature.h"

namespace llmap::blocks {

at::Tensor queryTemperature(int64_t first, int64_t T, double beta, int64_t floor, int64_t offset,
                            at::Device device) {
    const at::Tensor positions =
        at::arange(first, first + T, at::TensorOptions().dtype(at::kLong).device(device))
            .to(at::kFloat);
    const at::Tensor scales = at::log1p(at::floor((positions + offset) / floor)) * beta + 1.0;
    return scales.view({1, 1, T, 1});
}

at::Tensor scaleQueries(const at::Tensor& q, const at::Tensor& scales, bool inFp32) {
    if (inFp32) return (q * scales).to(q.scalar_type());
    return q * scales.to(q.scalar_type());
}

}  // namespace llmap::blocks

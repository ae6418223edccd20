#include "model/blocks/expert_sum.h"

#include <ATen/Parallel.h>
#include <ATen/record_function.h>

#include <algorithm>
#include <type_traits>
#include <vector>

namespace llmap::blocks {

namespace {

// Tokens first..last: out[n] = round(sum over c of product(rows[where[n k + c]], weight)).
template <class T, class W>
void sumTokens(const T* rows, const int64_t* where, const W* weights, T* out, int64_t first,
               int64_t last, int64_t k, int64_t D) {
    constexpr bool roundProducts = std::is_same_v<T, W> && !std::is_same_v<T, float>;
    std::vector<float> acc(static_cast<size_t>(D));
    for (int64_t n = first; n < last; ++n) {
        std::fill(acc.begin(), acc.end(), 0.0f);
        for (int64_t c = 0; c < k; ++c) {
            const int64_t r = where[n * k + c];
            const T* row = rows + r * D;
            const float w = weights ? static_cast<float>(weights[r]) : 1.0f;
            for (int64_t d = 0; d < D; ++d) {
                float product = static_cast<float>(row[d]) * w;
                if constexpr (roundProducts) product = static_cast<float>(static_cast<T>(product));
                acc[static_cast<size_t>(d)] += product;
            }
        }
        T* o = out + n * D;
        for (int64_t d = 0; d < D; ++d) o[d] = static_cast<T>(acc[static_cast<size_t>(d)]);
    }
}

}  // namespace

at::Tensor weightedExpertSum(const at::Tensor& rows, const at::Tensor& order,
                             const at::Tensor& weights, int64_t k) {
    const at::ScalarType dtype = rows.scalar_type();
    const bool knownDtype = dtype == at::kFloat || dtype == at::kBFloat16 || dtype == at::kHalf;
    const bool knownWeights =
        !weights.defined() ||
        (weights.is_cpu() && weights.numel() == rows.size(0) &&
         (weights.scalar_type() == at::kFloat || weights.scalar_type() == dtype));
    if (!rows.is_cpu() || !knownDtype || rows.dim() != 2 || !rows.is_contiguous() || k < 1 ||
        rows.size(0) % k != 0 || !order.is_cpu() || order.scalar_type() != at::kLong ||
        order.numel() != rows.size(0) || !knownWeights) {
        return {};
    }
    RECORD_USER_SCOPE("llmap::expert_sum");
    const int64_t P = rows.size(0), D = rows.size(1), N = P / k;
    // where[pair] = the row that holds it.
    std::vector<int64_t> where(static_cast<size_t>(P));
    const at::Tensor orderC = order.contiguous();
    const int64_t* orderP = orderC.data_ptr<int64_t>();
    for (int64_t r = 0; r < P; ++r) where[static_cast<size_t>(orderP[r])] = r;
    const at::Tensor weightsC = weights.defined() ? weights.contiguous() : weights;
    at::Tensor out = at::empty({N, D}, rows.options());
    const int64_t grain = std::max<int64_t>(1, (int64_t(16) << 10) / std::max<int64_t>(1, k * D));
    const auto run = [&](auto zero) {
        using T = decltype(zero);
        const T* r = static_cast<const T*>(rows.data_ptr());
        T* o = static_cast<T*>(out.data_ptr());
        at::parallel_for(0, N, grain, [&](int64_t first, int64_t last) {
            if (!weightsC.defined()) {
                sumTokens<T, float>(r, where.data(), nullptr, o, first, last, k, D);
            } else if (weightsC.scalar_type() == at::kFloat) {
                sumTokens(r, where.data(), weightsC.data_ptr<float>(), o, first, last, k, D);
            } else {
                sumTokens(r, where.data(), static_cast<const T*>(weightsC.data_ptr()), o, first,
                          last, k, D);
            }
        });
    };
    if (dtype == at::kFloat) run(float{});
    if (dtype == at::kBFloat16) run(c10::BFloat16{});
    if (dtype == at::kHalf) run(c10::Half{});
    return out;
}

}  // namespace llmap::blocks

#pragma once
// The last step of routed experts on the CPU, in one pass: each token's k expert outputs, weighted
// by their routing weights, summed in fp32 and rounded to the model's dtype. libtorch's operators
// take five passes for it (the concatenation, a mixed-dtype product, a scatter back to token
// order, the sum and the cast).
#include <ATen/ATen.h>

namespace llmap::blocks {

// rows [P, D]: the outputs of the P = N * k (token, choice) pairs, contiguous, in the order of
// `order` [P] (long: row r belongs to pair order[r] = token * k + choice). weights [P] in row
// order: fp32 (each product rounded to fp32), the rows' dtype (each product rounded to it, as
// transformers does when the routing weights are cast to the model's dtype) or undefined (the
// experts scaled their inputs already). Returns [N, D] in the rows' dtype, or an undefined tensor
// where this does not apply (not on the CPU, another dtype or layout): the caller then runs
// libtorch's operators.
at::Tensor weightedExpertSum(const at::Tensor& rows, const at::Tensor& order,
                             const at::Tensor& weights, int64_t k);

}  // namespace llmap::blocks

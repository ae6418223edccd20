#pragma once
// RMSNorm without a weight: x / sqrt(mean(x^2) + eps) in fp32, cast back (Gemma-4's value norm and
// router norm).
#include <ATen/ATen.h>

namespace llmap::blocks {

at::Tensor unweightedRmsNorm(const at::Tensor& x, double eps);

}  // namespace llmap::blocks

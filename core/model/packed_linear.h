#pragma once
// Linear layers on the CPU with their weights packed once, at load, into oneDNN's blocked layout:
// libtorch's operators mkldnn::_reorder_linear_weight and mkldnn::_linear_pointwise, which
// PyTorch's own compiler uses for frozen CPU models. at::linear hands an fp32 product to MKL and
// a bf16 one to oneDNN, both repacking the weight on every call; packed once, the products of
// the models measured ran faster (docs/validation.md, "Scoring speed"). The products accumulate
// in fp32 either way, so scores stay within the engine's tolerance of transformers'.
#include <ATen/ATen.h>

namespace llmap::packed {

// Whether weights of `dtype` are packed on the CPU: the operators exist in this libtorch, a probe
// product agrees with at::linear, and LLMAP_CPU_GEMM is not "torch" (which keeps libtorch's
// default products, for comparisons). Decided once per dtype.
bool available(at::ScalarType dtype);

// weight [N, K], dense, as at::linear takes it -> an opaque oneDNN tensor of sizes [N, K], laid out
// for products of about `rows` rows at a time.
at::Tensor pack(const at::Tensor& weight, int64_t rows);

// x [..., K] times a packed weight, transposed, plus bias [N] when defined: [..., N] in x's dtype.
at::Tensor linear(const at::Tensor& x, const at::Tensor& packedWeight, const at::Tensor& bias);

}  // namespace llmap::packed

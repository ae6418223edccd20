#pragma once
// Linear layers on the CPU with their weights packed once, at load, into oneDNN's blocked layout:
// libtorch's operators mkldnn::_reorder_linear_weight and mkldnn::_linear_pointwise, which
// PyTorch's own compiler uses for frozen CPU models. at::linear hands an fp32 product to MKL and
// a bf16 one to oneDNN, both repacking the weight on every call; packed once, bf16 products and
// fp32 products on AMD's CPUs ran faster, fp32 products on Intel's slower than MKL's
// (docs/validation.md, "Scoring speed"). The products accumulate in fp32 either way, so scores
// stay within the engine's tolerance of transformers'.
#include <ATen/ATen.h>

namespace llmap::packed {

// Whether weights of `dtype` can be packed on the CPU: the operators exist in this libtorch and a
// probe product agrees with at::linear. Decided once per dtype.
bool available(at::ScalarType dtype);

// Whether the engine packs weights of `dtype` on this CPU: where available, bf16 always; fp32
// unless libtorch's own fp32 product is MKL's on an Intel CPU, which ran 1.03-1.08x the packed
// products there (docs/validation.md). LLMAP_CPU_GEMM=torch or =packed decides instead.
bool preferred(at::ScalarType dtype);

// weight [N, K], dense, as at::linear takes it -> an opaque oneDNN tensor of sizes [N, K], laid out
// for products of about `rows` rows at a time.
at::Tensor pack(const at::Tensor& weight, int64_t rows);

// x [..., K] times a packed weight, transposed, plus bias [N] when defined: [..., N] in x's dtype.
at::Tensor linear(const at::Tensor& x, const at::Tensor& packedWeight, const at::Tensor& bias);

}  // namespace llmap::packed

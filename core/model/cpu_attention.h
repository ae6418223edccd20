#pragma once
// Causal attention in fp32 on the CPU, for the texts of a scoring run: every query sees its own
// and every earlier key, nothing else (no window, mask, bias or cache). libtorch's flash attention
// cuts the queries of a short text into blocks of 32 or 64 rows and hands each block's products to
// a general matrix product, whose cost per call and small tiles leave it at about a quarter of the
// CPU's fp32 rate on texts of a few hundred tokens. Here each block's scores and values are
// products of register tiles written for the shapes of attention (a head of 16 to 256 channels),
// with the softmax kept online over blocks of keys; keys are transposed once per head. bf16 runs
// through it too, widened to fp32, on a CPU without AMX: libtorch's bf16 attention there took 27-29 %
// of a bf16 scoring run on an AMD EPYC, as its products run on AVX-512's bf16 dot products.
#include <ATen/ATen.h>

namespace llmap::kernels {

// softmax(q kᵀ · scale, causal) v. q [B, H, T, D], k and v [B, Hkv, T, D] (H a multiple of Hkv:
// grouped queries share their group's keys), each with any strides but contiguous in D; fp32 (or
// bf16 on a CPU without AMX, the result rounded to bf16) on the CPU, D a multiple of 16 up to 256. Returns [B, H, T, D] (a view of a contiguous
// [B, T, H, D], as libtorch's attention returns it), or an undefined tensor where it does not
// apply.
at::Tensor causalAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                           double scale);

}  // namespace llmap::kernels

#pragma once
// Fused CPU kernels for the steps of a forward pass that libtorch runs as several passes over
// memory: RMSNorm (five operators in Hugging Face's formulation), the rotary embedding (six), the
// gated SiLU of the MLP (three) and the log-softmax of the output layer at the scored token
// (five).
// Each rounds as the unfused operators do in float32, bfloat16 and float16, so scores stay those
// of transformers; each returns an undefined tensor where it does not apply (not on the CPU, a
// dtype or layout it does not know), and the caller then runs libtorch's operators.
#include <ATen/ATen.h>

namespace llmap::kernels {

// How RMSNorm applies its weight (ArchSpec::RmsStyle): cast to the input's dtype, then times the
// weight (Llama); times (1 + weight) in fp32 (Gemma); times the weight in fp32 (OLMo-2).
enum class RmsWeight { AfterCast, PlusOneInFp32, InFp32 };

// x̂ = x / sqrt(mean(x²) + eps) over the last dimension, in fp32; then the weight [D] as `how`
// says. x: any shape [..., D], contiguous in D.
at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps, RmsWeight how);

// x * cos + rotate_half(x) * sin on the first cos.size(-1) channels of each head, the rest passed
// through: x [B, H, T, D] with any strides, cos and sin [T, R] or [B, 1, T, R] contiguous in x's
// dtype. Returns a contiguous [B, H, T, D].
at::Tensor rotaryHalf(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin);

// SiLU(gate) * up from one projection that holds [gate | up] in its last dimension ([..., 2I],
// contiguous), rounded as act(gate) * up is in the input's dtype. Returns [..., I].
at::Tensor siluGate(const at::Tensor& gateUp);

// log softmax(logits)[target] of each row, in fp32, in one pass over the logits: logits [N, V]
// contiguous (fp32, or bf16 and fp16 read as fp32, as transformers' `.float()` does), targets
// [N] long in [0, V). Returns [N] fp32.
at::Tensor targetLogSoftmax(const at::Tensor& logits, const at::Tensor& targets);

}  // namespace llmap::kernels

#pragma once
// The shared building blocks of the decoder families, as plain functions over tensors.
#include <ATen/ATen.h>

#include "model/arch_spec.h"

namespace llmap::blocks {

// y = x W^T + b, or x W + b for weights kept in GPT-2's Conv1D layout; W may be packed
// (packed::pack, whatever its layout was).
at::Tensor linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                  bool conv1d);

// RMSNorm computed in fp32 and cast back before the weight (as Hugging Face does).
at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps);
// The same without a weight (Llama-4's q/k norm): x̂ in fp32, cast back.
at::Tensor rmsNormNoWeight(const at::Tensor& x, double eps);
at::Tensor norm(NormKind kind, const at::Tensor& x, const at::Tensor& weight,
                const at::Tensor& bias, double eps);

at::Tensor activate(Activation a, const at::Tensor& x);
// a(gate) * up, or a(gate) where up is undefined, from one fused CPU kernel; undefined where
// there is none for this activation, device, dtype or layout.
at::Tensor fusedActivation(Activation a, const at::Tensor& gate, const at::Tensor& up);

// xIELU (Apertus) with its learned parameters: alpha_p and alpha_n as stored (softplus applied
// here), beta and eps; x^2 softplus(alpha_p) + beta x for x > 0, else
// (expm1(min(x, eps)) - x) (beta + softplus(alpha_n)) + beta x.
at::Tensor xielu(const at::Tensor& x, const at::Tensor& alphaP, const at::Tensor& alphaN,
                 const at::Tensor& beta, const at::Tensor& eps);

// Inverse frequencies of the rotary embedding, with linear or llama3 scaling (fp32).
at::Tensor rotaryInverseFrequencies(const RopeSpec& rope);

// cos and sin tables [T, rotaryDim] for positions 0..T-1, in `dtype`.
std::pair<at::Tensor, at::Tensor> rotaryTables(const at::Tensor& inverseFrequencies, int64_t T,
                                               at::ScalarType dtype);

// Rotates the first cos.size(-1) channels of x [B, H, T, D]; the rest passes unchanged.
at::Tensor applyRotary(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin);

// Where each query may look: causal, inside the window (0 = none), at real (not padding) keys.
// [B, 1, T, T] bool. A padded query row keeps its own diagonal so that no row is empty.
at::Tensor attentionAllowed(const at::Tensor& keyMask, int64_t window);

// Where queries at positions past..past+T-1 may look among keys 0..past+T-1 (incremental
// decoding, no padding): causal and inside the window (0 = none). [1, 1, T, past + T] bool.
at::Tensor decodeAllowed(int64_t past, int64_t T, int64_t window, at::Device device);

// Whether attention() and attentionWithBias() (without a bias) accept no mask for plain causal
// attention (libtorch >= 2.5).
bool causalWithoutMask();

// Scaled dot-product attention of q [B, H, T, D] against k, v [B, Hkv, T, D] (grouped-query when
// Hkv < H), softmax in fp32; `allowed` undefined: causal (see causalWithoutMask). Returns
// [B, H, T, D].
at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                     const at::Tensor& allowed);

// Gemma, Phi, OLMo and mixture-of-experts variants

// RMSNorm in fp32 with the weight applied before casting back: x̂ * (1 + w) (Gemma) or x̂ * w
// (OLMo-2), both in fp32.
at::Tensor rmsNormWeightInFp32(const at::Tensor& x, const at::Tensor& weight, double eps,
                               bool plusOne);

// cos and sin tables as rotaryTables, multiplied by `scale` in fp32 before the cast (LongRoPE).
std::pair<at::Tensor, at::Tensor> scaledRotaryTables(const at::Tensor& inverseFrequencies,
                                                     int64_t T, at::ScalarType dtype, double scale);

// Eager attention as `attention`, with scores scaled by `scale` and, when softcap > 0, capped to
// softcap * tanh(scores / softcap) before the mask (Gemma-2).
at::Tensor attentionSoftcapped(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                               const at::Tensor& allowed, double scale, double softcap);

// Rotary on interleaved pairs (x[2i], x[2i+1]) of all of x's channels, as complex multiplication
// by cos + i sin of frequency i (DeepSeek-V2); cos and sin as rotaryTables makes them.
at::Tensor applyInterleavedRotary(const at::Tensor& x, const at::Tensor& cos,
                                  const at::Tensor& sin);

}  // namespace llmap::blocks

namespace llmap::blocks {

// Rotary on interleaved pairs (0,1), (2,3), ... of the first cos.size(-1) channels (GPT-J), with
// the tables of rotaryTables.
at::Tensor applyRotaryInterleaved(const at::Tensor& x, const at::Tensor& cos,
                                  const at::Tensor& sin);

// ALiBi bias [1, heads, 1, T] in fp32 for keys 0..T-1, rounded as the family's reference does
// in `dtype`; Falcon's comes multiplied by `scale` (it biases the scores before scaling).
at::Tensor alibiBias(AlibiStyle style, int64_t heads, int64_t T, at::ScalarType dtype, double scale,
                     at::Device device);

// attention() with an explicit softmax scale and an optional additive fp32 bias broadcastable to
// [B, H, T, T] (ALiBi).
at::Tensor attentionWithBias(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                             const at::Tensor& allowed, double scale, const at::Tensor& bias);

}  // namespace llmap::blocks

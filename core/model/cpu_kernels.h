#pragma once
// Fused CPU kernels for the steps of a forward pass that libtorch runs as several passes over
// memory: RMSNorm (five operators in Hugging Face's formulation), the rotary embedding (six), the
// MLP's activation and gate (SiLU, and GELU with tanh: up to seven) and the log-softmax of the
// output layer at the scored token (five), one slice of the vocabulary at a time.
// Each rounds as the unfused operators do in float32, bfloat16 and float16, so scores stay those
// of transformers; each returns an undefined tensor where it does not apply (not on the CPU, a
// dtype or layout it does not know), and the caller then runs libtorch's operators.
#include <ATen/ATen.h>

#include <vector>

namespace llmap::kernels {

// How RMSNorm applies its weight (ArchSpec::RmsStyle): cast to the input's dtype, then times the
// weight (Llama); times (1 + weight) in fp32 (Gemma); times the weight in fp32 (OLMo-2).
enum class RmsWeight { AfterCast, PlusOneInFp32, InFp32 };

// x̂ = x / sqrt(mean(x²) + eps) over the last dimension, in fp32; then the weight [D] as `how`
// says. x: any shape [..., D], contiguous in D.
at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps, RmsWeight how);

// x += addend in place, rounded to x's dtype as x.add_(addend) rounds it, then rmsNorm(x, ...), in
// one pass over the rows: a residual stream's addition and the norm after it. x contiguous, addend
// of its shape and dtype, contiguous. Where this does not apply it returns an undefined tensor
// and leaves x as it was.
at::Tensor addRmsNorm(const at::Tensor& x, const at::Tensor& addend, const at::Tensor& weight,
                      double eps, RmsWeight how);

// x * cos + rotate_half(x) * sin on the first cos.size(-1) channels of each head, the rest passed
// through: x [B, H, T, D] with any strides, cos and sin [T, R] or [B, 1, T, R] contiguous in x's
// dtype. Returns a contiguous [B, H, T, D].
at::Tensor rotaryHalf(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin);

// The activations with a kernel: SiLU, and GELU with tanh (GPT-2's gelu_new, Gemma's
// gelu_pytorch_tanh).
enum class Act { SiLU, GeluTanh };

// act(x) computed in fp32 and rounded once to x's dtype, as libtorch's silu and gelu do. x: any
// shape whose rows (the last dimension) are contiguous and evenly spaced, as a chunk of a
// projection's output is. Returns a new contiguous tensor.
at::Tensor activation(const at::Tensor& x, Act act);

// act(gate) * up, rounded as act(gate) * up is in the dtype (LlamaMLP, Gemma's GeGLU): gate and up
// of one shape, laid out as activation() takes them, e.g. the halves of one [..., 2I] projection.
// Returns a contiguous [..., I].
at::Tensor gatedActivation(const at::Tensor& gate, const at::Tensor& up, Act act);

// log softmax(logits)[target] of each row, in fp32, over a vocabulary whose logits come one slice
// at a time (the output layer's product run on one slice of its rows at a time, so that each
// product is large and its logits small enough for the cache), each read once: per row, a running
// maximum, a running sum of e^(z - maximum) in double, rescaled when the maximum grows, and the
// target's logit once its slice comes. Logits fp32, or bf16 and fp16 read as fp32, as
// transformers' `.float()` does.
class SlicedTargetLogSoftmax {
public:
    explicit SlicedTargetLogSoftmax(const at::Tensor& targets);  // [N] ids in [0, V)
    // Whether logits of this dtype are taken (fp32, bf16, fp16).
    static bool takes(at::ScalarType dtype);
    // logits [N, W] contiguous, of the vocabulary ids first .. first + W - 1.
    void add(const at::Tensor& logits, int64_t first);
    // [N] fp32, once every slice was added.
    at::Tensor result() const;

private:
    at::Tensor targets_;
    std::vector<float> max_, target_;
    std::vector<double> sum_;
};

}  // namespace llmap::kernels

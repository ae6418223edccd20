#include "model/blocks.h"

#include <ATen/record_function.h>
#include <torch/version.h>

#include <cmath>
#include <optional>

#include "model/cpu_attention.h"
#include "model/cpu_kernels.h"
#include "model/packed_linear.h"

// The RECORD_USER_SCOPE names let a profiler put the time of a norm, a rotary embedding or an
// attention under one name (tests/bench/profile_forward.cpp); unprofiled, each is one flag test.

namespace llmap::blocks {

at::Tensor linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                  bool conv1d) {
    // Packed at load (GPT-2's Conv1D weights transposed first).
    if (weight.is_mkldnn()) return packed::linear(x, weight, bias);
    if (conv1d) {
        if (!bias.defined()) return at::matmul(x, weight);
        // The bias added by the product itself, as at::linear does: no pass of its own.
        std::vector<int64_t> sizes = x.sizes().vec();
        sizes.back() = weight.size(1);
        return at::addmm(bias, x.reshape({-1, x.size(-1)}), weight).view(sizes);
    }
    return at::linear(x, weight, bias.defined() ? c10::optional<at::Tensor>(bias) : c10::nullopt);
}

at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps) {
    at::Tensor fused = kernels::rmsNorm(x, weight, eps, kernels::RmsWeight::AfterCast);
    if (fused.defined()) return fused;
    RECORD_USER_SCOPE("llmap::norm");
    const at::Tensor xf = x.to(at::kFloat);
    const at::Tensor variance = xf.pow(2).mean(-1, true);
    return weight * (xf * at::rsqrt(variance + eps)).to(x.scalar_type());
}

at::Tensor rmsNormNoWeight(const at::Tensor& x, double eps) {
    const at::Tensor xf = x.to(at::kFloat);
    return (xf * at::rsqrt(xf.pow(2).mean(-1, true) + eps)).to(x.scalar_type());
}

at::Tensor norm(NormKind kind, const at::Tensor& x, const at::Tensor& weight,
                const at::Tensor& bias, double eps) {
    if (kind == NormKind::RMS) return rmsNorm(x, weight, eps);
    return at::layer_norm(x, {x.size(-1)}, weight, bias, eps);
}

at::Tensor fusedActivation(Activation a, const at::Tensor& gate, const at::Tensor& up) {
    if (a != Activation::SiLU && a != Activation::GeluTanh) return {};
    const kernels::Act act = a == Activation::SiLU ? kernels::Act::SiLU : kernels::Act::GeluTanh;
    return up.defined() ? kernels::gatedActivation(gate, up, act) : kernels::activation(gate, act);
}

at::Tensor activate(Activation a, const at::Tensor& x) {
    const at::Tensor fused = fusedActivation(a, x, at::Tensor());
    if (fused.defined()) return fused;
    switch (a) {
        case Activation::SiLU:
            return at::silu(x);
        case Activation::Gelu:
            return at::gelu(x);
        case Activation::GeluTanh:
            return at::gelu(x, "tanh");
        case Activation::ReLU:
            return at::relu(x);
        case Activation::XIELU:
        case Activation::ClampedSwiGLU:
            break;
    }
    TORCH_CHECK(a != Activation::XIELU, "xIELU needs its parameters: use blocks::xielu");
    TORCH_CHECK(a != Activation::ClampedSwiGLU,
                "the clamped SwiGLU needs the up projection: use blocks::gatedActivation");
    return x;
}

at::Tensor xielu(const at::Tensor& x, const at::Tensor& alphaP, const at::Tensor& alphaN,
                 const at::Tensor& beta, const at::Tensor& eps) {
    // As transformers' XIELUActivation, every step in x's dtype.
    const at::Tensor p = at::softplus(alphaP.to(x.scalar_type()));
    const at::Tensor b = beta.to(x.scalar_type());
    const at::Tensor n = b + at::softplus(alphaN.to(x.scalar_type()));
    const at::Tensor bx = b * x;
    return at::where(x > 0, p * x * x + bx,
                     (at::expm1(at::minimum(x, eps.to(x.scalar_type()))) - x) * n + bx);
}

at::Tensor rotaryInverseFrequencies(const RopeSpec& rope) {
    const auto f32 = at::TensorOptions().dtype(at::kFloat);
    const at::Tensor exponents =
        at::arange(0, rope.dim, 2, at::TensorOptions().dtype(at::kLong)).to(at::kFloat) /
        static_cast<double>(rope.dim);
    at::Tensor inv = 1.0 / at::pow(at::scalar_tensor(rope.theta, f32), exponents);
    if (rope.scaling == RopeScaling::Linear) {
        inv = inv / rope.factor;
    } else if (rope.scaling == RopeScaling::Llama3) {
        const double context = static_cast<double>(rope.originalContext);
        const double lowWavelen = context / rope.lowFreqFactor;
        const double highWavelen = context / rope.highFreqFactor;
        const at::Tensor wavelen = 2 * M_PI / inv;
        at::Tensor scaled = at::where(wavelen > lowWavelen, inv / rope.factor, inv);
        const at::Tensor smooth =
            (context / wavelen - rope.lowFreqFactor) / (rope.highFreqFactor - rope.lowFreqFactor);
        const at::Tensor smoothed = (1 - smooth) * scaled / rope.factor + smooth * scaled;
        const at::Tensor medium = (wavelen >= highWavelen).logical_and(wavelen <= lowWavelen);
        inv = at::where(medium, smoothed, scaled);
    }
    if (rope.unrotatedPairs > 0)
        inv.narrow(0, inv.size(0) - rope.unrotatedPairs, rope.unrotatedPairs).zero_();
    return inv;
}

std::pair<at::Tensor, at::Tensor> rotaryTables(const at::Tensor& inverseFrequencies, int64_t T,
                                               at::ScalarType dtype) {
    const at::Tensor positions =
        at::arange(T, inverseFrequencies.options().dtype(at::kLong)).to(at::kFloat);
    const at::Tensor freqs = at::outer(positions, inverseFrequencies);
    const at::Tensor emb = at::cat({freqs, freqs}, -1);
    return {emb.cos().to(dtype), emb.sin().to(dtype)};
}

namespace {
at::Tensor rotateHalf(const at::Tensor& x) {
    const int64_t half = x.size(-1) / 2;
    return at::cat({-x.narrow(-1, half, x.size(-1) - half), x.narrow(-1, 0, half)}, -1);
}
}  // namespace

at::Tensor applyRotary(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
    at::Tensor fused = kernels::rotaryHalf(x, cos, sin);
    if (fused.defined()) return fused;
    RECORD_USER_SCOPE("llmap::rotary");
    const int64_t rot = cos.size(-1);
    if (rot == x.size(-1)) return x * cos + rotateHalf(x) * sin;
    const at::Tensor xr = x.narrow(-1, 0, rot);
    const at::Tensor pass = x.narrow(-1, rot, x.size(-1) - rot);
    return at::cat({xr * cos + rotateHalf(xr) * sin, pass}, -1);
}

at::Tensor attentionAllowed(const at::Tensor& keyMask, int64_t window) {
    RECORD_USER_SCOPE("llmap::attention");
    const int64_t T = keyMask.size(1);
    const auto opts = keyMask.options().dtype(at::kLong);
    const at::Tensor q = at::arange(T, opts).unsqueeze(1);
    const at::Tensor k = at::arange(T, opts).unsqueeze(0);
    at::Tensor allowed = k <= q;
    if (window > 0) allowed = allowed.logical_and(k > q - window);
    const at::Tensor keys = keyMask.to(at::kBool).unsqueeze(1).unsqueeze(1);  // [B,1,1,T]
    return allowed.unsqueeze(0).unsqueeze(0).logical_and(keys).logical_or(k == q);
}

at::Tensor decodeAllowed(int64_t past, int64_t T, int64_t window, at::Device device) {
    const auto opts = at::TensorOptions().dtype(at::kLong).device(device);
    const at::Tensor q = at::arange(past, past + T, opts).unsqueeze(1);
    const at::Tensor k = at::arange(past + T, opts).unsqueeze(0);
    at::Tensor allowed = k <= q;
    if (window > 0) allowed = allowed.logical_and(k > q - window);
    return allowed.unsqueeze(0).unsqueeze(0);
}

bool causalWithoutMask() {
    return TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 5);
}

at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                     const at::Tensor& allowed) {
    if (!allowed.defined()) {
        at::Tensor fused =
            kernels::causalAttention(q, k, v, 1.0 / std::sqrt(static_cast<double>(q.size(-1))));
        if (fused.defined()) return fused;
    }
    RECORD_USER_SCOPE("llmap::attention");
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 5)
    // Grouped-query attention without copies of k and v; causal without a mask where none is
    // given (right padding: a real token never sees a padded one).
    const bool grouped = q.size(1) != k.size(1);
    const std::optional<at::Tensor> mask =
        allowed.defined() ? std::optional<at::Tensor>(allowed) : std::nullopt;
    return at::scaled_dot_product_attention(q, k, v, mask, 0.0, !allowed.defined(), std::nullopt,
                                            grouped);
#else
    at::Tensor keys = k, values = v;
    const int64_t groups = q.size(1) / k.size(1);
    if (groups > 1) {
        keys = k.repeat_interleave(groups, 1);
        values = v.repeat_interleave(groups, 1);
    }
#if TORCH_VERSION_MAJOR >= 2
    return at::scaled_dot_product_attention(q, keys, values, allowed);
#else
    // Scaled on q ([T, D]) rather than on the scores ([T, T]); masked in place: two fewer passes
    // over the largest tensor of the layer.
    const double scale = 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
    at::Tensor scores = at::matmul(q * scale, keys.transpose(-2, -1));
    scores.masked_fill_(allowed.logical_not(), -INFINITY);  // no row is fully masked
    const at::Tensor probs = at::softmax(scores, -1, at::kFloat).to(q.scalar_type());
    return at::matmul(probs, values);
#endif
#endif
}

// Gemma, Phi, OLMo and mixture-of-experts variants

at::Tensor rmsNormWeightInFp32(const at::Tensor& x, const at::Tensor& weight, double eps,
                               bool plusOne) {
    at::Tensor fused = kernels::rmsNorm(
        x, weight, eps, plusOne ? kernels::RmsWeight::PlusOneInFp32 : kernels::RmsWeight::InFp32);
    if (fused.defined()) return fused;
    RECORD_USER_SCOPE("llmap::norm");
    const at::Tensor xf = x.to(at::kFloat);
    const at::Tensor normed = xf * at::rsqrt(xf.pow(2).mean(-1, true) + eps);
    const at::Tensor w = weight.to(at::kFloat);
    return (normed * (plusOne ? w + 1.0 : w)).to(x.scalar_type());
}

std::pair<at::Tensor, at::Tensor> scaledRotaryTables(const at::Tensor& inverseFrequencies,
                                                     int64_t T, at::ScalarType dtype,
                                                     double scale) {
    auto [cos, sin] = rotaryTables(inverseFrequencies, T, at::kFloat);
    return {(cos * scale).to(dtype), (sin * scale).to(dtype)};
}

at::Tensor attentionSoftcapped(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                               const at::Tensor& allowed, double scale, double softcap) {
    RECORD_USER_SCOPE("llmap::attention");
    at::Tensor keys = k, values = v;
    const int64_t groups = q.size(1) / k.size(1);
    if (groups > 1) {
        keys = k.repeat_interleave(groups, 1);
        values = v.repeat_interleave(groups, 1);
    }
    at::Tensor scores = at::matmul(q, keys.transpose(-2, -1)) * scale;
    if (softcap > 0) scores = at::tanh(scores / softcap) * softcap;
    scores = scores.masked_fill(allowed.logical_not(), -INFINITY);  // no row is fully masked
    const at::Tensor probs = at::softmax(scores, -1, at::kFloat).to(q.scalar_type());
    return at::matmul(probs, values);
}

at::Tensor applyInterleavedRotary(const at::Tensor& x, const at::Tensor& cos,
                                  const at::Tensor& sin) {
    RECORD_USER_SCOPE("llmap::rotary");
    const int64_t half = x.size(-1) / 2;
    const at::Tensor c = cos.narrow(-1, 0, half), s = sin.narrow(-1, 0, half);
    const at::Tensor pairs = x.unflatten(-1, {half, 2});
    const at::Tensor x0 = pairs.select(-1, 0), x1 = pairs.select(-1, 1);
    return at::stack({x0 * c - x1 * s, x0 * s + x1 * c}, -1).flatten(-2);
}

}  // namespace llmap::blocks

namespace llmap::blocks {

at::Tensor applyRotaryInterleaved(const at::Tensor& x, const at::Tensor& cos,
                                  const at::Tensor& sin) {
    RECORD_USER_SCOPE("llmap::rotary");
    const int64_t rot = cos.size(-1);
    // The tables hold [f_0 .. f_{n-1}, f_0 .. f_{n-1}]; pairs need [f_0, f_0, f_1, f_1, ...].
    const at::Tensor c = cos.narrow(-1, 0, rot / 2).repeat_interleave(2, -1);
    const at::Tensor s = sin.narrow(-1, 0, rot / 2).repeat_interleave(2, -1);
    const at::Tensor xr = x.narrow(-1, 0, rot);
    const at::Tensor even = xr.slice(-1, 0, rot, 2), odd = xr.slice(-1, 1, rot, 2);
    const at::Tensor rotated = at::stack({-odd, even}, -1).flatten(-2);
    const at::Tensor out = xr * c + rotated * s;
    if (rot == x.size(-1)) return out;
    return at::cat({out, x.narrow(-1, rot, x.size(-1) - rot)}, -1);
}

namespace {

// BLOOM's slopes: a geometric series for the largest power of two <= heads, then every other
// term of the next one.
at::Tensor bloomSlopes(int64_t heads) {
    const auto f32 = at::TensorOptions().dtype(at::kFloat);
    const int64_t closest = int64_t(1) << static_cast<int>(std::floor(std::log2(heads)));
    const double base = std::pow(2.0, -std::pow(2.0, -(std::log2(double(closest)) - 3)));
    at::Tensor slopes =
        at::pow(at::scalar_tensor(base, f32), at::arange(1, 1 + closest, f32.dtype(at::kInt)));
    if (closest != heads) {
        const double extra = std::pow(2.0, -std::pow(2.0, -(std::log2(2.0 * closest) - 3)));
        const int64_t remaining = std::min(closest, heads - closest);
        const at::Tensor powers = at::arange(1, 1 + 2 * remaining, 2, f32.dtype(at::kInt));
        slopes = at::cat({slopes, at::pow(at::scalar_tensor(extra, f32), powers)});
    }
    return slopes;
}

// MPT's slopes with alibi_bias_max 8: 1 / 2^(8 i / n) over the next power of two n, odd terms
// first when heads is not one.
at::Tensor mptSlopes(int64_t heads) {
    const auto f32 = at::TensorOptions().dtype(at::kFloat);
    const int64_t n = int64_t(1) << static_cast<int>(std::ceil(std::log2(heads)));
    const at::Tensor base = at::arange(1, n + 1, f32) * (8.0 / static_cast<double>(n));
    at::Tensor slopes = 1.0 / at::pow(2.0, base);
    if (n != heads) {
        slopes = at::cat({slopes.slice(0, 1, n, 2), slopes.slice(0, 0, n, 2)}).narrow(0, 0, heads);
    }
    return slopes;
}

}  // namespace

at::Tensor alibiBias(AlibiStyle style, int64_t heads, int64_t T, at::ScalarType dtype, double scale,
                     at::Device device) {
    const auto f32 = at::TensorOptions().dtype(at::kFloat);
    const at::Tensor keys = at::arange(T, f32);
    at::Tensor bias;
    if (style == AlibiStyle::Mpt) {
        // Relative to the last key, in fp32 (MPT adds it to the scores in fp32).
        bias = at::outer(mptSlopes(heads), keys - static_cast<double>(T - 1));
    } else if (style == AlibiStyle::Falcon) {
        // Falcon rounds the slopes and the products to bf16 whatever the model's dtype.
        const at::Tensor slopes = bloomSlopes(heads).to(at::kBFloat16).to(at::kFloat);
        bias = at::outer(slopes, keys).to(at::kBFloat16).to(dtype);
        bias = (bias * scale).to(dtype).to(at::kFloat);
    } else {
        bias = at::outer(bloomSlopes(heads), keys).to(dtype).to(at::kFloat);
    }
    return bias.view({1, heads, 1, T}).to(device);
}

at::Tensor attentionWithBias(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                             const at::Tensor& allowed, double scale, const at::Tensor& bias) {
    if (!allowed.defined() && !bias.defined()) {
        at::Tensor fused = kernels::causalAttention(q, k, v, scale);
        if (fused.defined()) return fused;
    }
    RECORD_USER_SCOPE("llmap::attention");
    at::Tensor keys = k, values = v;
    const int64_t groups = q.size(1) / k.size(1);
    if (groups > 1) {
        keys = k.repeat_interleave(groups, 1);
        values = v.repeat_interleave(groups, 1);
    }
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1)
    if (!allowed.defined()) {
        return at::scaled_dot_product_attention(q, keys, values, c10::nullopt, 0.0, true, scale);
    }
    at::Tensor mask = allowed;
    if (bias.defined()) {
        mask = at::where(allowed, bias.to(q.scalar_type()), at::full({}, -INFINITY, q.options()));
    }
    return at::scaled_dot_product_attention(q, keys, values, mask, 0.0, false, scale);
#else
    at::Tensor scores = at::matmul(q, keys.transpose(-2, -1)) * scale;
    if (bias.defined()) scores = scores.to(at::kFloat) + bias;
    scores = scores.masked_fill(allowed.logical_not(), -INFINITY);  // no row is fully masked
    const at::Tensor probs = at::softmax(scores, -1, at::kFloat).to(q.scalar_type());
    return at::matmul(probs, values);
#endif
}

}  // namespace llmap::blocks

#include "model/blocks.h"

#include <torch/version.h>

#include <cmath>

namespace llmap::blocks {

at::Tensor linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                  bool conv1d) {
    if (conv1d) {
        at::Tensor y = at::matmul(x, weight);
        return bias.defined() ? y + bias : y;
    }
    return at::linear(x, weight, bias.defined() ? c10::optional<at::Tensor>(bias) : c10::nullopt);
}

at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps) {
    const at::Tensor xf = x.to(at::kFloat);
    const at::Tensor variance = xf.pow(2).mean(-1, true);
    return weight * (xf * at::rsqrt(variance + eps)).to(x.scalar_type());
}

at::Tensor norm(NormKind kind, const at::Tensor& x, const at::Tensor& weight,
                const at::Tensor& bias, double eps) {
    if (kind == NormKind::RMS) return rmsNorm(x, weight, eps);
    return at::layer_norm(x, {x.size(-1)}, weight, bias, eps);
}

at::Tensor activate(Activation a, const at::Tensor& x) {
    switch (a) {
        case Activation::SiLU:
            return at::silu(x);
        case Activation::Gelu:
            return at::gelu(x);
        case Activation::GeluTanh:
            return at::gelu(x, "tanh");
        case Activation::ReLU:
            return at::relu(x);
    }
    return x;
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
    const int64_t rot = cos.size(-1);
    if (rot == x.size(-1)) return x * cos + rotateHalf(x) * sin;
    const at::Tensor xr = x.narrow(-1, 0, rot);
    const at::Tensor pass = x.narrow(-1, rot, x.size(-1) - rot);
    return at::cat({xr * cos + rotateHalf(xr) * sin, pass}, -1);
}

at::Tensor attentionAllowed(const at::Tensor& keyMask, int64_t window) {
    const int64_t T = keyMask.size(1);
    const auto opts = keyMask.options().dtype(at::kLong);
    const at::Tensor q = at::arange(T, opts).unsqueeze(1);
    const at::Tensor k = at::arange(T, opts).unsqueeze(0);
    at::Tensor allowed = k <= q;
    if (window > 0) allowed = allowed.logical_and(k > q - window);
    const at::Tensor keys = keyMask.to(at::kBool).unsqueeze(1).unsqueeze(1);  // [B,1,1,T]
    return allowed.unsqueeze(0).unsqueeze(0).logical_and(keys).logical_or(k == q);
}

at::Tensor attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                     const at::Tensor& allowed) {
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
}

}  // namespace llmap::blocks

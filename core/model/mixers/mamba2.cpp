#include "model/mixers/mamba2.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace llmap {

namespace {

// [..., l] -> [..., l, l]: entry (i, j) = sum of x[j+1 .. i] for j <= i, -inf above the diagonal
// (transformers' segment_sum), so that exp() of it is the decay from position j to position i.
at::Tensor segmentSum(const at::Tensor& x) {
    const int64_t l = x.size(-1);
    std::vector<int64_t> expanded(x.sizes().begin(), x.sizes().end());
    expanded.push_back(l);
    const auto boolOptions = x.options().dtype(at::kBool);
    const at::Tensor strictlyLower = at::ones({l, l}, boolOptions).tril(-1);
    const at::Tensor lower = at::ones({l, l}, boolOptions).tril(0);
    const at::Tensor sums =
        x.unsqueeze(-1).expand(expanded).masked_fill(strictlyLower.logical_not(), 0).cumsum(-2);
    return sums.masked_fill(lower.logical_not(), -INFINITY);
}

class Mamba2 final : public SequenceMixer {
public:
    Mamba2(const ArchSpec& spec, const LayerWeights& w) : m_(spec.mamba2) {
        const int64_t D = spec.hidden;
        inner_ = m_.heads * m_.headDim;
        groupState_ = m_.groups * m_.stateSize;
        convDim_ = inner_ + 2 * groupState_;
        const int64_t projected = inner_ + convDim_ + m_.heads;
        const std::string& p = m_.prefix;
        inW_ = w.get(p + "in_proj.weight", {projected, D});
        if (m_.inBias) inB_ = w.get(p + "in_proj.bias", {projected});
        convW_ = w.get(p + "conv1d.weight", {convDim_, 1, m_.convKernel});
        if (m_.convBias) convB_ = w.get(p + "conv1d.bias", {convDim_});
        dtBias_ = w.get(p + "dt_bias", {m_.heads});
        // A = -exp(A_log) and D in fp32 from the model's dtype, as transformers computes them.
        A_ = -at::exp(w.get(p + "A_log", {m_.heads}).to(at::kFloat));
        skip_ = w.get(p + "D", {m_.heads}).to(at::kFloat);
        if (m_.gatedNorm) normW_ = w.get(p + "norm.weight", {inner_});
        outW_ = w.get(p + "out_proj.weight", {D, inner_});
        if (m_.outBias) outB_ = w.get(p + "out_proj.bias", {D});
        if (!m_.projMultipliers.empty()) {
            const std::vector<int64_t> sizes{inner_, inner_, groupState_, groupState_, m_.heads};
            std::vector<at::Tensor> parts;
            for (size_t i = 0; i < sizes.size(); ++i)
                parts.push_back(at::full({sizes[i]}, m_.projMultipliers.at(i), inW_.options()));
            projScale_ = at::cat(parts);
        }
    }

    at::Tensor forward(const at::Tensor& xIn, const at::Tensor& mask,
                       MixerState* state) const override {
        const int64_t B = xIn.size(0), T = xIn.size(1);
        const at::ScalarType dtype = xIn.scalar_type();
        // Padding never reaches a real token: zeroed before in_proj (transformers'
        // apply_mask_to_padding_states) and again before the convolution, where a bias of in_proj
        // would otherwise reach the next real tokens of a left-padded text.
        const at::Tensor keep = mask.to(dtype).unsqueeze(-1);
        at::Tensor x = xIn * keep;
        if (m_.inMultiplier != 1.0) x = x * m_.inMultiplier;
        at::Tensor projected =
            at::linear(x, inW_, inB_.defined() ? c10::optional<at::Tensor>(inB_) : c10::nullopt);
        if (projScale_.defined()) projected = projected * projScale_;
        const auto parts = projected.split({inner_, convDim_, m_.heads}, -1);
        const at::Tensor gate = parts[0];
        const at::Tensor dtRaw = parts[2];

        // Causal depthwise convolution over [earlier window | these positions].
        const at::Tensor xbc = (parts[1] * keep).transpose(1, 2);  // [B, C, T]
        const int64_t window = m_.convKernel - 1;
        const at::Tensor before = state && state->conv.defined()
                                      ? state->conv
                                      : at::zeros({B, convDim_, window}, xbc.options());
        const std::vector<int64_t> one{1}, zero{0};
        const c10::optional<at::Tensor> convBias =
            convB_.defined() ? c10::optional<at::Tensor>(convB_) : c10::nullopt;
        const at::Tensor padded = at::cat({before, xbc.to(convW_.scalar_type())}, 2);
        if (state) state->conv = padded.narrow(2, padded.size(2) - window, window).contiguous();
        at::Tensor conv = at::silu(at::conv1d(padded, convW_, convBias, one, zero, one, convDim_))
                              .to(dtype)
                              .transpose(1, 2);  // [B, T, C]
        conv = conv * keep;
        const auto xBC = conv.split({inner_, groupState_, groupState_}, -1);

        // dt = softplus(dt + dt_bias) in the model's dtype, clamped to the time-step limit.
        at::Tensor dt = at::softplus(dtRaw + dtBias_);
        dt = dt.clamp(m_.timeStepMin, m_.timeStepMax);
        at::Tensor recurrent = state ? state->recurrent : at::Tensor();
        at::Tensor y = scan(xBC[0].reshape({B, T, m_.heads, m_.headDim}), dt,
                            xBC[1].reshape({B, T, m_.groups, m_.stateSize}),
                            xBC[2].reshape({B, T, m_.groups, m_.stateSize}), recurrent);
        if (state) state->recurrent = recurrent;
        y = y.reshape({B, T, inner_});  // fp32

        const at::Tensor silu = at::silu(gate.to(at::kFloat));
        if (m_.gatedNorm) {
            if (!m_.normBeforeGate) y = y * silu;
            const at::Tensor g = y.view({B, T, m_.groups, inner_ / m_.groups});
            y = (g * at::rsqrt(g.pow(2).mean(-1, true) + m_.normEps)).view({B, T, inner_}) * normW_;
            if (m_.normBeforeGate) y = y * silu;
        } else {
            y = y * silu;
        }
        at::Tensor out = at::linear(
            y.to(dtype), outW_, outB_.defined() ? c10::optional<at::Tensor>(outB_) : c10::nullopt);
        if (m_.outMultiplier != 1.0) out = out * m_.outMultiplier;
        return out;
    }

private:
    // The selective scan in its chunked form (transformers' torch path, state-space duality):
    // x [B, T, H, P], dt [B, T, H], b and c [B, T, G, N]. `recurrent` [B, H, P, N] (fp32): the
    // state before these positions (undefined: zero), replaced by the state after them. Returns
    // y [B, T, H, P] in fp32, with the D skip.
    at::Tensor scan(const at::Tensor& xIn, const at::Tensor& dtIn, const at::Tensor& bIn,
                    const at::Tensor& cIn, at::Tensor& recurrent) const {
        const int64_t Bn = xIn.size(0), T = xIn.size(1), H = m_.heads, P = m_.headDim;
        const int64_t N = m_.stateSize, perGroup = H / m_.groups;
        const at::Tensor x = xIn.to(at::kFloat);
        const at::Tensor dt = dtIn.to(at::kFloat);
        at::Tensor b = bIn.to(at::kFloat).repeat_interleave(perGroup, 2);  // [B, T, H, N]
        at::Tensor c = cIn.to(at::kFloat).repeat_interleave(perGroup, 2);
        const at::Tensor skip = x * skip_.view({1, 1, H, 1});

        const int64_t l = std::min(m_.chunk, T), chunks = (T + l - 1) / l, pad = chunks * l - T;
        const auto chunked = [&](const at::Tensor& t) {
            at::Tensor padded = t;
            if (pad > 0) {
                std::vector<int64_t> shape(t.sizes().begin(), t.sizes().end());
                shape[1] = pad;
                padded = at::cat({t, at::zeros(shape, t.options())}, 1);
            }
            std::vector<int64_t> shape{Bn, chunks, l};
            shape.insert(shape.end(), t.sizes().begin() + 2, t.sizes().end());
            return padded.reshape(shape);
        };
        const at::Tensor xs = chunked(x * dt.unsqueeze(-1));                          // [b,c,l,h,p]
        const at::Tensor a = chunked(A_.view({1, 1, H}) * dt).permute({0, 3, 1, 2});  // [b,h,c,l]
        b = chunked(b);                                                               // [b,c,l,h,n]
        c = chunked(c);
        const at::Tensor aCum = a.cumsum(-1);

        // Within each chunk: an attention-like product masked by the decays.
        const at::Tensor decay = at::exp(segmentSum(a));                     // [b,h,c,l,s]
        const at::Tensor scores = at::einsum("bclhn,bcshn->bclsh", {c, b});  // [b,c,l,s,h]
        const at::Tensor weighted = scores * decay.permute({0, 2, 3, 4, 1});
        const at::Tensor yDiag = at::einsum("bclsh,bcshp->bclhp", {weighted, xs});

        // Each chunk's own final state, then the states carried across chunks.
        const at::Tensor toEnd = at::exp(aCum.narrow(-1, l - 1, 1) - aCum);  // [b,h,c,l]
        const at::Tensor bDecayed = b * toEnd.permute({0, 2, 3, 1}).unsqueeze(-1);
        at::Tensor states = at::einsum("bclhn,bclhp->bchpn", {bDecayed, xs});  // [b,c,h,p,n]
        const at::Tensor initial = recurrent.defined()
                                       ? recurrent.to(at::kFloat).unsqueeze(1)
                                       : at::zeros({Bn, 1, H, P, N}, states.options());
        states = at::cat({initial, states}, 1);
        const at::Tensor chunkTotals =
            at::constant_pad_nd(aCum.select(-1, l - 1), {1, 0});  // [b,h,c+1]
        const at::Tensor acrossChunks = at::exp(segmentSum(chunkTotals)).transpose(1, 3);
        const at::Tensor carried = at::einsum("bzch,bzhpn->bchpn", {acrossChunks, states});
        recurrent = carried.select(1, chunks).contiguous();
        const at::Tensor starts = carried.narrow(1, 0, chunks);

        // Each position's share of its chunk's starting state.
        const at::Tensor fromStart = at::exp(aCum).permute({0, 2, 3, 1}).unsqueeze(-1);
        const at::Tensor yOff = at::einsum("bclhn,bchpn->bclhp", {c, starts}) * fromStart;
        const at::Tensor y = (yDiag + yOff).reshape({Bn, chunks * l, H, P}).narrow(1, 0, T);
        return y + skip;
    }

    Mamba2Spec m_;
    int64_t inner_ = 0, groupState_ = 0, convDim_ = 0;
    at::Tensor inW_, inB_, convW_, convB_, dtBias_, A_, skip_, normW_, outW_, outB_, projScale_;
};

}  // namespace

std::unique_ptr<SequenceMixer> loadMamba2(const ArchSpec& spec, const LayerWeights& weights) {
    return std::make_unique<Mamba2>(spec, weights);
}

}  // namespace llmap

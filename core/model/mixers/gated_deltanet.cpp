#include "model/mixers/gated_deltanet.h"

#include <cmath>

#include "model/blocks.h"

namespace llmap {

namespace {

constexpr int64_t kChunk = 64;

// x * rsqrt(sum(x^2) + 1e-6) over the last dimension, as the FLA library normalises q and k.
at::Tensor l2Normed(const at::Tensor& x) {
    return x * at::rsqrt((x * x).sum(-1, true) + 1e-6);
}

// One step of the gated delta rule. q, k [B, H, dk], v [B, H, dv], g and beta [B, H] (fp32);
// state [B, H, dk, dv], updated. Returns [B, H, dv].
at::Tensor recurrentStep(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                         const at::Tensor& g, const at::Tensor& beta, at::Tensor& state) {
    state = state * g.exp().unsqueeze(-1).unsqueeze(-1);
    const at::Tensor kvMemory = (state * k.unsqueeze(-1)).sum(-2);
    const at::Tensor delta = (v - kvMemory) * beta.unsqueeze(-1);
    state = state + k.unsqueeze(-1) * delta.unsqueeze(-2);
    return (state * q.unsqueeze(-1)).sum(-2);
}

// The gated delta rule over chunks of kChunk positions (transformers'
// torch_chunk_gated_delta_rule). q, k [B, H, T, dk], v [B, H, T, dv], g and beta [B, H, T], all
// fp32; state [B, H, dk, dv], updated. Returns [B, H, T, dv].
at::Tensor chunkedRule(at::Tensor q, at::Tensor k, at::Tensor v, at::Tensor g, at::Tensor beta,
                       at::Tensor& state) {
    const int64_t B = q.size(0), H = q.size(1), T = q.size(2), dk = q.size(3), dv = v.size(3);
    const int64_t pad = (kChunk - T % kChunk) % kChunk, N = (T + pad) / kChunk;
    if (pad > 0) {
        q = at::constant_pad_nd(q, {0, 0, 0, pad});
        k = at::constant_pad_nd(k, {0, 0, 0, pad});
        v = at::constant_pad_nd(v, {0, 0, 0, pad});
        g = at::constant_pad_nd(g, {0, pad});
        beta = at::constant_pad_nd(beta, {0, pad});
    }
    const at::Tensor vBeta = (v * beta.unsqueeze(-1)).view({B, H, N, kChunk, dv});
    const at::Tensor kBeta = (k * beta.unsqueeze(-1)).view({B, H, N, kChunk, dk});
    q = q.view({B, H, N, kChunk, dk});
    k = k.view({B, H, N, kChunk, dk});
    const at::Tensor cum = g.view({B, H, N, kChunk}).cumsum(-1);
    const at::Tensor above = at::ones({kChunk, kChunk}, q.options().dtype(at::kBool)).triu(1);
    // decay[i][j] = exp(cum_i - cum_j) for j <= i, 0 above the diagonal.
    const at::Tensor decay =
        (cum.unsqueeze(-1) - cum.unsqueeze(-2)).masked_fill(above, -INFINITY).exp();
    const at::Tensor system = at::matmul(kBeta, k.transpose(-1, -2)) * decay;
    const at::Tensor intra = at::matmul(q, k.transpose(-1, -2)) * decay;
    const at::Tensor newValues =
        at::linalg_solve_triangular(system, vBeta, /*upper=*/false, /*left=*/true,
                                    /*unitriangular=*/true);
    const at::Tensor keyCumDecay =
        at::linalg_solve_triangular(system, kBeta * cum.exp().unsqueeze(-1), false, true, true);
    const at::Tensor qDecayed = q * cum.exp().unsqueeze(-1);
    const at::Tensor kDecayed = k * (cum.narrow(-1, kChunk - 1, 1) - cum).exp().unsqueeze(-1);
    const at::Tensor chunkDecay = cum.select(-1, kChunk - 1).exp().unsqueeze(-1).unsqueeze(-1);
    std::vector<at::Tensor> outputs;
    outputs.reserve(static_cast<size_t>(N));
    for (int64_t i = 0; i < N; ++i) {
        const at::Tensor vNew =
            newValues.select(2, i) - at::matmul(keyCumDecay.select(2, i), state);
        outputs.push_back(at::matmul(qDecayed.select(2, i), state) +
                          at::matmul(intra.select(2, i), vNew));
        state = state * chunkDecay.select(2, i) +
                at::matmul(kDecayed.select(2, i).transpose(-1, -2), vNew);
    }
    return at::cat(outputs, 2).narrow(2, 0, T);
}

class GatedDeltaNet : public SequenceMixer {
public:
    GatedDeltaNet(const ArchSpec& spec, const LayerWeights& w) : s_(spec.deltaNet) {
        eps_ = spec.normEps;
        activation_ = spec.activation;
        const int64_t D = spec.hidden, nk = s_.keyHeads, nv = s_.valueHeads;
        const int64_t keys = nk * s_.keyDim, values = nv * s_.valueDim;
        convChannels_ = 2 * keys + values;
        if (s_.perKeyHeadLayout) {
            // Per key head: [q | k | its value heads' v | their z] and [their b | their a];
            // regrouped to [q; k; v; z; b; a] over all heads.
            const int64_t r = nv / nk, perHead = 2 * s_.keyDim + 2 * r * s_.valueDim;
            const auto qkvz =
                w.get("linear_attn.in_proj_qkvz.weight", {nk * perHead, D})
                    .view({nk, perHead, D})
                    .split({s_.keyDim, s_.keyDim, r * s_.valueDim, r * s_.valueDim}, 1);
            const auto ba = w.get("linear_attn.in_proj_ba.weight", {2 * nv, D})
                                .view({nk, 2 * r, D})
                                .split({r, r}, 1);
            std::vector<at::Tensor> rows;
            for (const auto& part : qkvz) rows.push_back(part.reshape({-1, D}));
            for (const auto& part : ba) rows.push_back(part.reshape({-1, D}));
            inW_ = at::cat(rows).contiguous();
        } else {
            inW_ = at::cat({w.get("linear_attn.in_proj_qkv.weight", {convChannels_, D}),
                            w.get("linear_attn.in_proj_z.weight", {values, D}),
                            w.get("linear_attn.in_proj_b.weight", {nv, D}),
                            w.get("linear_attn.in_proj_a.weight", {nv, D})});
        }
        convW_ = w.get("linear_attn.conv1d.weight", {convChannels_, 1, s_.convKernel});
        dtBias_ = w.get("linear_attn.dt_bias", {nv});
        // In the model's dtype, then fp32, as transformers computes -A_log.float().exp().
        negA_ = -w.get("linear_attn.A_log", {nv}).to(at::kFloat).exp();
        normW_ = w.get("linear_attn.norm.weight", {s_.valueDim});
        outW_ = w.get("linear_attn.out_proj.weight", {D, values});
    }

    at::Tensor forward(const at::Tensor& x, const at::Tensor& mask,
                       MixerState* state) const override {
        const int64_t B = x.size(0), T = x.size(1), nk = s_.keyHeads, nv = s_.valueHeads;
        const int64_t dk = s_.keyDim, dv = s_.valueDim, K = s_.convKernel;
        // Padding's hidden states are zeroed so that they never reach the state of real tokens.
        const at::Tensor input = state ? x : x * mask.unsqueeze(-1).to(x.scalar_type());
        const auto parts = at::linear(input, inW_).split({convChannels_, nv * dv, nv, nv}, -1);
        const at::Tensor mixed = parts[0].transpose(1, 2);  // [B, C, T]
        const auto depthwise = [&](const at::Tensor& in, int64_t padding) {
            const int64_t one = 1;
            return at::conv1d(in, convW_, c10::nullopt, at::IntArrayRef(one),
                              at::IntArrayRef(padding), at::IntArrayRef(one), convChannels_);
        };
        at::Tensor conv;
        if (state) {
            const at::Tensor past = state->conv.defined()
                                        ? state->conv
                                        : at::zeros({B, convChannels_, K - 1}, mixed.options());
            const at::Tensor window = at::cat({past, mixed}, 2);
            state->conv = window.narrow(2, window.size(2) - (K - 1), K - 1).contiguous();
            conv = depthwise(window, 0);
        } else {
            conv = depthwise(mixed, K - 1).narrow(2, 0, T);
        }
        const auto qkv = blocks::activate(activation_, conv)
                             .transpose(1, 2)
                             .split({nk * dk, nk * dk, nv * dv}, -1);
        // [B, H, T, d] in fp32, each key head shared by nv / nk consecutive value heads.
        const auto heads = [&](const at::Tensor& t, int64_t n, int64_t d) {
            at::Tensor h = t.reshape({B, T, n, d});
            if (n != nv) h = h.repeat_interleave(nv / n, 2);
            return h.transpose(1, 2).to(at::kFloat);
        };
        const at::Tensor q = l2Normed(heads(qkv[0], nk, dk)) * (1.0 / std::sqrt(double(dk)));
        const at::Tensor k = l2Normed(heads(qkv[1], nk, dk));
        const at::Tensor v = heads(qkv[2], nv, dv);
        const at::Tensor beta = at::sigmoid(parts[2]).to(at::kFloat).transpose(1, 2);
        const at::Tensor g =
            (negA_ * at::softplus(parts[3].to(at::kFloat) + dtBias_)).transpose(1, 2);
        at::Tensor recurrent = state && state->recurrent.defined()
                                   ? state->recurrent
                                   : at::zeros({B, nv, dk, dv}, q.options());
        at::Tensor out;  // [B, H, T, dv]
        if (state && T == 1 && state->recurrent.defined()) {
            out = recurrentStep(q.select(2, 0), k.select(2, 0), v.select(2, 0), g.select(2, 0),
                                beta.select(2, 0), recurrent)
                      .unsqueeze(2);
        } else {
            out = chunkedRule(q, k, v, g, beta, recurrent);
        }
        if (state) state->recurrent = recurrent;
        const at::ScalarType dtype = x.scalar_type();
        // RMSNormGated: normalised in fp32, weighted in the model's dtype, gated in fp32.
        at::Tensor o = out.transpose(1, 2).to(dtype).to(at::kFloat);
        o = o * at::rsqrt(o.pow(2).mean(-1, true) + eps_);
        o = (normW_ * o.to(dtype)) * at::silu(parts[1].view({B, T, nv, dv}).to(at::kFloat));
        return at::linear(o.to(dtype).reshape({B, T, nv * dv}), outW_);
    }

private:
    DeltaNetSpec s_;
    double eps_ = 1e-6;
    Activation activation_ = Activation::SiLU;
    int64_t convChannels_ = 0;
    at::Tensor inW_, convW_, dtBias_, negA_, normW_, outW_;
};

}  // namespace

std::unique_ptr<SequenceMixer> loadGatedDeltaNet(const ArchSpec& spec,
                                                 const LayerWeights& weights) {
    return std::make_unique<GatedDeltaNet>(spec, weights);
}

}  // namespace llmap

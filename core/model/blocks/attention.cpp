#include "model/blocks/attention.h"

#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "model/blocks.h"
#include "model/blocks/attention_sinks.h"
#include "model/blocks/query_temperature.h"
#include "model/blocks/unweighted_rms_norm.h"
#include "model/cpu_kernels.h"

namespace llmap::blocks {

namespace {

void loadQkNorms(const LayerWeights& w, const ArchSpec& s, int64_t hd, AttentionWeights& l) {
    const WeightNames& n = s.names;
    switch (s.qkNormKind) {
        case ArchSpec::QkNormKind::RmsPerHead:
            l.qNormW = w.get(n.qNorm + ".weight", {hd});
            l.kNormW = w.get(n.kNorm + ".weight", {hd});
            break;
        case ArchSpec::QkNormKind::RmsFull:
            l.qNormW = w.get(n.qNorm + ".weight", {s.heads * hd});
            l.kNormW = w.get(n.kNorm + ".weight", {s.kvHeads * hd});
            break;
        case ArchSpec::QkNormKind::LayerShared:
            l.qNormW = w.get(n.qNorm + ".weight", {hd});
            l.qNormB = w.get(n.qNorm + ".bias", {hd});
            l.kNormW = w.get(n.kNorm + ".weight", {hd});
            l.kNormB = w.get(n.kNorm + ".bias", {hd});
            break;
        case ArchSpec::QkNormKind::LayerPerHead: {
            // One bias-free LayerNorm per head, stacked to [heads, headDim].
            const auto stacked = [&](const std::string& name, int64_t heads) {
                std::vector<at::Tensor> rows;
                for (int64_t h = 0; h < heads; ++h) {
                    rows.push_back(w.get(name + ".norms." + std::to_string(h) + ".weight", {hd}));
                }
                return at::stack(rows);
            };
            l.qNormW = stacked(n.qNorm, s.heads);
            l.kNormW = stacked(n.kNorm, s.kvHeads);
            break;
        }
        case ArchSpec::QkNormKind::LayerPerHeadFp32:
            l.qNormW = w.get(n.qNorm + ".weight", {s.heads, hd});
            l.kNormW = w.get(n.kNorm + ".weight", {s.kvHeads, hd});
            break;
        case ArchSpec::QkNormKind::RmsNoWeight:
            break;
    }
}

void loadLatentAttention(const LayerWeights& w, const ArchSpec& s, AttentionWeights& l) {
    const int64_t D = s.hidden, qOut = s.heads * (s.qkNopeDim + s.qkRopeDim);
    if (s.qLoraRank > 0) {
        l.qaW = w.get("self_attn.q_a_proj.weight", {s.qLoraRank, D});
        if (s.qkvBias) l.qaB = w.get("self_attn.q_a_proj.bias", {s.qLoraRank});
        l.qaNormW = w.get("self_attn.q_a_layernorm.weight", {s.qLoraRank});
        l.qbW = w.get("self_attn.q_b_proj.weight", {qOut, s.qLoraRank});
    } else {
        l.qW = w.get("self_attn.q_proj.weight", {qOut, D});
    }
    const int64_t kvA = s.kvLoraRank + s.qkRopeDim;
    l.kvaW = w.get("self_attn.kv_a_proj_with_mqa.weight", {kvA, D});
    if (s.qkvBias) l.kvaB = w.get("self_attn.kv_a_proj_with_mqa.bias", {kvA});
    l.kvaNormW = w.get("self_attn.kv_a_layernorm.weight", {s.kvLoraRank});
    l.kvbW =
        w.get("self_attn.kv_b_proj.weight", {s.heads * (s.qkNopeDim + s.vHeadDim), s.kvLoraRank});
}

// DeepSeek-V2's multi-head latent attention.
at::Tensor latentAttention(const AttentionWeights& l, const ArchSpec& spec, const at::Tensor& x,
                           const at::Tensor& allowed, const at::Tensor& cos, const at::Tensor& sin,
                           LayerCache* cache) {
    const int64_t B = x.size(0), T = x.size(1), H = spec.heads;
    const int64_t nope = spec.qkNopeDim, rope = spec.qkRopeDim, vd = spec.vHeadDim;
    const at::Tensor q =
        (spec.qLoraRank > 0
             ? at::linear(specRms(spec, linear(x, l.qaW, l.qaB, false), l.qaNormW), l.qbW)
             : at::linear(x, l.qW))
            .view({B, T, H, nope + rope})
            .transpose(1, 2);
    const auto qParts = q.split({nope, rope}, -1);
    const auto kvA = linear(x, l.kvaW, l.kvaB, false).split({spec.kvLoraRank, rope}, -1);
    const auto rotate = [&](const at::Tensor& t) {
        return spec.rotaryInterleaved ? applyInterleavedRotary(t, cos, sin)
                                      : applyRotary(t, cos, sin);
    };
    const at::Tensor keyRope = rotate(kvA[1].view({B, 1, T, rope}));
    const at::Tensor kv = at::linear(specRms(spec, kvA[0], l.kvaNormW), l.kvbW)
                              .view({B, T, H, nope + vd})
                              .transpose(1, 2);
    const auto kvParts = kv.split({nope, vd}, -1);
    at::Tensor keys = at::cat({kvParts[0], keyRope.expand({B, H, T, rope})}, -1);
    at::Tensor values = kvParts[1];
    if (cache) std::tie(keys, values) = cache->append(keys, values);
    const at::Tensor queries = at::cat({qParts[0], rotate(qParts[1])}, -1);
    const at::Tensor out =
        attentionSoftcapped(queries, keys, values, allowed, spec.attentionScale, 0.0);
    return linear(out.transpose(1, 2).reshape({B, T, H * vd}), l.oW, l.oB, false);
}

}  // namespace

void loadAttentionWeights(const LayerWeights& w, const ArchSpec& s, AttentionWeights& l) {
    const WeightNames& n = s.names;
    const int64_t D = s.hidden, hd = l.headDim, kvOut = l.kvHeads * hd;
    const int64_t qOut = s.heads * hd * (s.attnOutputGate ? 2 : 1);
    if (s.kvLoraRank > 0) {
        loadLatentAttention(w, s, l);
    } else if (s.qkvLayout == QkvLayout::Separate) {
        // One product instead of three: [q; k; v] stacked at load, split after.
        std::vector<at::Tensor> weights, biases;
        const int64_t kOut = l.sharesKv ? 0 : kvOut, vOut = l.valueFromKey ? 0 : kOut;
        for (const auto& [name, out] :
             {std::make_pair(n.q, qOut), std::make_pair(n.k, kOut), std::make_pair(n.v, vOut)}) {
            if (out == 0) continue;
            weights.push_back(w.get(name + ".weight", {out, D}));
            if (s.qkvBias) biases.push_back(w.get(name + ".bias", {out}));
        }
        l.qkvW = at::cat(weights);
        if (s.qkvBias) l.qkvB = at::cat(biases);
    } else {
        const int64_t fused = qOut + 2 * kvOut;
        l.qkvW = w.get(n.qkv + ".weight", linearShape(fused, D, s.conv1d));
        if (s.qkvBias) l.qkvB = w.get(n.qkv + ".bias", {fused});
    }
    const int64_t attnOut = s.kvLoraRank > 0 ? s.heads * s.vHeadDim : s.heads * hd;
    l.oW = w.get(n.o + ".weight", linearShape(D, attnOut, s.conv1d));
    if (s.oBias) l.oB = w.get(n.o + ".bias", {D});
    if (!s.attnSinks.empty()) {  // llama.cpp names them "<attnSinks>.weight"
        const bool plain = w.has(s.attnSinks);
        l.sinks = w.get(plain ? s.attnSinks : s.attnSinks + ".weight", {s.heads});
    }
    if (s.qkNorm && l.sharesKv) {
        l.qNormW = w.get(n.qNorm + ".weight", {hd});
    } else if (s.qkNorm) {
        loadQkNorms(w, s, hd, l);
    }
}

namespace {

// Everything between the projections: q, k, v [B, T, heads, hd] (k and v undefined where the
// layer reads another's) to the heads' merged output [B, T, heads * hd], gated where the layer
// gates it.
at::Tensor attendProjected(const AttentionWeights& l, const ArchSpec& spec, at::Tensor q,
                           at::Tensor k, at::Tensor v, const at::Tensor& outputGate,
                           const at::Tensor& allowed, const at::Tensor& cos, const at::Tensor& sin,
                           LayerCache* cache, const at::Tensor& alibi,
                           const at::Tensor& queryScale) {
    const int64_t B = q.size(0), T = q.size(1), hd = l.headDim;
    if (spec.keyMultiplier != 1.0) k = k * spec.keyMultiplier;
    const bool qkNorm = spec.qkNorm && !(spec.qkNormRopeLayersOnly && l.noRope);
    if (qkNorm && !spec.qkNormAfterRotary) {
        q = qkNormed(spec, q, l.qNormW, l.qNormB);
        if (k.defined()) k = qkNormed(spec, k, l.kNormW, l.kNormB);
    }
    if (spec.valueNorm && v.defined()) v = unweightedRmsNorm(v, spec.normEps);
    if (spec.clipQkv > 0) {  // after the q/k norms (OLMoE)
        q = q.clamp(-spec.clipQkv, spec.clipQkv);
        k = k.clamp(-spec.clipQkv, spec.clipQkv);
        v = v.clamp(-spec.clipQkv, spec.clipQkv);
    }
    q = q.transpose(1, 2);
    if (!l.sharesKv) {
        k = k.transpose(1, 2);
        v = v.transpose(1, 2);
    }
    const at::ScalarType qkType = q.scalar_type();
    // Rotates q and, unless the layer reads another's keys, k.
    const auto forQk = [&](const auto& f) {
        q = f(q);
        if (k.defined()) k = f(k);
    };
    if (cos.defined() && spec.rotaryInFp32)
        forQk([](const at::Tensor& t) { return t.to(at::kFloat); });
    if (cos.defined() && spec.rotaryInterleaved) {
        forQk([&](const at::Tensor& t) { return applyRotaryInterleaved(t, cos, sin); });
    } else if (cos.defined()) {
        forQk([&](const at::Tensor& t) { return applyRotary(t, cos, sin); });
    }
    if (cos.defined() && spec.rotaryInFp32)
        forQk([&](const at::Tensor& t) { return t.to(qkType); });
    if (qkNorm && spec.qkNormAfterRotary) {  // qkNormed takes [B, T, heads, hd]
        q = qkNormed(spec, q.transpose(1, 2), l.qNormW, l.qNormB).transpose(1, 2);
        if (k.defined()) k = qkNormed(spec, k.transpose(1, 2), l.kNormW, l.kNormB).transpose(1, 2);
    }
    if (l.sharesKv) {
        // The source layer ran first and left its keys and values in `cache` (hidden()).
        k = cache->keys;
        v = cache->values;
    } else if (cache) {
        std::tie(k, v) = cache->append(k, v);
    }
    if (queryScale.defined()) q = scaleQueries(q, queryScale, spec.queryTemperatureInFp32);
    const double scale =
        spec.attentionScale > 0 ? spec.attentionScale : 1.0 / std::sqrt(static_cast<double>(hd));
    at::Tensor out;  // [B, heads, T, hd]
    if (l.sinks.defined()) {
        out = attentionWithSinks(q, k, v, allowed, scale, l.sinks);
    } else if (spec.attnSoftcap > 0) {
        out = attentionSoftcapped(q, k, v, allowed, scale, spec.attnSoftcap);
    } else if (alibi.defined() || spec.attentionScale > 0) {
        out = attentionWithBias(q, k, v, allowed, scale, alibi);
    } else {
        out = attention(q, k, v, allowed);
    }
    at::Tensor merged = out.transpose(1, 2).reshape({B, T, spec.heads * hd});
    if (outputGate.defined()) merged = merged * at::sigmoid(outputGate);
    return merged;
}

}  // namespace

at::Tensor attention(const AttentionWeights& l, const ArchSpec& spec, const at::Tensor& x,
                     const at::Tensor& allowed, const at::Tensor& cos, const at::Tensor& sin,
                     const at::Tensor& alibi, LayerCache* cache, const at::Tensor& queryScale,
                     const Packing* packing) {
    if (spec.kvLoraRank > 0) {
        if (!packing) return latentAttention(l, spec, x, allowed, cos, sin, cache);
        return packing->pack(
            latentAttention(l, spec, packing->unpack(x), allowed, cos, sin, cache));
    }
    at::Tensor q, k, v;  // [B, T, heads, hd]; k and v undefined where the layer reads another's
    at::Tensor outputGate;
    // Separate projections were stacked at load.
    at::Tensor qkv = linear(x, l.qkvW, l.qkvB, spec.conv1d);
    if (packing && (cache || l.sharesKv)) qkv = packing->unpack(qkv);
    const int64_t B = qkv.size(0), T = qkv.size(1), hd = l.headDim;
    if (spec.qkvLayout == QkvLayout::FusedGrouped) {  // per group: [q_0 .. q_{g-1} | k | v]
        const int64_t g = spec.heads / spec.kvHeads;
        const auto parts = qkv.view({B, T, spec.kvHeads, g + 2, hd}).split({g, 1, 1}, 3);
        q = parts[0].reshape({B, T, spec.heads, hd});
        k = parts[1].reshape({B, T, spec.kvHeads, hd});
        v = parts[2].reshape({B, T, spec.kvHeads, hd});
    } else if (spec.qkvLayout == QkvLayout::FusedPerHead) {  // per head: [q | k | v]
        const auto parts = qkv.view({B, T, spec.heads, 3 * hd}).chunk(3, -1);
        q = parts[0];
        k = parts[1];
        v = parts[2];
    } else if (spec.attnOutputGate) {  // q per head: [q | gate]
        const auto parts = qkv.split({spec.heads * hd * 2, l.kvHeads * hd, l.kvHeads * hd}, -1);
        const auto qGate = parts[0].view({B, T, spec.heads, 2 * hd}).chunk(2, -1);
        q = qGate[0];
        outputGate = qGate[1].reshape({B, T, spec.heads * hd});
        k = parts[1].view({B, T, l.kvHeads, hd});
        v = parts[2].view({B, T, l.kvHeads, hd});
    } else {
        const int64_t kOut = l.sharesKv ? 0 : l.kvHeads * hd, vOut = l.valueFromKey ? 0 : kOut;
        const auto parts = qkv.split({spec.heads * hd, kOut, vOut}, -1);
        q = parts[0].view({B, T, spec.heads, hd});
        if (!l.sharesKv) {
            k = parts[1].view({B, T, l.kvHeads, hd});
            v = l.valueFromKey ? k : parts[2].view({B, T, l.kvHeads, hd});
        }
    }
    if (!packing || cache || l.sharesKv) {
        at::Tensor merged = attendProjected(l, spec, q, k, v, outputGate, allowed, cos, sin, cache,
                                            alibi, queryScale);
        if (packing) merged = packing->pack(merged);
        return linear(merged, l.oW, l.oB, spec.conv1d);
    }
    // Packed texts, one at a time: the first `length` rows and columns of the batch's tables and
    // masks are each text's own (the padding is on the right).
    std::vector<at::Tensor> pieces;
    for (int64_t b = 0; b < packing->texts(); ++b) {
        const int64_t first = packing->offset(b), length = packing->length(b);
        if (length == 0) continue;
        const auto rows = [&](const at::Tensor& t) {
            return t.defined() ? t.narrow(1, first, length) : t;
        };
        // Tables [T, R] shared by the batch, or [B, 1, T, R] per text (LongRoPE).
        const auto table = [&](const at::Tensor& t) {
            if (!t.defined()) return t;
            const at::Tensor own = t.dim() == 4 && t.size(0) > 1 ? t.narrow(0, b, 1) : t;
            return own.narrow(-2, 0, length);
        };
        const at::Tensor textAllowed = allowed.defined()
                                           ? allowed.narrow(0, allowed.size(0) > 1 ? b : 0, 1)
                                                 .narrow(2, 0, length)
                                                 .narrow(3, 0, length)
                                           : allowed;
        pieces.push_back(attendProjected(
            l, spec, rows(q), rows(k), rows(v), rows(outputGate), textAllowed, table(cos),
            table(sin), nullptr, alibi.defined() ? alibi.narrow(-1, 0, length) : alibi,
            queryScale.defined() ? queryScale.narrow(2, 0, length) : queryScale));
    }
    return linear(at::cat(pieces, 1), l.oW, l.oB, spec.conv1d);
}

at::Tensor specRms(const ArchSpec& spec, const at::Tensor& x, const at::Tensor& w) {
    if (spec.rmsStyle == ArchSpec::RmsStyle::Llama) return rmsNorm(x, w, spec.normEps);
    return rmsNormWeightInFp32(x, w, spec.normEps, spec.rmsStyle == ArchSpec::RmsStyle::PlusOne);
}

at::Tensor specAddRms(const ArchSpec& spec, at::Tensor& x, const at::Tensor& addend,
                      const at::Tensor& w) {
    const kernels::RmsWeight how =
        spec.rmsStyle == ArchSpec::RmsStyle::Llama     ? kernels::RmsWeight::AfterCast
        : spec.rmsStyle == ArchSpec::RmsStyle::PlusOne ? kernels::RmsWeight::PlusOneInFp32
                                                       : kernels::RmsWeight::InFp32;
    at::Tensor fused = kernels::addRmsNorm(x, addend, w, spec.normEps, how);
    if (fused.defined()) return fused;
    x.add_(addend);
    return specRms(spec, x, w);
}

at::Tensor qkNormed(const ArchSpec& spec, const at::Tensor& x, const at::Tensor& w,
                    const at::Tensor& b) {
    switch (spec.qkNormKind) {
        case ArchSpec::QkNormKind::RmsPerHead:
            return specRms(spec, x, w);
        case ArchSpec::QkNormKind::RmsFull:
            return specRms(spec, x.flatten(2), w).view(x.sizes());
        case ArchSpec::QkNormKind::LayerShared:
            return at::layer_norm(x, {x.size(-1)}, w, b, spec.normEps);
        case ArchSpec::QkNormKind::LayerPerHead:
            return at::layer_norm(x, {x.size(-1)}, {}, {}, spec.normEps) * w;
        case ArchSpec::QkNormKind::LayerPerHeadFp32:
            return (at::layer_norm(x.to(at::kFloat), {x.size(-1)}, {}, {}, spec.normEps) *
                    w.to(at::kFloat))
                .to(x.scalar_type());
        case ArchSpec::QkNormKind::RmsNoWeight:
            return rmsNormNoWeight(x, spec.normEps);
    }
    return x;
}

}  // namespace llmap::blocks

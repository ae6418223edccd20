#include "model/blocks/experts.h"

#include <cmath>
#include <string>
#include <tuple>

#include "model/blocks.h"
#include "model/blocks/clamped_swiglu.h"
#include "model/blocks/expert_sum.h"

namespace llmap::blocks {

namespace {

// gpt-oss's experts: "gate_up_proj" [experts, hidden, 2 I] (x W) with gate and up in alternate
// columns and "down_proj" [experts, I, hidden], each with "<name>_bias"; kept per expert as
// contiguous [I, hidden] gate and up and [hidden, I] down.
void loadInterleavedExperts(const LayerWeights& w, const ArchSpec& s, ExpertWeights& l) {
    const int64_t D = s.hidden, I = s.moeIntermediate, E = s.experts;
    const std::string& p = s.moeExperts;
    const at::Tensor gateUp = w.get(p + "gate_up_proj", {E, D, 2 * I}).transpose(1, 2);
    const at::Tensor down = w.get(p + "down_proj", {E, I, D}).transpose(1, 2);
    at::Tensor gateUpB, downB;
    if (s.moeExpertBias) {
        gateUpB = w.get(p + "gate_up_proj_bias", {E, 2 * I});
        downB = w.get(p + "down_proj_bias", {E, D});
    }
    for (int64_t e = 0; e < E; ++e) {
        l.gateW.push_back(gateUp[e].slice(0, 0, 2 * I, 2).contiguous());
        l.upW.push_back(gateUp[e].slice(0, 1, 2 * I, 2).contiguous());
        l.downW.push_back(down[e].contiguous());
        if (!s.moeExpertBias) continue;
        l.gateB.push_back(gateUpB[e].slice(0, 0, 2 * I, 2).contiguous());
        l.upB.push_back(gateUpB[e].slice(0, 1, 2 * I, 2).contiguous());
        l.downB.push_back(downB[e]);
    }
}

}  // namespace

ExpertWeights loadExperts(const LayerWeights& w, const ArchSpec& s) {
    ExpertWeights l;
    const int64_t D = s.hidden, I = s.moeIntermediate, S = s.sharedIntermediate;
    // Qwen2-MoE saves a shared expert of 0 channels as empty tensors: it adds nothing.
    if (!s.moeShared.empty() && S > 0 && w.has(s.moeShared + ".input_linear.weight")) {
        // GraniteMoeShared's layout: input_linear = [gate; up], output_linear = down.
        const at::Tensor gateUp = w.get(s.moeShared + ".input_linear.weight", {2 * S, D});
        l.sharedGateW = gateUp.narrow(0, 0, S);
        l.sharedUpW = gateUp.narrow(0, S, S);
        l.sharedDownW = w.get(s.moeShared + ".output_linear.weight", {D, S});
    } else if (!s.moeShared.empty() && S > 0) {
        l.sharedGateW = w.get(s.moeShared + ".gate_proj.weight", {S, D});
        l.sharedUpW = w.get(s.moeShared + ".up_proj.weight", {S, D});
        l.sharedDownW = w.get(s.moeShared + ".down_proj.weight", {D, S});
        if (s.moeSharedBias) {
            l.sharedGateB = w.get(s.moeShared + ".gate_proj.bias", {S});
            l.sharedUpB = w.get(s.moeShared + ".up_proj.bias", {S});
            l.sharedDownB = w.get(s.moeShared + ".down_proj.bias", {D});
        }
        if (!s.moeSharedGate.empty()) l.sharedScaleW = w.get(s.moeSharedGate + ".weight", {1, D});
    }
    l.routerW = s.routerInFp32 ? w.getFp32(s.moeRouter + ".weight", {s.experts, D})
                               : w.get(s.moeRouter + ".weight", {s.experts, D});
    if (!s.moeCorrectionBias.empty()) {
        std::string bias = s.moeRouter + "." + s.moeCorrectionBias;
        // ERNIE's checkpoints keep moe_statics beside the router, transformers' layout inside.
        if (s.moeCorrectionBiasRow && !w.has(bias)) {
            bias = s.moeRouter.substr(0, s.moeRouter.rfind('.') + 1) + s.moeCorrectionBias;
        }
        l.routerBias = s.moeCorrectionBiasRow ? w.getFp32(bias, {1, s.experts}).view({-1})
                                              : w.getFp32(bias, {s.experts});
    }
    if (!s.moeLayerCorrectionBias.empty())
        l.routerBias = w.getFp32(s.moeLayerCorrectionBias, {s.experts});
    if (s.moeRouterBias) {
        l.routerB = s.routerInFp32 ? w.getFp32(s.moeRouter + ".bias", {s.experts})
                                   : w.get(s.moeRouter + ".bias", {s.experts});
    }
    if (s.moeInterleavedGateUp && w.has(s.moeExperts + "gate_up_proj")) {
        loadInterleavedExperts(w, s, l);
        return l;
    }
    // The experts as 3-D tensors: GraniteMoE's input_linear/output_linear or transformers 5's
    // own layout; views of one expert each.
    const std::string gateUpName = s.moeFusedExperts ? "input_linear.weight" : "gate_up_proj";
    const std::string downName = s.moeFusedExperts ? "output_linear.weight" : "down_proj";
    if (s.moeExpertsInputMajor && w.has(s.moeExperts + gateUpName)) {
        const at::Tensor gateUp = w.get(s.moeExperts + gateUpName, {s.experts, D, 2 * I});
        const at::Tensor down = w.get(s.moeExperts + downName, {s.experts, I, D});
        for (int64_t e = 0; e < s.experts; ++e) {
            l.gateW.push_back(gateUp[e].narrow(1, 0, I).t());
            l.upW.push_back(gateUp[e].narrow(1, I, I).t());
            l.downW.push_back(down[e].t());
        }
        return l;
    }
    if (s.moeFusedExperts || w.has(s.moeExperts + gateUpName)) {
        const at::Tensor gateUp = w.get(s.moeExperts + gateUpName, {s.experts, 2 * I, D});
        const at::Tensor down = w.get(s.moeExperts + downName, {s.experts, D, I});
        for (int64_t e = 0; e < s.experts; ++e) {
            l.gateW.push_back(gateUp[e].narrow(0, 0, I));
            l.upW.push_back(gateUp[e].narrow(0, I, I));
            l.downW.push_back(down[e]);
        }
        return l;
    }
    if (w.has(s.moeExperts + s.moeGate + ".weight")) {
        // One 3-D tensor per projection (llama.cpp's ffn_gate_exps, ffn_up_exps,
        // ffn_down_exps).
        const auto stacked = [&](const std::string& name, int64_t rows, int64_t cols) {
            return w.get(s.moeExperts + name + ".weight", {s.experts, rows, cols});
        };
        const at::Tensor gate = stacked(s.moeGate, I, D), up = stacked(s.moeUp, I, D),
                         down = stacked(s.moeDown, D, I);
        at::Tensor gateB, upB, downB;
        if (s.moeExpertBias) {
            gateB = w.get(s.moeExperts + s.moeGate + ".bias", {s.experts, I});
            upB = w.get(s.moeExperts + s.moeUp + ".bias", {s.experts, I});
            downB = w.get(s.moeExperts + s.moeDown + ".bias", {s.experts, D});
        }
        for (int64_t e = 0; e < s.experts; ++e) {
            l.gateW.push_back(gate[e]);
            l.upW.push_back(up[e]);
            l.downW.push_back(down[e]);
            if (!s.moeExpertBias) continue;
            l.gateB.push_back(gateB[e]);
            l.upB.push_back(upB[e]);
            l.downB.push_back(downB[e]);
        }
        return l;
    }
    for (int64_t e = 0; e < s.experts; ++e) {
        const std::string prefix = s.moeExperts + std::to_string(e) + ".";
        l.gateW.push_back(w.get(prefix + s.moeGate + ".weight", {I, D}));
        l.upW.push_back(w.get(prefix + s.moeUp + ".weight", {I, D}));
        l.downW.push_back(w.get(prefix + s.moeDown + ".weight", {D, I}));
    }
    return l;
}

namespace {

// oneDNN builds (compiles) a product on the CPU anew for each new number of rows, which costs
// more than an expert's product of a few hundred rows; each expert's rows, rounded up with zero
// rows to a multiple of 32, make the shapes recur from batch to batch. libtorch's fp32 products
// on plain weights are MKL's, which compiles nothing.
int64_t recurringRows(const at::Tensor& x, const at::Tensor& weight, int64_t n) {
    if (!x.is_cpu() || (x.scalar_type() == at::kFloat && !weight.is_mkldnn())) return n;
    return (n + 31) / 32 * 32;
}

}  // namespace

// Top-k routing as transformers does it: softmax (or sigmoid) over all router logits in fp32, the k
// largest, chosen with the correction bias where there is one (renormalised to sum 1 with
// normTopk); each expert's output weighted in fp32 (or in the model's
// dtype), a token's k weighted outputs summed (in fp32 for a 16-bit model), as transformers'
// grouped experts do. The (token, choice) pairs are sorted by expert once, so that each chosen
// expert runs on one contiguous slice of them.
at::Tensor experts(const ExpertWeights& l, const ArchSpec& spec, const at::Tensor& x) {
    const at::Tensor flat = x.reshape({-1, x.size(-1)});
    const int64_t N = flat.size(0), K = spec.expertsPerToken;
    const at::Tensor routerLogits =
        spec.routerInFp32
            ? linear(flat.to(at::kFloat), l.routerW.to(at::kFloat),
                     l.routerB.defined() ? l.routerB.to(at::kFloat) : at::Tensor(), false)
            : linear(flat, l.routerW, l.routerB, false).to(at::kFloat);
    const bool sigmoid = spec.routerScoring == ArchSpec::RouterScoring::Sigmoid;
    const at::Tensor scores = sigmoid ? at::sigmoid(routerLogits) : at::softmax(routerLogits, -1);
    at::Tensor choice = l.routerBias.defined() ? scores + l.routerBias : scores;
    if (spec.expertGroups > 1) {
        // Only experts in the topkGroups groups of the best scores stay eligible.
        const int64_t G = spec.expertGroups, per = spec.experts / G;
        const at::Tensor ranks =
            std::get<0>(choice.view({N, G, per}).topk(spec.groupRankTop, -1)).sum(-1);
        const at::Tensor best = std::get<1>(ranks.topk(spec.topkGroups, -1));
        const at::Tensor groups =
            at::zeros({N, G}, choice.options().dtype(at::kBool)).scatter_(1, best, true);
        // DeepSeek-V2 zeroes the other experts' probabilities; the sigmoid routers exclude them.
        choice = choice.masked_fill(
            groups.unsqueeze(-1).expand({N, G, per}).reshape({N, -1}).logical_not(),
            sigmoid ? -INFINITY : 0.0);
    }
    auto [weights, chosen] = choice.topk(K, -1);
    if (sigmoid || l.routerBias.defined()) weights = scores.gather(1, chosen);
    if (spec.softmaxAfterTopk) {
        std::tie(weights, chosen) = routerLogits.topk(K, -1);
        weights = at::softmax(weights, -1);
    }
    if (spec.normTopk && spec.normTopkMin > 0) {
        weights = weights / weights.sum(-1, true).clamp_min(spec.normTopkMin);
    } else if (spec.normTopk) {
        weights = weights / (weights.sum(-1, true) + (sigmoid ? spec.sigmoidNormEps : 0.0));
    }
    if (spec.routedScale != 1.0) weights = weights * spec.routedScale;
    if (spec.routedInModelDtype) weights = weights.to(flat.scalar_type());

    // Pair p = token * K + choice, sorted by expert (stably: each expert sees its tokens in order).
    const at::Tensor pairExperts = chosen.reshape({-1});
    const at::Tensor order = std::get<1>(pairExperts.sort(/*stable=*/true, 0, false));
    const at::Tensor counts = at::bincount(pairExperts, {}, spec.experts).cpu();
    const int64_t* perExpert = counts.data_ptr<int64_t>();
    at::Tensor routed = flat.index_select(0, at::div(order, K, "floor"));
    const at::Tensor pairWeights = weights.reshape({-1}).index_select(0, order).unsqueeze(1);
    // Llama-4 scales each expert's input by its weight (rounded to the model's dtype).
    if (spec.moeScaleInput) routed = routed * pairWeights.to(routed.scalar_type());
    std::vector<at::Tensor> outputs;
    int64_t start = 0;
    for (int64_t e = 0; e < spec.experts; ++e) {
        const int64_t n = perExpert[e];
        if (n == 0) continue;
        at::Tensor xe = routed.narrow(0, start, n);
        const int64_t rows = recurringRows(xe, l.gateW[static_cast<size_t>(e)], n);
        if (rows > n) xe = at::cat({xe, at::zeros({rows - n, xe.size(1)}, xe.options())});
        const size_t i = static_cast<size_t>(e);
        const auto bias = [&](const std::vector<at::Tensor>& b) {
            return b.empty() ? at::Tensor() : b[i];
        };
        const at::Tensor h = gatedActivation(spec, linear(xe, l.gateW[i], bias(l.gateB), false),
                                             linear(xe, l.upW[i], bias(l.upB), false));
        outputs.push_back(linear(h, l.downW[i], bias(l.downB), false).narrow(0, 0, n));
        start += n;
    }
    const at::Tensor rows = at::cat(outputs);
    const at::Tensor rowWeights = spec.moeScaleInput ? at::Tensor() : pairWeights.view({-1});
    at::Tensor out = weightedExpertSum(rows, order, rowWeights, K);
    if (!out.defined()) {
        // Back to pair order (unique indices: deterministic on a GPU too), then each token's sum.
        const at::Tensor weighted = rowWeights.defined() ? rows * pairWeights : rows;
        out = at::empty_like(weighted)
                  .index_copy_(0, order, weighted)
                  .view({N, K, flat.size(1)})
                  .sum(1);
    }
    out = out.to(flat.scalar_type());
    if (l.sharedGateW.defined()) {
        at::Tensor shared =
            linear(activate(spec.activation, linear(flat, l.sharedGateW, l.sharedGateB, false)) *
                       linear(flat, l.sharedUpW, l.sharedUpB, false),
                   l.sharedDownW, l.sharedDownB, false);
        if (l.sharedScaleW.defined())
            shared = at::sigmoid(at::linear(flat, l.sharedScaleW)) * shared;
        out = out + shared;
    }
    return out.view(x.sizes());
}

}  // namespace llmap::blocks

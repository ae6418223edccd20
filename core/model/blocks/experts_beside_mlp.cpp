#include "model/blocks/experts_beside_mlp.h"

#include <cmath>

#include "model/blocks.h"
#include "model/blocks/unweighted_rms_norm.h"

namespace llmap::blocks {

at::Tensor expertsBesideMlp(const ExpertsBesideMlp& w, const at::Tensor& x, const at::Tensor& mlp,
                            int64_t k, double eps, Activation activation,
                            const WeightedNorm& norm) {
    const at::Tensor flat = x.reshape({-1, x.size(-1)});
    const int64_t N = flat.size(0), experts = w.gateUp.size(0);
    const double hidden = static_cast<double>(flat.size(1));
    const at::Tensor routed =
        unweightedRmsNorm(flat, eps) * w.routerScale * (1.0 / std::sqrt(hidden));
    const at::Tensor probs = at::softmax(at::linear(routed, w.router).to(at::kFloat), -1);
    auto [weights, chosen] = probs.topk(k, -1);
    weights = weights / weights.sum(-1, true) *
              w.expertScale.index_select(0, chosen.reshape({-1})).view({N, k}).to(at::kFloat);

    const at::Tensor in = norm(flat, w.preNorm);
    at::Tensor out = at::zeros({N, flat.size(1)}, flat.options().dtype(at::kFloat));
    // Pair p = token * k + choice, sorted by expert once (stably: each expert's in order), with
    // one copy of the counts to the host rather than a wait for a GPU per expert.
    const at::Tensor pairExperts = chosen.reshape({-1});
    const at::Tensor order = std::get<1>(pairExperts.sort(/*stable=*/true, 0, false));
    const at::Tensor counts = at::bincount(pairExperts, {}, experts).cpu();
    const int64_t* perExpert = counts.data_ptr<int64_t>();
    int64_t start = 0;
    for (int64_t e = 0; e < experts; ++e) {
        const int64_t n = perExpert[e];
        if (n == 0) continue;
        const at::Tensor pairs = order.narrow(0, start, n);
        start += n;
        const at::Tensor tokens = at::div(pairs, k, "floor");
        const auto gateUp = at::linear(in.index_select(0, tokens), w.gateUp[e]).chunk(2, -1);
        const at::Tensor h = at::linear(activate(activation, gateUp[0]) * gateUp[1], w.down[e]);
        out.index_add_(
            0, tokens,
            h.to(at::kFloat) * weights.reshape({-1}).index_select(0, pairs).unsqueeze(1));
    }
    const at::Tensor moe = norm(out.to(flat.scalar_type()).view(x.sizes()), w.postNorm);
    return norm(mlp, w.mlpPostNorm) + moe;
}

}  // namespace llmap::blocks

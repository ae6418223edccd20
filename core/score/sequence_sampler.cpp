#include "score/sequence_sampler.h"

#include <algorithm>
#include <cmath>

#include "model/causal_lm.h"
#include "text/sampling.h"

namespace llmap {

int64_t drawCategorical(const float* logits, int64_t vocab, double u) {
    double top = -INFINITY;
    for (int64_t v = 0; v < vocab; ++v) top = std::max(top, static_cast<double>(logits[v]));
    std::vector<double> cumulative(static_cast<size_t>(vocab));
    double total = 0;
    for (int64_t v = 0; v < vocab; ++v) {
        total += std::exp(static_cast<double>(logits[v]) - top);
        cumulative[static_cast<size_t>(v)] = total;
    }
    const double target = u * total;
    const auto it = std::upper_bound(cumulative.begin(), cumulative.end(), target);
    return std::min<int64_t>(vocab - 1, it - cumulative.begin());
}

std::vector<SampledSequence> sampleSequences(const CausalLM& lm, const std::vector<int32_t>& prefix,
                                             const std::vector<int32_t>& eos,
                                             const SamplingOptions& options) {
    std::vector<SampledSequence> out(static_cast<size_t>(std::max<int64_t>(0, options.samples)));
    const int64_t batch = std::max<int64_t>(1, options.batch);
    const int64_t P = static_cast<int64_t>(prefix.size());
    const auto isEos = [&](int64_t id) {
        return std::find(eos.begin(), eos.end(), static_cast<int32_t>(id)) != eos.end();
    };
    for (size_t start = 0; start < out.size(); start += static_cast<size_t>(batch)) {
        const size_t B = std::min(out.size() - start, static_cast<size_t>(batch));
        std::vector<SplitMix64> rngs;
        for (size_t b = 0; b < B; ++b) {
            // Seeds of neighbouring sequences far apart in SplitMix64's own sequence.
            rngs.emplace_back(options.seed ^ ((start + b + 1) * 0x9E3779B97F4A7C15ULL));
            out[start + b].ids = prefix;
        }
        at::Tensor next = at::empty({static_cast<int64_t>(B), P}, at::kLong);
        for (size_t b = 0; b < B; ++b)
            for (int64_t t = 0; t < P; ++t)
                next.accessor<int64_t, 2>()[static_cast<int64_t>(b)][t] =
                    prefix[static_cast<size_t>(t)];
        DecodeState state;
        std::vector<bool> done(B, options.maxTokens <= 0);
        for (int64_t step = 0; step < options.maxTokens; ++step) {
            if (options.cancel && options.cancel->cancelled()) {
                out.resize(start);
                return out;
            }
            const at::Tensor logits = lm.decodeStep(state, next).contiguous();
            const int64_t V = logits.size(1);
            next = at::empty({static_cast<int64_t>(B), 1}, at::kLong);
            auto nextIds = next.accessor<int64_t, 2>();
            bool any = false;
            for (size_t b = 0; b < B; ++b) {
                const double u = static_cast<double>(rngs[b].next() >> 11) * 0x1.0p-53;
                const int64_t id =
                    drawCategorical(logits.data_ptr<float>() + static_cast<int64_t>(b) * V, V, u);
                nextIds[static_cast<int64_t>(b)][0] = id;
                if (done[b]) continue;
                out[start + b].ids.push_back(static_cast<int32_t>(id));
                if (isEos(id)) {
                    out[start + b].endedWithEos = true;
                    done[b] = true;
                } else if (step + 1 == options.maxTokens) {
                    done[b] = true;
                }
                any = any || !done[b];
            }
            if (!any) break;
        }
        if (options.onBatch) options.onBatch(start + B);
    }
    return out;
}

std::vector<double> sequenceLogProbs(const CausalLM& lm,
                                     const std::vector<std::vector<int32_t>>& sequences,
                                     int64_t batch) {
    std::vector<double> out(sequences.size(), 0.0);
    const size_t step = static_cast<size_t>(std::max<int64_t>(1, batch));
    for (size_t start = 0; start < sequences.size(); start += step) {
        const size_t B = std::min(sequences.size() - start, step);
        size_t T = 2;
        for (size_t b = 0; b < B; ++b) T = std::max(T, sequences[start + b].size());
        at::Tensor ids = at::zeros({static_cast<int64_t>(B), static_cast<int64_t>(T)}, at::kLong);
        at::Tensor mask = at::zeros_like(ids);
        auto idsAt = ids.accessor<int64_t, 2>();
        auto maskAt = mask.accessor<int64_t, 2>();
        for (size_t b = 0; b < B; ++b) {
            const auto& s = sequences[start + b];
            for (size_t t = 0; t < s.size(); ++t) {
                idsAt[static_cast<int64_t>(b)][static_cast<int64_t>(t)] = s[t];
                maskAt[static_cast<int64_t>(b)][static_cast<int64_t>(t)] = 1;
            }
        }
        const at::Tensor lp = lm.nextTokenLogProbs(ids, mask).to(at::kDouble).sum(1).contiguous();
        for (size_t b = 0; b < B; ++b) out[start + b] = lp.data_ptr<double>()[b];
    }
    return out;
}

}  // namespace llmap

#pragma once
// Drawing token sequences from a model (ancestral sampling at temperature 1 over the full
// vocabulary) and scoring sequences under a model: the two halves of the sampled KL check
// (sample_kl.h). No torch in this header.
#include <cstdint>
#include <functional>
#include <vector>

#include "score/progress.h"

namespace llmap {

class CausalLM;

struct SamplingOptions {
    int64_t samples = 256;
    int64_t maxTokens = 256;  // new tokens per sequence at most (the prefix not counted)
    uint64_t seed = 42;
    int64_t batch = 16;  // sequences decoded together
    // Called after each batch with the sequences drawn so far; looked at before every step: once
    // cancelled, the sequences of the finished batches are returned.
    std::function<void(size_t drawn)> onBatch;
    const CancelToken* cancel = nullptr;
};

struct SampledSequence {
    std::vector<int32_t> ids;  // the prefix, then the drawn tokens (a drawn EOS included)
    bool endedWithEos = false;
};

// `samples` sequences, each the prefix followed by tokens drawn one at a time from
// softmax(logits), computed in fp64 on the host over the whole vocabulary, until a token of `eos`
// (kept) or maxTokens new tokens. Sequence i draws its uniforms from SplitMix64(seed mixed with
// i), so the result does not depend on the batch size. A batch decodes (with the model's key/value
// cache) until every one of its sequences has stopped; the draws of stopped ones are ignored.
std::vector<SampledSequence> sampleSequences(const CausalLM& lm, const std::vector<int32_t>& prefix,
                                             const std::vector<int32_t>& eos,
                                             const SamplingOptions& options);

// One categorical draw from fp64 probabilities proportional to exp(logits - max) with the uniform
// u in [0, 1): the first index whose cumulative mass exceeds u times the total.
int64_t drawCategorical(const float* logits, int64_t vocab, double u);

// Per sequence: sum over t >= 1 of log p(ids[t] | ids[0..t-1]) in nats (CausalLM::
// nextTokenLogProbs on right-padded batches of `batch` sequences). Sequences of one id give 0.
std::vector<double> sequenceLogProbs(const CausalLM& lm,
                                     const std::vector<std::vector<int32_t>>& sequences,
                                     int64_t batch = 16);

}  // namespace llmap

#pragma once
// The sampled (Monte-Carlo) check of the map's KL estimate: draw sequences from model A, score
// them under A and B, and average log p_A - log p_B (llmap-cli sample-kl). No torch here.
//
// Tokenizers: when A and B share the vocabulary (every id decodes alike) and put the same token
// first, B scores A's token sequences as drawn: the estimate is KL between the two models'
// distributions over token sequences. Otherwise each sample is decoded to text and B scores that
// text in its own "full" convention (its first token, the text's ids without special tokens, and
// its EOS when A's sample ended with EOS): the estimate is then between text distributions, with
// A's log-probability of its own token sequence (not summed over other tokenisations of the text).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "analysis/sampled_kl.h"
#include "score/progress.h"

namespace llmap {

struct SampleKlOptions {
    std::string modelA, modelB;  // model folders or GGUF files
    int64_t samples = 256;
    int64_t maxTokens = 256;  // new tokens per sample; more than A's context allows is lowered
    uint64_t seed = 42;
    std::string device = "auto";  // as llmap-cli score: auto, cpu, cuda, cuda:N
    std::string dtype = "auto";   // auto (fp32 on the CPU, bf16 on a GPU), fp32, bf16, fp16
    int64_t batch = 16;           // sequences decoded and scored together
    // Called on the working thread after each batch of samples drawn (done of `samples`).
    std::function<void(size_t done, size_t total)> progress;
    const CancelToken* cancel = nullptr;  // looked at between decoding steps
};

struct SampleKlResult {
    SampledKl kl;
    bool sharedTokenizer = true;
    bool sameModel = false;      // A and B are the same file: KL is 0 by construction
    int64_t maxTokens = 0;       // as used (after lowering to A's context)
    size_t endedWithEos = 0;     // samples that stopped at an EOS token
    double meanTokens = 0;       // drawn tokens per sample (EOS included)
    bool cachedDecoding = true;  // A decoded with its key/value cache throughout
    double sampleSeconds = 0, scoreSeconds = 0;
    std::string device, dtype;
    std::vector<std::string> notes;  // what the user should know (lowered limits, no EOS, ...)
    bool cancelled = false;          // stopped by the cancel token: nothing else is set
};

// InputError: a model that cannot be read or has no token to start from (BOS, <|endoftext|> or
// EOS), samples or maxTokens below 1, a re-tokenised sample longer than B's context.
SampleKlResult runSampleKl(const SampleKlOptions& options);

// A's EOS ids: config.json's (and text_config's), generation_config.json's (one or a list) and
// the tokenizer's. Empty when it has none: then every sample runs to maxTokens.
std::vector<int32_t> eosTokenIds(const std::string& modelPath);

}  // namespace llmap

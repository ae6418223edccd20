// Benchmark aid (not a test): where the time of one scoring batch goes, per libtorch operator.
// Usage: profile_forward DIR [batch] [tokens] [trace.json]. Runs nextTokenLogProbs once to warm
// up, then once under libtorch's profiler, and prints the operators by total time.
#include <torch/csrc/autograd/profiler_legacy.h>

#include <chrono>
#include <cstdlib>
#include <iostream>

#include "model/causal_lm.h"
#include "util/error.h"

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: profile_forward DIR [batch] [tokens] [trace.json]\n";
        return 2;
    }
    const int64_t batch = argc > 2 ? std::atoll(argv[2]) : 8;
    const int64_t tokens = argc > 3 ? std::atoll(argv[3]) : 256;
    const std::string trace = argc > 4 ? argv[4] : "forward_trace.json";
    try {
        const auto lm = llmap::CausalLM::load(argv[1]);
        at::manual_seed(0);
        const at::Tensor ids = at::randint(lm->spec().vocab, {batch, tokens}, at::kLong);
        const at::Tensor mask = at::ones_like(ids);
        lm->nextTokenLogProbs(ids, mask);
        auto start = std::chrono::steady_clock::now();
        lm->nextTokenLogProbs(ids, mask);
        const double plain =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        {
            torch::autograd::profiler::RecordProfile guard(trace);
            lm->nextTokenLogProbs(ids, mask);
        }
        std::cout << batch << "x" << tokens << " tokens: " << plain * 1000 << " ms, "
                  << static_cast<double>(batch * tokens) / plain << " tokens/s; trace in "
                  << trace << "\n";
    } catch (const llmap::Error& e) {
        std::cerr << e.message() << "\n";
        return 2;
    }
    return 0;
}

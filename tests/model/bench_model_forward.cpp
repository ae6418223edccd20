// Benchmark (not a test): tokens per second of nextTokenLogProbs on random token ids.
// Usage: bench_model_forward DIR [batch] [tokens] [repeats] [dtype]. Compare with
// tests/oracle/model/bench_transformers.py on the same folder, same machine, same threads.
#include <chrono>
#include <cstdlib>
#include <iostream>

#include "model/causal_lm.h"
#include "util/error.h"

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: bench_model_forward DIR [batch] [tokens] [repeats] [dtype]\n";
        return 2;
    }
    const int64_t batch = argc > 2 ? std::atoll(argv[2]) : 4;
    const int64_t tokens = argc > 3 ? std::atoll(argv[3]) : 256;
    const int repeats = argc > 4 ? std::atoi(argv[4]) : 3;
    try {
        llmap::LoadOptions options;
        if (argc > 5) options.dtype = argv[5];
        const auto load0 = std::chrono::steady_clock::now();
        const auto lm = llmap::CausalLM::load(argv[1], options);
        const double loadMs =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - load0)
                .count();
        at::manual_seed(0);
        const at::Tensor ids = at::randint(lm->spec().vocab, {batch, tokens}, at::kLong);
        const at::Tensor mask = at::ones_like(ids);
        lm->nextTokenLogProbs(ids, mask);  // warm-up
        const auto start = std::chrono::steady_clock::now();
        double checksum = 0;
        for (int i = 0; i < repeats; ++i) {
            checksum += lm->nextTokenLogProbs(ids, mask).sum().item<double>();
        }
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() /
            repeats;
        std::cout << "load " << loadMs << " ms (copied " << lm->copiedBytes() << " bytes); "
                  << batch << "x" << tokens << " tokens: " << s * 1000 << " ms, "
                  << static_cast<double>(batch * tokens) / s << " tokens/s (checksum "
                  << checksum / repeats << ")\n";
    } catch (const llmap::Error& e) {
        std::cerr << e.message() << "\n";
        return 2;
    }
    return 0;
}

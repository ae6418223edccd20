// Benchmark (not a test): time readModelInfo on a model folder.
// Usage: bench_model_info DIR [repeats]. Make a 10-shard folder with
// tests/oracle/model/make_bench_folder.py.
#include <chrono>
#include <cstdlib>
#include <iostream>

#include "model/model_info.h"
#include "util/error.h"

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: bench_model_info DIR [repeats]\n";
        return 2;
    }
    const int repeats = argc > 2 ? std::atoi(argv[2]) : 20;
    try {
        llmap::readModelInfo(argv[1]);  // warm the page cache
        const auto start = std::chrono::steady_clock::now();
        llmap::ModelInfo info;
        for (int i = 0; i < repeats; ++i) info = llmap::readModelInfo(argv[1]);
        const double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                .count() /
            repeats;
        std::cout << info.weightFiles << " weight files, " << info.parameters
                  << " parameters: " << ms << " ms per readModelInfo\n";
    } catch (const llmap::Error& e) {
        std::cerr << e.message() << "\n";
        return 2;
    }
    return 0;
}

#pragma once
// A deterministic parallel loop: the range is cut into a fixed number of chunks whatever the
// number of cores, so per-chunk partial sums combined in chunk order give the same result on
// every machine.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <functional>
#include <thread>
#include <vector>

namespace llmap {

constexpr size_t kParallelChunks = 16;

// Threads parallelChunks runs on: 0 (the default) is one per core. Results do not depend on it.
inline std::atomic<size_t>& parallelThreads() {
    static std::atomic<size_t> threads{0};
    return threads;
}

// Calls body(chunk, begin, end) for kParallelChunks consecutive pieces of [0, n), on one thread
// when n < serialBelow.
inline void parallelChunks(size_t n, const std::function<void(size_t, size_t, size_t)>& body,
                           size_t serialBelow = 64) {
    const size_t wanted = parallelThreads().load();
    const size_t threads = std::max<size_t>(
        1, std::min<size_t>(wanted > 0 ? wanted : std::thread::hardware_concurrency(),
                            kParallelChunks));
    auto range = [n](size_t c) {
        return std::make_pair(n * c / kParallelChunks, n * (c + 1) / kParallelChunks);
    };
    if (threads == 1 || n < serialBelow) {
        for (size_t c = 0; c < kParallelChunks; ++c) body(c, range(c).first, range(c).second);
        return;
    }
    std::vector<std::thread> pool;
    for (size_t t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            for (size_t c = t; c < kParallelChunks; c += threads) {
                body(c, range(c).first, range(c).second);
            }
        });
    }
    for (auto& th : pool) th.join();
}

}  // namespace llmap

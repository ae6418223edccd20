#include "text/sampling.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace llmap {

uint64_t SplitMix64::next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

uint64_t SplitMix64::below(uint64_t n) {
    // Accept x < 2^64 - (2^64 mod n): the accepted range is a whole multiple of n.
    const uint64_t lastAccepted = UINT64_MAX - (UINT64_MAX % n + 1) % n;
    while (true) {
        const uint64_t x = next();
        if (x <= lastAccepted) return x % n;
    }
}

std::vector<size_t> sampleIndices(size_t n, size_t k, SplitMix64& rng) {
    if (k > n) throw std::invalid_argument("sampleIndices: k > n");
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), size_t{0});
    for (size_t i = 0; i < k; ++i) {
        const size_t j = i + static_cast<size_t>(rng.below(n - i));
        std::swap(order[i], order[j]);
    }
    order.resize(k);
    std::sort(order.begin(), order.end());
    return order;
}

}  // namespace llmap

#pragma once
// Seeded sampling that gives the same result on every platform and compiler (the standard
// library's distributions do not promise that).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace llmap {

// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and easy to reproduce in any language.
class SplitMix64 {
public:
    explicit SplitMix64(uint64_t seed) : state_(seed) {}
    uint64_t next();
    // Uniform in [0, n) without modulo bias (rejection of the incomplete top range); n > 0.
    uint64_t below(uint64_t n);

private:
    uint64_t state_;
};

// k distinct indices from [0, n), uniformly, in increasing order: the first k steps of a
// Fisher-Yates shuffle of 0..n-1 (step i swaps position i with i + below(n - i)), then sorted.
// Requires k <= n.
std::vector<size_t> sampleIndices(size_t n, size_t k, SplitMix64& rng);

}  // namespace llmap

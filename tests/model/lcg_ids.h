#pragma once
// Deterministic token ids for the decoding tests, the same sequence that
// tests/oracle/model/generate_families_qwen3next.py (lcg_ids) gives transformers.
#include <ATen/ATen.h>

#include <cstdint>

// [rows, tokens] ids in [0, vocab) from a 64-bit linear congruential generator seeded with `seed`.
inline at::Tensor lcgIds(uint64_t seed, int64_t rows, int64_t tokens, int64_t vocab) {
    at::Tensor ids = at::empty({rows, tokens}, at::kLong);
    uint64_t state = seed;
    for (int64_t i = 0; i < ids.numel(); ++i) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        ids.view({-1})[i] = static_cast<int64_t>((state >> 33) % static_cast<uint64_t>(vocab));
    }
    return ids;
}

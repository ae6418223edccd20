#pragma once
// Groups texts into forward passes: longest first (an out-of-memory shows up at once), each batch
// right-padded to its first text's length and kept under a budget of padded tokens and a share of
// padding (padding is work thrown away; on a CPU a batch of one long text already keeps the matrix
// units busy, so a batch ends where the padding would pass that share).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace llmap {

struct BatchLimits {
    int64_t tokens = 4096;  // batch size x padded length at most (one text always fits)
    int64_t texts = 0;      // texts per batch at most; 0 = no limit
    double padding = 0.1;   // share of a batch's padded tokens that may be padding; 1 = any
};

// Text positions (indices into `lengths`) sorted by descending length, ties by position.
std::vector<size_t> longestFirst(const std::vector<int64_t>& lengths);

// How many of order[from...] go into the next batch under `limits` (at least 1).
size_t nextBatchSize(const std::vector<int64_t>& lengths, const std::vector<size_t>& order,
                     size_t from, const BatchLimits& limits);

}  // namespace llmap

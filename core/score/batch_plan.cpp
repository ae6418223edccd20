#include "score/batch_plan.h"

#include <algorithm>
#include <limits>
#include <numeric>

namespace llmap {

std::vector<size_t> longestFirst(const std::vector<int64_t>& lengths) {
    std::vector<size_t> order(lengths.size());
    std::iota(order.begin(), order.end(), size_t(0));
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return lengths[a] > lengths[b]; });
    return order;
}

size_t nextBatchSize(const std::vector<int64_t>& lengths, const std::vector<size_t>& order,
                     size_t from, const BatchLimits& limits) {
    if (from >= order.size()) return 0;
    const int64_t padded = std::max<int64_t>(1, lengths[order[from]]);
    if (limits.packed) {
        const int64_t most = limits.texts > 0 ? limits.texts : std::numeric_limits<int64_t>::max();
        int64_t n = 0, real = 0;
        while (from + static_cast<size_t>(n) < order.size() && n < most) {
            const int64_t length = lengths[order[from + static_cast<size_t>(n)]];
            if (n > 0 && (real + length > limits.tokens ||
                          padded * (n + 1) > kPackedPositions * limits.tokens)) {
                break;
            }
            real += length;
            ++n;
        }
        return static_cast<size_t>(n);
    }
    int64_t count = std::max<int64_t>(1, limits.tokens / padded);
    if (limits.texts > 0) count = std::min(count, limits.texts);
    count = std::min<int64_t>(count, static_cast<int64_t>(order.size() - from));
    int64_t real = 0;
    for (int64_t n = 0; n < count; ++n) {
        real += lengths[order[from + static_cast<size_t>(n)]];
        const double total = static_cast<double>(padded * (n + 1));
        if (n > 0 && static_cast<double>(padded * (n + 1) - real) > limits.padding * total) {
            return static_cast<size_t>(n);
        }
    }
    return static_cast<size_t>(count);
}

bool BatchBudget::halve(size_t texts) {
    if (texts <= 1) return false;
    if (grown_) stopped_ = true;
    grown_ = false;
    now_.texts = static_cast<int64_t>(texts / 2);
    now_.tokens = std::max<int64_t>(1, now_.tokens / 2);
    successes_ = 0;
    ++halvings_;
    return true;
}

void BatchBudget::succeeded() {
    if (stopped_ || now_.tokens >= start_.tokens || ++successes_ < kGrowAfter) return;
    successes_ = 0;
    grown_ = true;
    now_.tokens = std::min(start_.tokens, now_.tokens * 2);
    now_.texts = now_.tokens == start_.tokens ? start_.texts : now_.texts * 2;
}

}  // namespace llmap

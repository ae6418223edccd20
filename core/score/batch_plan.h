#pragma once
// Groups texts into forward passes: longest first (an out-of-memory shows up at once), each batch
// right-padded to its first text's length and kept under a budget of padded tokens and a share of
// padding (padding is work thrown away; on a CPU a batch of one long text already keeps the matrix
// units busy, so a batch ends where the padding would pass that share), or, where the model packs
// the texts of a batch, under a budget of real tokens.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace llmap {

struct BatchLimits {
    int64_t tokens = 4096;  // batch size x padded length at most (one text always fits)
    int64_t texts = 0;      // texts per batch at most; 0 = no limit
    double padding = 0.1;   // share of a batch's padded tokens that may be padding; 1 = any
    // The model packs each batch's real tokens (CausalLM::packsTexts): `tokens` counts real
    // tokens, padding costs nothing and `padding` does not apply; the padded batch stays within
    // kPackedPositions x tokens positions, as the masks and the output still have that shape.
    bool packed = false;
};
inline constexpr int64_t kPackedPositions = 4;

// The share of padding a batch may hold unless asked otherwise. fp32 products on a CPU run as fast
// per token on one text as on many, so there padding is only work thrown away; a GPU, and bf16 or
// fp16 products on a CPU (AMX, AVX512-BF16), run wide batches faster. Measured on an Intel CPU with
// AMX: bf16 at 10 % padding ran 1.11-1.12x as fast as at 1 %; fp32 at 1 % 1.00-1.13x as at 10 %.
inline double defaultPadding(bool cpuFp32) {
    return cpuFp32 ? 0.01 : 0.1;
}

// Real tokens per packed batch on a CPU unless asked otherwise. bf16 and fp16 products (AMX,
// AVX512-BF16) run faster the wider they are. fp32 products gain up to about a thousand rows and
// lose beyond, as the activations leave the cache. Measured on an Intel CPU with AMX, 96 texts,
// packed to 1,024 real tokens against one text per pass: SmolLM2's short texts 1.18x as fast,
// longer texts 0.98-1.06x; packed to 4,096: 0.91-0.96x. A mixture of experts gives each expert
// only a share of the rows (2 of 8 for Mixtral): its fp32 batches of 4,096 ran 1.24-1.46x as fast
// as of 1,024.
inline int64_t cpuPackedTokens(bool fp32, bool experts) {
    return fp32 && !experts ? 1024 : 4096;
}

// Text positions (indices into `lengths`) sorted by descending length, ties by position.
std::vector<size_t> longestFirst(const std::vector<int64_t>& lengths);

// How many of order[from...] go into the next batch under `limits` (at least 1).
size_t nextBatchSize(const std::vector<int64_t>& lengths, const std::vector<size_t>& order,
                     size_t from, const BatchLimits& limits);

// The limits of a run as they adapt to memory: an out-of-memory halves the batch; after
// kGrowAfter batches in a row that fit, they double again, up to where they started (texts come
// longest first, so later batches need less memory per token). An out-of-memory after such a
// growth stops the growing for the rest of the run.
class BatchBudget {
public:
    static constexpr int kGrowAfter = 16;
    explicit BatchBudget(const BatchLimits& start) : start_(start), now_(start) {}
    const BatchLimits& limits() const { return now_; }
    // After an out-of-memory on a batch of `texts` texts. False when one text per batch was
    // already too much: nothing smaller can be tried.
    bool halve(size_t texts);
    void succeeded();
    int halvings() const { return halvings_; }

private:
    BatchLimits start_, now_;
    int successes_ = 0;
    int halvings_ = 0;
    bool grown_ = false;    // the budget grew since the last out-of-memory
    bool stopped_ = false;  // it grew and ran out of memory again: no more growing
};

}  // namespace llmap

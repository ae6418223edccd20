#pragma once
// The Monte-Carlo estimate of KL(A||B) from sequences drawn from A: the mean over the samples of
// log p_A(x) - log p_B(x), per sequence and per byte of the samples' text.
#include <cstddef>
#include <vector>

namespace llmap {

struct SampledKl {
    size_t samples = 0;
    double natsPerSequence = 0;  // mean of d_i = log p_A(x_i) - log p_B(x_i)
    double natsStdErr = 0;       // std(d) / sqrt(n), std with n - 1 (NaN for one sample)
    // Ratio estimator R = sum d_i / (ln 2 * sum b_i) over the UTF-8 bytes b_i of each sample;
    // its standard error by the delta method: sqrt(sum (d_i - R' b_i)^2 / (n (n - 1))) /
    // (ln 2 * mean b) with R' = sum d / sum b (NaN for one sample or no bytes at all).
    double bitsPerByte = 0;
    double bitsPerByteStdErr = 0;
    double meanBytes = 0;
};

// logA, logB: nats per sample; bytes: UTF-8 bytes of each sample's text. InputError when the
// three differ in length or are empty.
SampledKl estimateSampledKl(const std::vector<double>& logA, const std::vector<double>& logB,
                            const std::vector<double>& bytes);

}  // namespace llmap

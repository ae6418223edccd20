#include "analysis/sampled_kl.h"

#include <cmath>
#include <limits>

#include "util/error.h"

namespace llmap {

SampledKl estimateSampledKl(const std::vector<double>& logA, const std::vector<double>& logB,
                            const std::vector<double>& bytes) {
    if (logA.size() != logB.size() || logA.size() != bytes.size() || logA.empty()) {
        throw InputError("the sampled KL needs one log p_A, log p_B and byte count per sample",
                         "estimateSampledKl", "pass vectors of the same, non-zero length");
    }
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const size_t n = logA.size();
    const double nd = static_cast<double>(n);
    SampledKl out;
    out.samples = n;
    double sumD = 0, sumB = 0;
    for (size_t i = 0; i < n; ++i) {
        sumD += logA[i] - logB[i];
        sumB += bytes[i];
    }
    out.natsPerSequence = sumD / nd;
    out.meanBytes = sumB / nd;
    double squares = 0, residuals = 0;
    const double ratio = sumB > 0 ? sumD / sumB : nan;
    for (size_t i = 0; i < n; ++i) {
        const double d = logA[i] - logB[i];
        squares += (d - out.natsPerSequence) * (d - out.natsPerSequence);
        residuals += (d - ratio * bytes[i]) * (d - ratio * bytes[i]);
    }
    out.natsStdErr = n > 1 ? std::sqrt(squares / (nd - 1) / nd) : nan;
    out.bitsPerByte = ratio / std::log(2.0);
    out.bitsPerByteStdErr =
        n > 1 && sumB > 0 ? std::sqrt(residuals / (nd * (nd - 1))) / (std::log(2.0) * out.meanBytes)
                          : nan;
    return out;
}

}  // namespace llmap

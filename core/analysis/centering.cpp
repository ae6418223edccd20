#include "analysis/centering.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "util/error.h"

namespace llmap {

double globalQuantile(const Eigen::MatrixXd& m, double q) {
    // Exact, without copying the matrix: a histogram pass finds the bucket holding the order
    // statistics needed, a second pass collects that bucket only.
    const double* data = m.data();
    const auto size = static_cast<size_t>(m.size());
    size_t count = 0;
    double lowest = std::numeric_limits<double>::infinity();
    double highest = -lowest;
    for (size_t i = 0; i < size; ++i) {
        if (!std::isfinite(data[i])) continue;
        ++count;
        lowest = std::min(lowest, data[i]);
        highest = std::max(highest, data[i]);
    }
    if (count == 0) throw InputError("no finite scores to take a quantile of");
    const double pos = q * static_cast<double>(count - 1);
    const auto lo = static_cast<size_t>(std::floor(pos));
    const size_t hi = std::min(lo + 1, count - 1);
    if (lowest == highest) return lowest;

    const size_t buckets = 1 << 16;
    const double scale = static_cast<double>(buckets) / (highest - lowest);
    auto bucketOf = [&](double v) {
        return std::min(buckets - 1, static_cast<size_t>((v - lowest) * scale));
    };
    std::vector<size_t> histogram(buckets, 0);
    for (size_t i = 0; i < size; ++i) {
        if (std::isfinite(data[i])) ++histogram[bucketOf(data[i])];
    }
    // Buckets [first, last] hold ranks lo..hi; `before` values lie in lower buckets.
    size_t first = 0, before = 0;
    while (before + histogram[first] <= lo) before += histogram[first++];
    size_t last = first, upTo = before + histogram[first];
    while (upTo <= hi) upTo += histogram[++last];
    std::vector<double> values;
    values.reserve(upTo - before);
    for (size_t i = 0; i < size; ++i) {
        if (!std::isfinite(data[i])) continue;
        const size_t b = bucketOf(data[i]);
        if (b >= first && b <= last) values.push_back(data[i]);
    }
    std::sort(values.begin(), values.end());
    const double a = values[lo - before];
    const double b = values[hi - before];
    return a + (pos - static_cast<double>(lo)) * (b - a);
}

Eigen::MatrixXd clipBelow(const Eigen::MatrixXd& m, double threshold) {
    return m.array().max(threshold).matrix();
}

Eigen::MatrixXd doubleCentre(const Eigen::MatrixXd& l) {
    Eigen::MatrixXd q = l;
    doubleCentreInPlace(q);
    return q;
}

void doubleCentreInPlace(Eigen::MatrixXd& l) {
    Eigen::VectorXd rowMean = l.rowwise().mean();
    Eigen::RowVectorXd colMean = l.colwise().mean();
    double mean = l.mean();
    for (Eigen::Index j = 0; j < l.cols(); ++j) {
        l.col(j).array() -= rowMean.array() + (colMean(j) - mean);
    }
}

}  // namespace llmap

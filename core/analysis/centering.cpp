#include "analysis/centering.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "util/error.h"

namespace llmap {

double globalQuantile(const Eigen::MatrixXd& m, double q) {
    std::vector<double> values;
    values.reserve(static_cast<size_t>(m.size()));
    for (Eigen::Index i = 0; i < m.size(); ++i) {
        if (std::isfinite(m.data()[i])) values.push_back(m.data()[i]);
    }
    if (values.empty()) throw InputError("no finite scores to take a quantile of");
    double pos = q * static_cast<double>(values.size() - 1);
    auto lo = static_cast<size_t>(std::floor(pos));
    size_t hi = std::min(lo + 1, values.size() - 1);
    std::nth_element(values.begin(), values.begin() + static_cast<long>(lo), values.end());
    double a = values[lo];
    double b = a;
    if (hi != lo) b = *std::min_element(values.begin() + static_cast<long>(lo) + 1, values.end());
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

#include "analysis/kl.h"

#include <algorithm>
#include <cmath>

#include "analysis/parallel.h"

namespace llmap {

Eigen::MatrixXd klNatsPerText(const Eigen::MatrixXd& q) {
    const Eigen::Index k = q.rows();
    const Eigen::VectorXd norms = q.rowwise().squaredNorm();
    const double scale = 1.0 / (2.0 * static_cast<double>(q.cols()));
    Eigen::MatrixXd d2(k, k);
    // Lower triangle by blocks of rows, in parallel: row block [lo, hi) against rows [0, hi).
    parallelChunks(static_cast<size_t>(k), [&](size_t, size_t lo, size_t hi) {
        if (hi <= lo) return;
        const auto b = static_cast<Eigen::Index>(lo), rows = static_cast<Eigen::Index>(hi - lo);
        const Eigen::Index cols = static_cast<Eigen::Index>(hi);
        Eigen::MatrixXd gram = q.middleRows(b, rows) * q.topRows(cols).transpose();
        for (Eigen::Index j = 0; j < cols; ++j) {
            for (Eigen::Index r = 0; r < rows; ++r) {
                const Eigen::Index i = b + r;
                if (j < i) d2(i, j) = std::max(0.0, norms(i) + norms(j) - 2.0 * gram(r, j)) * scale;
            }
        }
    });
    for (Eigen::Index j = 0; j < k; ++j) {
        d2(j, j) = 0.0;
        for (Eigen::Index i = j + 1; i < k; ++i) d2(j, i) = d2(i, j);
    }
    return d2;
}

Eigen::MatrixXd klBitsPerByte(const Eigen::MatrixXd& q, double meanBytes) {
    return klNatsPerText(q) / (meanBytes * std::log(2.0));
}

double klNatsPerText(const Eigen::MatrixXd& q, Eigen::Index i, Eigen::Index j) {
    return (q.row(i) - q.row(j)).squaredNorm() / (2.0 * static_cast<double>(q.cols()));
}

double natsPerTextToBitsPerByte(double nats, double meanBytes) {
    return nats / (meanBytes * std::log(2.0));
}

}  // namespace llmap

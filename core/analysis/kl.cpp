#include "analysis/kl.h"

#include <cmath>

namespace llmap {

Eigen::MatrixXd klNatsPerText(const Eigen::MatrixXd& q) {
    const Eigen::Index k = q.rows();
    Eigen::VectorXd norms = q.rowwise().squaredNorm();
    Eigen::MatrixXd gram = q * q.transpose();
    Eigen::MatrixXd d2(k, k);
    for (Eigen::Index i = 0; i < k; ++i) {
        for (Eigen::Index j = 0; j < k; ++j) {
            d2(i, j) = i == j ? 0.0 : std::max(0.0, norms(i) + norms(j) - 2.0 * gram(i, j));
        }
    }
    return d2 / (2.0 * static_cast<double>(q.cols()));
}

Eigen::MatrixXd klBitsPerByte(const Eigen::MatrixXd& q, double meanBytes) {
    return klNatsPerText(q) / (meanBytes * std::log(2.0));
}

}  // namespace llmap

#include "analysis/mds.h"

#include <Eigen/Eigenvalues>
#include <cmath>

#include "analysis/pca.h"
#include "util/error.h"

namespace llmap {

Eigen::MatrixXd classicalMds(const Eigen::MatrixXd& d2, int dimensions, uint64_t seed) {
    const Eigen::Index k = d2.rows();
    if (k < 3 || d2.cols() != k) {
        throw InputError("classical MDS needs a square distance matrix of at least 3 models, got " +
                             std::to_string(k) + " x " + std::to_string(d2.cols()),
                         "", "score more models");
    }
    if (!d2.allFinite()) throw InputError("the distance matrix holds NaN or infinite values");
    // B = -1/2 J D2 J: double centring of -D2 / 2.
    Eigen::MatrixXd b = -0.5 * d2;
    const Eigen::VectorXd rowMean = b.rowwise().mean();
    const Eigen::RowVectorXd colMean = b.colwise().mean();
    const double mean = b.mean();
    b.colwise() -= rowMean;
    b.rowwise() -= colMean;
    b.array() += mean;

    Eigen::MatrixXd vectors(k, dimensions);
    Eigen::VectorXd values(dimensions);
    if (k <= 2000) {
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(b);
        for (int c = 0; c < dimensions; ++c) {
            const Eigen::Index at = k - 1 - c;  // ascending order
            values(c) = at >= 0 ? eig.eigenvalues()(at) : 0.0;
            if (at >= 0) {
                vectors.col(c) = eig.eigenvectors().col(at);
            } else {
                vectors.col(c).setZero();
            }
        }
    } else {
        // B is positive semi-definite up to noise: its top eigenpairs are its top singular pairs,
        // which randomised PCA of B (columns already centred) finds.
        PcaResult r = randomizedPca(b, dimensions, seed);
        for (int c = 0; c < dimensions; ++c) {
            values(c) = r.explainedVariance(c) * static_cast<double>(k - 1);
            values(c) = std::sqrt(values(c));  // singular value of B = eigenvalue
            vectors.col(c) = r.components.row(c).transpose();
        }
    }
    Eigen::MatrixXd coords(k, dimensions);
    for (int c = 0; c < dimensions; ++c) {
        Eigen::Index largest;
        vectors.col(c).cwiseAbs().maxCoeff(&largest);
        const double sign = vectors(largest, c) < 0 ? -1.0 : 1.0;
        coords.col(c) = sign * std::sqrt(std::max(values(c), 0.0)) * vectors.col(c);
    }
    return coords;
}

}  // namespace llmap

#pragma once
#include <Eigen/Core>
#include <cstdint>

namespace llmap {

// Classical (Torgerson) MDS: B = -1/2 J D2 J, coordinates = top eigenvectors * sqrt(eigenvalue)
// (negative eigenvalues give 0). `squaredDistances` is symmetric with a zero diagonal; the KL
// matrix is one (KL ~ ||q_i - q_j||^2 / 2N). Signs: the largest absolute entry of each column is
// positive. Exact eigendecomposition up to K = 2,000, a randomised one (seeded) above.
Eigen::MatrixXd classicalMds(const Eigen::MatrixXd& squaredDistances, int dimensions = 2,
                             uint64_t seed = 42);

}  // namespace llmap

#pragma once
// Exact k nearest neighbours by squared Euclidean distance (brute force, as scikit-learn's
// NearestNeighbors for dense high-dimensional rows).
#include <Eigen/Core>
#include <vector>

namespace llmap {

struct Neighbours {
    Eigen::Index k = 0;
    std::vector<int> index;        // row i's neighbours at [i * k, (i + 1) * k), nearest first
    std::vector<double> distance;  // their squared distances, clamped at 0
};

// The k nearest rows of every row of x, itself excluded; ties go to the lower index. The result
// does not depend on the number of threads.
Neighbours nearestNeighbours(const Eigen::MatrixXd& x, Eigen::Index k);

}  // namespace llmap

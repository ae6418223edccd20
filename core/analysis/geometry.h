#pragma once
// From a project's raw matrix to the geometry every view uses: the scored models only, clipped at
// the project's quantile, double-centred.
#include <Eigen/Core>
#include <vector>

namespace llmap {

struct Geometry {
    std::vector<size_t> rows;  // project rows of the models included (fully scored)
    double clipThreshold = 0;
    Eigen::MatrixXd centred;  // rows.size() x N
};

// Rows with any NaN (not scored yet) are left out. `clipQuantile` 0.02 as in P1; 0 disables.
Geometry computeGeometry(const Eigen::MatrixXd& scores, double clipQuantile = 0.02);

}  // namespace llmap

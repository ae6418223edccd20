#pragma once
#include <Eigen/Core>

namespace llmap {

struct PcaResult {
    Eigen::MatrixXd coordinates;        // K x components: the rows projected on the components
    Eigen::MatrixXd components;         // components x N, unit rows
    Eigen::VectorXd explainedVariance;  // per component, divided by K - 1 as scikit-learn does
};

// PCA of the rows of `x` (columns are centred first). Signs follow scikit-learn: the largest
// absolute entry of each component is positive.
PcaResult pca(const Eigen::MatrixXd& x, int components = 2);

}  // namespace llmap

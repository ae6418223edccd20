#pragma once
#include <Eigen/Core>
#include <cstdint>
#include <string>

namespace llmap {

struct PcaResult {
    Eigen::MatrixXd coordinates;        // K x components: the rows projected on the components
    Eigen::MatrixXd components;         // components x N, unit rows
    Eigen::VectorXd explainedVariance;  // per component, divided by K - 1 as scikit-learn does
};

// PCA of the rows of `x` (columns are centred first). Signs follow scikit-learn: the largest
// absolute entry of each component is positive.
PcaResult pca(const Eigen::MatrixXd& x, int components = 2);

// Randomised PCA (Halko, Martinsson & Tropp 2011): a seeded Gaussian sketch with `oversamples`
// extra columns and `powerIterations` orthonormalised power steps. Columns are centred implicitly,
// so no copy of `x` is made: the memory beyond `x` is O((K + N) * (components + oversamples)).
PcaResult randomizedPca(const Eigen::MatrixXd& x, int components, uint64_t seed,
                        int oversamples = 10, int powerIterations = 7);

// "exact" for min(K, N) <= 1000, otherwise "randomized"; or the solver named.
PcaResult pcaAuto(const Eigen::MatrixXd& x, int components, uint64_t seed,
                  const std::string& solver = "auto");

}  // namespace llmap

#pragma once
// From a project's raw matrix to the geometry every view uses: the scored models only, clipped at
// the project's quantile, double-centred.
#include <Eigen/Core>
#include <optional>
#include <vector>

namespace llmap {

struct Geometry {
    std::vector<size_t> rows;  // project rows of the models included (fully scored)
    double clipThreshold = 0;
    Eigen::MatrixXd centred;  // rows.size() x N
};

struct GeometryOptions {
    double clipQuantile = 0.02;  // P1 clips at the 2nd percentile; 0 disables clipping
    // A threshold stored earlier: reused as is, so models added later are clipped the same way.
    std::optional<double> clipThreshold;
    size_t minModels = 1;
};

// Rows with any NaN (not scored yet) are left out, never propagated. Throws InputError when fewer
// than `minModels` rows are complete or a complete row is constant (a broken model).
Geometry computeGeometry(const Eigen::MatrixXd& scores, const GeometryOptions& options);
Geometry computeGeometry(const Eigen::MatrixXd& scores, double clipQuantile = 0.02);

// The complete rows of `scores` (no NaN) and the matrix of those rows only.
std::vector<size_t> completeRowIndices(const Eigen::MatrixXd& scores);
Eigen::MatrixXd selectRows(const Eigen::MatrixXd& m, const std::vector<size_t>& rows);

}  // namespace llmap

#pragma once
// The CSV exports shared by llmap-cli and the app.
#include <Eigen/Core>
#include <string>
#include <vector>

namespace llmap {

// One row per model: model, x, y, then every metadata field (the union over models).
std::string coordinatesCsv(const std::vector<std::string>& ids, const Eigen::MatrixXd& xy,
                           const std::vector<std::string>& metadataJson);

// A square matrix with model ids as header row and first column; `corner` names the unit.
std::string squareMatrixCsv(const std::vector<std::string>& ids, const Eigen::MatrixXd& m,
                            const std::string& corner);

}  // namespace llmap

#pragma once
// Orthogonal Procrustes: the rotation (or reflection) that best maps one map onto another, so a
// map recomputed after adding models does not jump.
#include <Eigen/Core>
#include <string>
#include <vector>

namespace llmap {

// The orthogonal R minimising ||a R - b||_F (scipy.linalg.orthogonal_procrustes).
Eigen::MatrixXd orthogonalProcrustes(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b);

// `y` moved onto `reference` (same rows, same order): centred, rotated, optionally scaled, then
// moved to the reference's centroid. Distances within `y` are kept unless `scale`.
Eigen::MatrixXd procrustesAlign(const Eigen::MatrixXd& y, const Eigen::MatrixXd& reference,
                                bool scale = false);

// `y` (rows named by `ids`) rotated/reflected onto `reference` (rows named by `referenceIds`) by
// orthogonal Procrustes over the names both share; translation included, scale kept. Returns the
// number of shared rows; with fewer than 3 (or different widths) `y` is left as it is.
size_t alignByName(Eigen::MatrixXd& y, const std::vector<std::string>& ids,
                   const Eigen::MatrixXd& reference, const std::vector<std::string>& referenceIds);

}  // namespace llmap

#pragma once
// Orthogonal Procrustes: the rotation (or reflection) that best maps one map onto another, so a
// map recomputed after adding models does not jump.
#include <Eigen/Core>

namespace llmap {

// The orthogonal R minimising ||a R - b||_F (scipy.linalg.orthogonal_procrustes).
Eigen::MatrixXd orthogonalProcrustes(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b);

// `y` moved onto `reference` (same rows, same order): centred, rotated, optionally scaled, then
// moved to the reference's centroid. Distances within `y` are kept unless `scale`.
Eigen::MatrixXd procrustesAlign(const Eigen::MatrixXd& y, const Eigen::MatrixXd& reference,
                                bool scale = false);

}  // namespace llmap

#pragma once
// The matrix of METHOD.md §3: clipping at a global quantile and double centring.
#include <Eigen/Core>

namespace llmap {

// The q-quantile (0..1) of all finite entries, with numpy's default linear interpolation.
double globalQuantile(const Eigen::MatrixXd& m, double q);

// Entries below `threshold` are set to it (P1 clips at the 2nd percentile, kept for later models).
Eigen::MatrixXd clipBelow(const Eigen::MatrixXd& m, double threshold);

// Q = L - rowmean 1' - 1 colmean' + mean(L); row i of Q is model i's coordinate vector.
Eigen::MatrixXd doubleCentre(const Eigen::MatrixXd& l);
void doubleCentreInPlace(Eigen::MatrixXd& l);

}  // namespace llmap

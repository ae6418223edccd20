#pragma once
#include <Eigen/Core>

namespace llmap {

// KL(p_i || p_j) ~ ||q_i - q_j||^2 / (2N) nats per text, from the rows of the centred matrix Q.
Eigen::MatrixXd klNatsPerText(const Eigen::MatrixXd& q);

// The same in bits per byte: nats per text / (meanBytes * ln 2).
Eigen::MatrixXd klBitsPerByte(const Eigen::MatrixXd& q, double meanBytes);

}  // namespace llmap

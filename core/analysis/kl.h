#pragma once
#include <Eigen/Core>

namespace llmap {

// KL(p_i || p_j) ~ ||q_i - q_j||^2 / (2N) nats per text, from the rows of the centred matrix Q.
Eigen::MatrixXd klNatsPerText(const Eigen::MatrixXd& q);

// The same in bits per byte: nats per text / (meanBytes * ln 2).
Eigen::MatrixXd klBitsPerByte(const Eigen::MatrixXd& q, double meanBytes);

// One pair of rows, without the K x K matrix: nats per text, and that in bits per byte.
double klNatsPerText(const Eigen::MatrixXd& q, Eigen::Index i, Eigen::Index j);
double natsPerTextToBitsPerByte(double nats, double meanBytes);

}  // namespace llmap

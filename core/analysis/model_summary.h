#pragma once
// Per-model numbers the map is coloured by (P1 figure): the text category where a model is
// relatively best and its mean log-likelihood.
#include <Eigen/Core>
#include <string>
#include <vector>

namespace llmap {

// For each row of the centred matrix Q: the source label with the largest mean of q_i over the
// texts carrying that label. `sources` has one label per column. Ties go to the label seen first.
std::vector<std::string> primaryTextCategory(const Eigen::MatrixXd& q,
                                             const std::vector<std::string>& sources);

// Mean log-likelihood per text of each row of a raw (unclipped, uncentred) matrix; NaN for rows
// that are not fully scored.
Eigen::VectorXd meanLogLikelihood(const Eigen::MatrixXd& scores);

}  // namespace llmap

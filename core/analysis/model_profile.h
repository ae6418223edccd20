#pragma once
// What the map's panels say about one model: its relative strength per text source, its nearest
// neighbours in KL, the texts that separate two models.
#include <Eigen/Core>
#include <string>
#include <vector>

namespace llmap {

struct SourceProfile {
    std::vector<std::string> sources;  // distinct labels, sorted
    Eigen::MatrixXd meanCentred;       // K x S: mean of q_i over the texts of each source
    // The source where each model is relatively best (largest mean of q_i; P1's "primary
    // category").
    std::vector<std::string> primary;
};

// `q` is the double-centred matrix (K x N); `textSources` one label per column.
SourceProfile sourceProfile(const Eigen::MatrixXd& q, const std::vector<std::string>& textSources);

struct Neighbour {
    size_t index;          // row of q
    double klNatsPerText;  // ||q_i - q_j||^2 / (2N)
};

// The k rows nearest to row i (excluding i), nearest first.
std::vector<Neighbour> nearestNeighbours(const Eigen::MatrixXd& q, size_t i, size_t k);

// Text indices ordered by how much they separate rows a and b: |q_a - q_b| per text, largest first.
std::vector<size_t> separatingTexts(const Eigen::MatrixXd& q, size_t a, size_t b);

// Variance across models of each text's centred score (P2's text importance, up to a constant).
Eigen::VectorXd textVariance(const Eigen::MatrixXd& q);

}  // namespace llmap

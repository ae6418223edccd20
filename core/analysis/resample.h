#pragma once
// Fewer texts (P2, METHOD.md §5): draw texts with replacement by importance, weight the draws so
// that squared distances between models stay unbiased, and list the distinct texts a new model
// must be scored on.
#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

namespace llmap {

// Sampling probabilities over the N texts (columns of the centred matrix Q), summing to 1:
//   "variance"  p_s ~ sum_i q_is^2 (the likelihood variance of text s across models, P2)
//   "kl"        p_s ~ sqrt(sum_{i<j} (q_is - q_js)^4): minimises the summed variance of the
//               estimates of all pairwise squared distances (so of the KL matrix)
//   "uniform"   p_s = 1 / N
Eigen::VectorXd textImportance(const Eigen::MatrixXd& q, const std::string& kind);

struct TextSample {
    std::vector<size_t> texts;  // distinct texts drawn, ascending: the texts a new model needs
    std::vector<int> counts;    // how often each was drawn
    Eigen::VectorXd weights;    // sqrt(count) / sqrt(n p_s) per distinct text
    size_t draws = 0;           // n
};

// n draws with replacement from p (seeded, deterministic).
TextSample sampleTexts(const Eigen::VectorXd& p, size_t n, uint64_t seed);

// The weighted estimator: each row of `lOnSample` (K x distinct texts, raw log-likelihoods on the
// sample's texts in its order) is centred with its weighted mean (weights w^2, normalised) and the
// columns are scaled by w. Squared distances between the rows estimate ||q_i - q_j||^2.
Eigen::MatrixXd resampledCoordinates(const Eigen::MatrixXd& lOnSample,
                                     const Eigen::VectorXd& weights);

// The columns of m listed in `texts`, in that order.
Eigen::MatrixXd sampleColumns(const Eigen::MatrixXd& m, const std::vector<size_t>& texts);

// ||G~ - G||_F / ||G||_F for the pairwise squared-distance matrices of two coordinate sets.
double distanceMatrixError(const Eigen::MatrixXd& estimate, const Eigen::MatrixXd& exact);

}  // namespace llmap

#pragma once
// t-SNE (van der Maaten & Hinton 2008) with scikit-learn's algorithm: perplexity-calibrated
// Gaussian affinities on squared Euclidean distances (binary search per row), symmetrised; early
// exaggeration for 250 iterations with momentum 0.5, then momentum 0.8; per-coordinate gains;
// learning rate "auto" = max(K / exaggeration / 4, 50). Barnes-Hut (a quadtree, 2-D, P on the
// 3 * perplexity nearest neighbours) at every K, as scikit-learn's default; exact gradients on
// request and for other dimensions. The result does not depend on the number of threads.
#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <cstdint>
#include <string>

namespace llmap {

struct TsneOptions {
    int dimensions = 2;
    double perplexity = 30.0;
    double earlyExaggeration = 12.0;
    double learningRate = 0.0;  // 0: "auto"
    int maxIterations = 1000;
    int explorationIterations = 250;
    int iterationsWithoutProgress = 300;
    double minGradNorm = 1e-7;
    std::string init = "pca";     // "pca" or "random"
    std::string method = "auto";  // "auto" (Barnes-Hut in 2-D, else exact), "exact", "barnes_hut"
    double angle = 0.5;           // Barnes-Hut trade-off
    uint64_t seed = 42;
};

struct TsneResult {
    Eigen::MatrixXd embedding;  // K x dimensions
    double klDivergence = 0;    // at the last iteration (Barnes-Hut: its estimate)
    int iterations = 0;
    std::string method;  // the method used
};

// Rows of `x` are the points. Throws InputError for K < 3, perplexity >= K, non-finite input.
TsneResult tsne(const Eigen::MatrixXd& x, const TsneOptions& options = {});

// Joint probabilities, dense (exact method, every entry floored at machine epsilon off the
// diagonal) and sparse (nearest neighbours only), both summing to 1.
Eigen::MatrixXd tsneJointProbabilities(const Eigen::MatrixXd& x, double perplexity);
Eigen::SparseMatrix<double> tsneJointProbabilitiesNn(const Eigen::MatrixXd& x, double perplexity);

// KL(P || Q) of an embedding for a dense P, as scikit-learn's exact objective.
double tsneKlDivergence(const Eigen::MatrixXd& p, const Eigen::MatrixXd& y);

// scikit-learn's trustworthiness: how far the k nearest neighbours in `y` are from being the k
// nearest in `x` (1 = all preserved). Euclidean distances in both spaces.
double trustworthiness(const Eigen::MatrixXd& x, const Eigen::MatrixXd& y, int k = 10);

// Squared Euclidean distances between the rows of x.
Eigen::MatrixXd squaredDistances(const Eigen::MatrixXd& x);

}  // namespace llmap

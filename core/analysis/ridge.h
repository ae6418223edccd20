#pragma once
// Benchmark prediction (P1 §5): ridge regression from a model's coordinate vector q_i to its
// benchmark scores. The penalty is chosen by an inner K-fold CV (contiguous folds over the outer
// training set, mean squared error, ties to the smaller penalty) over 10^1..10^9; the outer CV is
// plain (shuffled folds) or grouped (whole groups, e.g. families, held out), repeated over seeds.
// Ridge is solved in its dual form over the models' Gram matrix, so the cost does not grow with
// the number of texts beyond one K x K x N product.
#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

namespace llmap {

std::vector<double> defaultRidgeAlphas();  // 10^1 .. 10^9

struct RidgeCvOptions {
    std::vector<double> alphas = defaultRidgeAlphas();
    int outerFolds = 5;
    int innerFolds = 5;
    std::vector<uint64_t> seeds = {0, 1, 2, 3, 4};
    std::vector<std::string> groups;  // one per model for grouped CV; empty: plain CV
};

struct BenchmarkPrediction {
    // Out-of-fold predictions averaged over the seeds, K x B (NaN where a model has no score).
    Eigen::MatrixXd predictions;
    Eigen::MatrixXd pearson;                    // seeds x B
    Eigen::MatrixXd spearman;                   // seeds x B
    Eigen::VectorXd meanPearson, meanSpearman;  // over seeds, per benchmark
};

// Rows of `x` are models (e.g. the centred matrix Q); `scores` is K x B with NaN for a missing
// score. Throws InputError for fewer than outerFolds models with a score, fewer groups than folds.
BenchmarkPrediction predictBenchmarks(const Eigen::MatrixXd& x, const Eigen::MatrixXd& scores,
                                      const RidgeCvOptions& options = {});

// Out-of-fold ridge predictions for given outer folds (fold[i] in 0..F-1, or -1 for a model left
// out), from the Gram matrix x x' of the features. `chosenAlpha` receives the penalty per fold.
Eigen::VectorXd ridgeCvPredictions(const Eigen::MatrixXd& gram, const Eigen::VectorXd& y,
                                   const std::vector<int>& fold, const std::vector<double>& alphas,
                                   int innerFolds, std::vector<double>* chosenAlpha = nullptr);

// Fold assignments: shuffled contiguous folds, and whole groups to the lightest fold (groups in a
// seeded order, largest first).
std::vector<int> kfoldAssignment(size_t n, int folds, uint64_t seed);
std::vector<int> groupKfoldAssignment(const std::vector<std::string>& groups, int folds,
                                      uint64_t seed);

double pearsonR(const Eigen::VectorXd& a, const Eigen::VectorXd& b);
double spearmanRho(const Eigen::VectorXd& a, const Eigen::VectorXd& b);  // average ranks for ties

}  // namespace llmap

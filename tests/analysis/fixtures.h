#pragma once
// Reading the reference outputs of tests/oracle/analysis/generate.py.
#include <Eigen/Core>
#include <string>
#include <vector>

namespace fixtures {

std::string path(const std::string& name);
// A headerless numeric CSV ("nan" allowed).
Eigen::MatrixXd matrix(const std::string& name);
std::vector<std::string> lines(const std::string& name);
std::string text(const std::string& name);

// max |a - b| after flipping each column of `a` to the sign that fits `b` best.
double maxDiffUpToSign(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b);

// Adjusted Rand index of two labelings (scikit-learn's adjusted_rand_score).
double adjustedRandIndex(const std::vector<int>& a, const std::vector<int>& b);

}  // namespace fixtures

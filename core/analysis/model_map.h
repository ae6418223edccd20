#pragma once
// A 2-D map of the fully scored models of a score matrix.
#include <Eigen/Core>
#include <string>
#include <vector>

namespace llmap {

struct ModelMap {
    std::string method;        // "pca"
    std::vector<size_t> rows;  // project rows shown, in order
    Eigen::MatrixXd xy;        // rows.size() x 2
    double clipThreshold = 0;
};

// Methods: "pca". Throws InputError for an unknown method or fewer than 2 scored models.
ModelMap computeMap(const Eigen::MatrixXd& scores, const std::string& method);
std::vector<std::string> mapMethods();

}  // namespace llmap

#pragma once
// A 2-D map of the fully scored models of a score matrix.
#include <Eigen/Core>
#include <optional>
#include <string>
#include <vector>

#include "analysis/geometry.h"
#include "analysis/tsne.h"

namespace llmap {

struct MapOptions {
    GeometryOptions geometry;        // clipping: quantile, or a stored threshold reused
    TsneOptions tsne;                // t-SNE settings (the paper's defaults); tsne.seed is the seed
    std::string pcaSolver = "auto";  // PCA: auto, exact or randomized
};

struct ModelMap {
    std::string method;        // "pca", "mds" or "tsne"
    std::vector<size_t> rows;  // project rows shown, in order
    Eigen::MatrixXd xy;        // rows.size() x 2
    double clipThreshold = 0;
    double tsneKlDivergence = 0;  // t-SNE only
    std::string paramsJson;       // every parameter and the seed, to store next to the result
};

// Methods: "pca" (of the rows of Q), "mds" (classical MDS on the KL matrix), "tsne" (of the rows
// of Q). Throws InputError for an unknown method or too few scored models (3 for mds and tsne).
ModelMap computeMap(const Eigen::MatrixXd& scores, const std::string& method,
                    const MapOptions& options);
ModelMap computeMap(const Eigen::MatrixXd& scores, const std::string& method);
// The same from a geometry computed already (options.geometry is not used).
ModelMap mapOfGeometry(const Geometry& geometry, const std::string& method,
                       const MapOptions& options);
std::vector<std::string> mapMethods();

// Rotates/reflects `map` onto `reference` by orthogonal Procrustes over the models both show
// (matched by project row); needs at least 3 shared models, otherwise leaves `map` unchanged and
// returns false.
bool alignMap(ModelMap& map, const ModelMap& reference);

}  // namespace llmap

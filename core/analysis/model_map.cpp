#include "analysis/model_map.h"

#include "analysis/geometry.h"
#include "analysis/pca.h"
#include "util/error.h"

namespace llmap {

std::vector<std::string> mapMethods() {
    return {"pca"};
}

ModelMap computeMap(const Eigen::MatrixXd& scores, const std::string& method) {
    if (method != "pca") {
        throw InputError("unknown map method \"" + method + "\"", "", "use one of: pca");
    }
    Geometry g = computeGeometry(scores);
    if (g.rows.size() < 2) {
        throw InputError("a map needs at least 2 fully scored models, the project has " +
                         std::to_string(g.rows.size()));
    }
    ModelMap map;
    map.method = method;
    map.rows = g.rows;
    map.clipThreshold = g.clipThreshold;
    map.xy = pca(g.centred, 2).coordinates;
    return map;
}

}  // namespace llmap

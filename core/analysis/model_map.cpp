#include "analysis/model_map.h"

#include <map>
#include <nlohmann/json.hpp>

#include "analysis/kl.h"
#include "analysis/mds.h"
#include "analysis/pca.h"
#include "analysis/procrustes.h"
#include "util/error.h"

namespace llmap {

std::vector<std::string> mapMethods() {
    return {"pca", "mds", "tsne"};
}

namespace {
void checkMethod(const std::string& method) {
    if (method != "pca" && method != "mds" && method != "tsne") {
        throw InputError("unknown map method \"" + method + "\"", "", "use one of: pca, mds, tsne");
    }
}
}  // namespace

ModelMap computeMap(const Eigen::MatrixXd& scores, const std::string& method,
                    const MapOptions& options) {
    checkMethod(method);
    GeometryOptions go = options.geometry;
    go.minModels = std::max<size_t>(go.minModels, method == "pca" ? 2 : 3);
    ModelMap map = mapOfGeometry(computeGeometry(scores, go), method, options);
    auto params = nlohmann::json::parse(map.paramsJson);
    params["clip_quantile"] = options.geometry.clipThreshold
                                  ? nlohmann::json(nullptr)
                                  : nlohmann::json(options.geometry.clipQuantile);
    map.paramsJson = params.dump();
    return map;
}

ModelMap mapOfGeometry(const Geometry& g, const std::string& method, const MapOptions& options) {
    checkMethod(method);
    const size_t minModels = method == "pca" ? 2 : 3;
    if (g.rows.size() < minModels) {
        throw InputError("a " + method + " map needs at least " + std::to_string(minModels) +
                             " fully scored models, got " + std::to_string(g.rows.size()),
                         "", "score more models");
    }
    ModelMap map;
    map.method = method;
    map.rows = g.rows;
    map.clipThreshold = g.clipThreshold;
    nlohmann::json params = {{"method", method},
                             {"clip_threshold", g.clipThreshold},
                             {"models", g.rows.size()},
                             {"texts", g.centred.cols()}};
    if (method == "pca") {
        map.xy = pcaAuto(g.centred, 2, options.tsne.seed, options.pcaSolver).coordinates;
        params["pca_solver"] = options.pcaSolver;
        params["seed"] = options.tsne.seed;
    } else if (method == "mds") {
        map.xy = classicalMds(klNatsPerText(g.centred), 2, options.tsne.seed);
        params["distances"] = "KL nats per text (as squared distances)";
        params["seed"] = options.tsne.seed;
    } else {
        TsneOptions t = options.tsne;
        t.dimensions = 2;
        TsneResult r = tsne(g.centred, t);
        map.xy = std::move(r.embedding);
        map.tsneKlDivergence = r.klDivergence;
        params.update({{"perplexity", t.perplexity},
                       {"early_exaggeration", t.earlyExaggeration},
                       {"learning_rate", t.learningRate > 0 ? nlohmann::json(t.learningRate)
                                                            : nlohmann::json("auto")},
                       {"max_iter", t.maxIterations},
                       {"init", t.init},
                       {"method_used", r.method},
                       {"angle", t.angle},
                       {"metric", "squared euclidean"},
                       {"seed", t.seed},
                       {"iterations", r.iterations},
                       {"kl_divergence", r.klDivergence}});
    }
    map.paramsJson = params.dump();
    return map;
}

ModelMap computeMap(const Eigen::MatrixXd& scores, const std::string& method) {
    return computeMap(scores, method, MapOptions{});
}

bool alignMap(ModelMap& map, const ModelMap& reference) {
    std::map<size_t, Eigen::Index> refRow;
    for (size_t i = 0; i < reference.rows.size(); ++i) {
        refRow[reference.rows[i]] = static_cast<Eigen::Index>(i);
    }
    std::vector<Eigen::Index> mine, theirs;
    for (size_t i = 0; i < map.rows.size(); ++i) {
        auto it = refRow.find(map.rows[i]);
        if (it != refRow.end()) {
            mine.push_back(static_cast<Eigen::Index>(i));
            theirs.push_back(it->second);
        }
    }
    if (mine.size() < 3) return false;
    Eigen::MatrixXd a(static_cast<Eigen::Index>(mine.size()), map.xy.cols());
    Eigen::MatrixXd b(a.rows(), a.cols());
    for (size_t i = 0; i < mine.size(); ++i) {
        a.row(static_cast<Eigen::Index>(i)) = map.xy.row(mine[i]);
        b.row(static_cast<Eigen::Index>(i)) = reference.xy.row(theirs[i]);
    }
    const Eigen::RowVectorXd ma = a.colwise().mean();
    const Eigen::RowVectorXd mb = b.colwise().mean();
    const Eigen::MatrixXd r = orthogonalProcrustes(a.rowwise() - ma, b.rowwise() - mb);
    map.xy = ((map.xy.rowwise() - ma) * r).rowwise() + mb;
    return true;
}

}  // namespace llmap

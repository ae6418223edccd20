#include "analysis/model_map.h"

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
    auto names = [](const std::vector<size_t>& rows) {
        std::vector<std::string> out;
        for (size_t r : rows) out.push_back(std::to_string(r));
        return out;
    };
    return alignByName(map.xy, names(map.rows), reference.xy, names(reference.rows)) >= 3;
}

}  // namespace llmap

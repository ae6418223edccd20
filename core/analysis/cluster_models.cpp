#include "analysis/cluster_models.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "analysis/clustering.h"
#include "analysis/hdbscan.h"
#include "analysis/kl.h"
#include "util/error.h"

namespace llmap {

std::vector<std::string> clusterMethods() {
    return {"kmeans", "ward", "average", "complete", "dbscan", "hdbscan"};
}

ClusterResult clusterModels(const Eigen::MatrixXd& q, const ClusterOptions& o) {
    const auto methods = clusterMethods();
    if (std::find(methods.begin(), methods.end(), o.method) == methods.end()) {
        throw InputError("unknown clustering method \"" + o.method + "\"", "",
                         "use kmeans, ward, average, complete, dbscan or hdbscan");
    }
    const long models = static_cast<long>(q.rows());
    const bool density = o.method == "dbscan" || o.method == "hdbscan";
    if (!density && (o.k < 1 || o.k > models)) {
        throw InputError("cannot make " + std::to_string(o.k) + " clusters of " +
                             std::to_string(models) + " models",
                         "", "choose k between 1 and the number of models");
    }
    nlohmann::json params = {{"method", o.method}, {"models", models}};
    ClusterResult r;
    if (o.method == "kmeans") {
        KMeansResult km = kmeans(q, o.k, o.seed, o.nInit);
        r.labels = km.labels;
        params.update({{"k", o.k}, {"seed", o.seed}, {"n_init", o.nInit}, {"inertia", km.inertia}});
    } else if (o.method == "dbscan") {
        if (o.epsKl <= 0 || o.minSamples < 1) {
            throw InputError("DBSCAN needs eps > 0 and at least 1 sample", "",
                             "choose eps in nats per text (e.g. 0.05) and min samples >= 1");
        }
        r.labels = dbscanPrecomputed(klNatsPerText(q), o.epsKl, o.minSamples);
        params.update({{"eps_kl_nats_per_text", o.epsKl}, {"min_samples", o.minSamples}});
    } else if (o.method == "hdbscan") {
        r.labels = hdbscan(q, o.minClusterSize, o.minSamples);
        params.update({{"min_cluster_size", o.minClusterSize},
                       {"min_samples", o.minSamples > 0 ? o.minSamples : o.minClusterSize},
                       {"metric", "euclidean"}});
    } else {
        r.linkage = linkage(q, o.method);
        r.labels = cutTree(r.linkage, o.k);
        params.update({{"k", o.k}, {"linkage", o.method}, {"metric", "euclidean"}});
    }
    for (int l : r.labels) r.clusters = std::max(r.clusters, l + 1);
    params["clusters"] = r.clusters;
    try {
        r.silhouette = silhouetteScore(euclideanDistances(q), r.labels);
        params["silhouette"] = *r.silhouette;
    } catch (const InputError&) {
        params["silhouette"] = nullptr;  // one cluster, or every model its own
    }
    r.paramsJson = params.dump();
    return r;
}

}  // namespace llmap

#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "analysis/cluster_models.h"
#include "cli/analysis_context.h"
#include "cli/commands.h"
#include "util/csv.h"
#include "util/error.h"
#include "util/file_output.h"

namespace llmap::cli {

namespace {
const char* kHelp =
    R"(Usage: llmap-cli cluster --project P.h5 --method kmeans|ward|average|complete|dbscan|hdbscan
                          --out F.csv [--k 8] [--seed 42] [--n-init 10] [--eps 0.05]
                          [--min-samples 5] [--min-cluster-size 5] [--dendrogram D.csv]
                          [--name NAME] [--no-store] [--matrix loglik|pmi]

Clusters the fully scored models and writes "model,cluster" (cluster -1 = noise for dbscan).
  kmeans                    k-means++ (seeded, best of --n-init starts) on the rows of the centred
                            matrix Q
  ward, average, complete   agglomerative clustering of the rows of Q (Euclidean distances), cut
                            into --k clusters; --dendrogram writes the whole tree as a scipy
                            linkage matrix (a, b, distance, size)
  dbscan                    density-based on the KL matrix: models within --eps nats per text are
                            neighbours; a core model has --min-samples neighbours (itself included)
  hdbscan                   hierarchical density-based clusters of any shape on the rows of Q:
                            --min-cluster-size (5), --min-samples (default: the cluster size)
The silhouette score (Euclidean distances of Q) is printed and stored with the parameters under
/analysis/NAME (default clusters_METHOD).
)";
}  // namespace

int runCluster(int argc, char** argv) {
    Arguments args("cluster", argc, argv, 2,
                   {"project", "method", "out", "k", "seed", "n-init", "eps", "min-samples",
                    "dendrogram", "name", "min-cluster-size", "matrix"},
                   {"reclip", "no-store"});
    if (args.help()) {
        std::cout << kHelp;
        return 0;
    }
    const std::string out = args.required("out");
    ClusterOptions options;
    options.method = args.required("method");
    options.seed = seedOption(args, "cluster");
    options.k = intOption(args, "k", 8, "cluster");
    options.nInit = intOption(args, "n-init", 10, "cluster");
    options.epsKl = numberOption(args, "eps", 0.05, "cluster");
    // HDBSCAN's min samples defaults to its cluster size (0 here), DBSCAN's to 5.
    options.minSamples =
        intOption(args, "min-samples", options.method == "hdbscan" ? 0 : 5, "cluster");
    options.minClusterSize = intOption(args, "min-cluster-size", 5, "cluster");
    const auto methods = clusterMethods();
    if (std::find(methods.begin(), methods.end(), options.method) == methods.end()) {
        throw InputError("unknown clustering method \"" + options.method + "\"",
                         "llmap-cli cluster",
                         "use --method kmeans, ward, average, complete, dbscan or hdbscan");
    }
    AnalysisContext ctx = openAnalysis(args, "cluster", 3);
    ClusterResult result = clusterModels(ctx.geometry.centred, options);
    nlohmann::json params = nlohmann::json::parse(result.paramsJson);
    params["clip_threshold"] = ctx.geometry.clipThreshold;
    const std::vector<int>& labels = result.labels;
    const std::string name = args.value("name").value_or("clusters_" + options.method);
    if (result.linkage.size() > 0) {
        const Eigen::MatrixXd& z = result.linkage;
        if (auto path = args.value("dendrogram")) {
            std::ostringstream csv;
            writeCsvRow(csv, {"a", "b", "distance", "size"});
            for (Eigen::Index i = 0; i < z.rows(); ++i) {
                writeCsvRow(csv, {formatDouble(z(i, 0)), formatDouble(z(i, 1)),
                                  formatDouble(z(i, 2)), formatDouble(z(i, 3))});
            }
            writeFileAtomically(*path, csv.str());
        }
        if (ctx.store) {
            std::vector<std::string> steps;
            for (Eigen::Index i = 0; i < z.rows(); ++i) steps.push_back(std::to_string(i));
            nlohmann::json dp = params;
            dp["leaves"] = ctx.ids;
            ctx.project.writeResult(name + "_dendrogram", z, steps, dp.dump(),
                                    {"a", "b", "distance", "size"});
        }
    }
    if (result.silhouette) {
        std::cout << result.clusters << " clusters, silhouette " << *result.silhouette << "\n";
    } else {
        std::cout << result.clusters << " clusters (no silhouette: it needs 2 to K-1 clusters)\n";
    }
    Eigen::MatrixXd values(static_cast<Eigen::Index>(labels.size()), 1);
    for (size_t i = 0; i < labels.size(); ++i) values(static_cast<Eigen::Index>(i), 0) = labels[i];
    writeResult(ctx, out, name, "model", ctx.ids, {"cluster"}, values, params.dump());
    return 0;
}

}  // namespace llmap::cli

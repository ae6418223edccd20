#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "analysis/clustering.h"
#include "analysis/hdbscan.h"
#include "analysis/kl.h"
#include "cli/analysis_context.h"
#include "cli/commands.h"
#include "util/csv.h"
#include "util/error.h"
#include "util/file_output.h"

namespace llmap::cli {

namespace {
const char* kHelp =
    R"(Usage: llmap-cli cluster --project P.h5 --method kmeans|ward|average|complete|dbscan
                          --out F.csv [--k 8] [--seed 42] [--n-init 10] [--eps 0.05]
                          [--min-samples 5] [--dendrogram D.csv] [--name NAME] [--no-store]

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
                    "dendrogram", "name", "min-cluster-size"},
                   {"reclip", "no-store"});
    if (args.help()) {
        std::cout << kHelp;
        return 0;
    }
    const std::string out = args.required("out");
    const std::string method = args.required("method");
    if (method != "kmeans" && method != "ward" && method != "average" && method != "complete" &&
        method != "dbscan" && method != "hdbscan") {
        throw InputError("unknown clustering method \"" + method + "\"", "llmap-cli cluster",
                         "use --method kmeans, ward, average, complete, dbscan or hdbscan");
    }
    const uint64_t seed = seedOption(args, "cluster");
    const int k = intOption(args, "k", 8, "cluster");
    AnalysisContext ctx = openAnalysis(args, "cluster", 3);
    const Eigen::MatrixXd& q = ctx.geometry.centred;
    nlohmann::json params = {
        {"method", method}, {"clip_threshold", ctx.geometry.clipThreshold}, {"models", q.rows()}};
    std::vector<int> labels;
    if (method == "kmeans") {
        const int nInit = intOption(args, "n-init", 10, "cluster");
        KMeansResult r = kmeans(q, k, seed, nInit);
        labels = r.labels;
        params.update({{"k", k}, {"seed", seed}, {"n_init", nInit}, {"inertia", r.inertia}});
    } else if (method == "dbscan") {
        const double eps = numberOption(args, "eps", 0.05, "cluster");
        const int minSamples = intOption(args, "min-samples", 5, "cluster");
        labels = dbscanPrecomputed(klNatsPerText(q), eps, minSamples);
        params.update({{"eps_kl_nats_per_text", eps}, {"min_samples", minSamples}});
    } else if (method == "hdbscan") {
        const int minSize = intOption(args, "min-cluster-size", 5, "cluster");
        const int minSamples = intOption(args, "min-samples", 0, "cluster");
        labels = hdbscan(q, minSize, minSamples);
        params.update({{"min_cluster_size", minSize},
                       {"min_samples", minSamples > 0 ? minSamples : minSize},
                       {"metric", "euclidean"}});
    } else {
        const Eigen::MatrixXd z = linkage(q, method);
        labels = cutTree(z, k);
        params.update({{"k", k}, {"linkage", method}, {"metric", "euclidean"}});
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
            ctx.project.writeResult(
                args.value("name").value_or("clusters_" + method) + "_dendrogram", z, steps,
                dp.dump(), {"a", "b", "distance", "size"});
        }
    }
    int clusters = 0;
    for (int l : labels) clusters = std::max(clusters, l + 1);
    params["clusters"] = clusters;
    try {
        const double s = silhouetteScore(euclideanDistances(q), labels);
        params["silhouette"] = s;
        std::cout << clusters << " clusters, silhouette " << s << "\n";
    } catch (const InputError&) {
        params["silhouette"] = nullptr;
        std::cout << clusters << " clusters (no silhouette: it needs 2 to K-1 clusters)\n";
    }
    Eigen::MatrixXd values(static_cast<Eigen::Index>(labels.size()), 1);
    for (size_t i = 0; i < labels.size(); ++i) values(static_cast<Eigen::Index>(i), 0) = labels[i];
    writeResult(ctx, out, args.value("name").value_or("clusters_" + method), "model", ctx.ids,
                {"cluster"}, values, params.dump());
    return 0;
}

}  // namespace llmap::cli

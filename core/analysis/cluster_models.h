#pragma once
// Clustering the models of a map with one of the methods of clustering.h, as the CLI and the app
// offer it: the labels, the dendrogram for hierarchical methods, the silhouette and the parameters.
#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace llmap {

struct ClusterOptions {
    std::string method = "kmeans";  // kmeans, ward, average, complete, dbscan, hdbscan
    int k = 8;                      // kmeans and hierarchical
    uint64_t seed = 42;             // kmeans
    int nInit = 10;                 // kmeans
    double epsKl = 0.05;            // dbscan: neighbours within this KL, nats per text
    int minSamples = 5;             // dbscan; hdbscan (0: the cluster size)
    int minClusterSize = 5;         // hdbscan
};

struct ClusterResult {
    std::vector<int> labels;  // per row of q; -1 = noise (dbscan)
    int clusters = 0;
    Eigen::MatrixXd linkage;           // hierarchical methods: scipy linkage matrix, else empty
    std::optional<double> silhouette;  // Euclidean distances of q; absent for 1 or K clusters
    std::string paramsJson;            // every parameter, to store next to the labels
};

std::vector<std::string> clusterMethods();

// Clusters the rows of the centred matrix q. Throws InputError for an unknown method or bad
// parameters (k outside 1..K, eps <= 0).
ClusterResult clusterModels(const Eigen::MatrixXd& q, const ClusterOptions& options);

}  // namespace llmap

#pragma once
// Clusters of models: k-means++ (seeded), agglomerative (Ward, average, complete) with the
// dendrogram kept as a scipy linkage matrix, DBSCAN, the silhouette score and nearest neighbours.
#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace llmap {

struct KMeansResult {
    std::vector<int> labels;  // 0 .. k-1
    Eigen::MatrixXd centres;  // k x d
    double inertia = 0;       // sum of squared distances to the closest centre
    int iterations = 0;
};

// Lloyd's algorithm with scikit-learn's rules (tolerance relative to the mean feature variance,
// stop on unchanged labels), started `nInit` times from greedy k-means++ seeds drawn from `seed`;
// the run with the lowest inertia wins.
KMeansResult kmeans(const Eigen::MatrixXd& x, int k, uint64_t seed = 42, int nInit = 1,
                    int maxIterations = 300, double tolerance = 1e-4);
// Lloyd's algorithm from given centres (k x d).
KMeansResult kmeansFrom(const Eigen::MatrixXd& x, const Eigen::MatrixXd& initialCentres,
                        int maxIterations = 300, double tolerance = 1e-4);

// scipy.cluster.hierarchy.linkage of the rows of x (Euclidean): (K - 1) x 4 rows
// [cluster a, cluster b, distance, size], a < b, clusters >= K being earlier merges; sorted by
// distance. Methods: "ward", "average", "complete". Memory: K x K doubles.
Eigen::MatrixXd linkage(const Eigen::MatrixXd& x, const std::string& method);
Eigen::MatrixXd linkageFromDistances(Eigen::MatrixXd distances, const std::string& method);
// Cuts a linkage into `clusters` flat clusters by undoing the last merges; labels 0.. in order of
// first appearance.
std::vector<int> cutTree(const Eigen::MatrixXd& linkageMatrix, int clusters);

// DBSCAN (scikit-learn's semantics: a point's neighbourhood includes itself; core when it has at
// least minSamples neighbours within eps). Labels 0.., noise -1.
std::vector<int> dbscanPrecomputed(const Eigen::MatrixXd& distances, double eps, int minSamples);
std::vector<int> dbscan(const Eigen::MatrixXd& x, double eps, int minSamples);

// Mean silhouette coefficient (scikit-learn's silhouette_score) from a distance matrix; every
// label, -1 included, counts as a cluster. Needs 2 <= clusters <= K - 1.
double silhouetteScore(const Eigen::MatrixXd& distances, const std::vector<int>& labels);

// The k models closest to `row` by the given divergence matrix (self excluded), closest first.
std::vector<std::pair<size_t, double>> nearestModels(const Eigen::MatrixXd& divergence, size_t row,
                                                     size_t k);

// Euclidean distances between the rows of x.
Eigen::MatrixXd euclideanDistances(const Eigen::MatrixXd& x);

}  // namespace llmap

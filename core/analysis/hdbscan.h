#pragma once
#include <Eigen/Core>
#include <vector>

namespace llmap {

// HDBSCAN (Campello, Moulavi & Sander 2013) with scikit-learn's defaults: mutual reachability
// from the minSamples-th nearest neighbour (itself included), minimum spanning tree, condensed
// tree with minClusterSize, excess-of-mass selection, the root never a cluster. Labels 0..,
// noise -1. `distances` is a K x K distance matrix; minSamples 0 means minClusterSize.
std::vector<int> hdbscanPrecomputed(const Eigen::MatrixXd& distances, int minClusterSize = 5,
                                    int minSamples = 0);
std::vector<int> hdbscan(const Eigen::MatrixXd& x, int minClusterSize = 5, int minSamples = 0);

}  // namespace llmap

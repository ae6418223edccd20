#include "analysis/clustering.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <random>

#include "analysis/tsne.h"
#include "util/error.h"

namespace llmap {

namespace {

void requireClusters(Eigen::Index points, int k, const char* what) {
    if (points < 3) {
        throw InputError(
            std::string(what) + " needs at least 3 models, got " + std::to_string(points), "",
            "score more models");
    }
    if (k < 1 || k > points) {
        throw InputError(std::string(what) + ": " + std::to_string(k) + " clusters asked for " +
                             std::to_string(points) + " models",
                         "", "choose between 1 and " + std::to_string(points) + " clusters");
    }
}

// Closest centre of each row and its squared distance.
void assign(const Eigen::MatrixXd& x, const Eigen::MatrixXd& centres, std::vector<int>& labels,
            Eigen::VectorXd& dist) {
    const Eigen::VectorXd xn = x.rowwise().squaredNorm();
    const Eigen::VectorXd cn = centres.rowwise().squaredNorm();
    const Eigen::MatrixXd cross = x * centres.transpose();
    labels.resize(static_cast<size_t>(x.rows()));
    dist.resize(x.rows());
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
        double best = std::numeric_limits<double>::infinity();
        int arg = 0;
        for (Eigen::Index c = 0; c < centres.rows(); ++c) {
            const double d = cn(c) - 2.0 * cross(i, c);
            if (d < best) {
                best = d;
                arg = static_cast<int>(c);
            }
        }
        labels[static_cast<size_t>(i)] = arg;
        dist(i) = std::max(0.0, best + xn(i));
    }
}

// Greedy k-means++ (scikit-learn's _kmeans_plusplus): 2 + floor(ln k) candidates per step.
Eigen::MatrixXd kmeansPlusPlus(const Eigen::MatrixXd& x, int k, std::mt19937_64& rng) {
    const Eigen::Index n = x.rows();
    const int trials = 2 + static_cast<int>(std::log(static_cast<double>(k)));
    Eigen::MatrixXd centres(k, x.cols());
    std::uniform_int_distribution<Eigen::Index> pick(0, n - 1);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    centres.row(0) = x.row(pick(rng));
    Eigen::VectorXd closest = (x.rowwise() - centres.row(0)).rowwise().squaredNorm();
    for (int c = 1; c < k; ++c) {
        const double potential = closest.sum();
        std::vector<double> cumulative(static_cast<size_t>(n));
        std::partial_sum(closest.data(), closest.data() + n, cumulative.begin());
        Eigen::Index bestCandidate = 0;
        double bestPotential = std::numeric_limits<double>::infinity();
        Eigen::VectorXd bestClosest;
        for (int t = 0; t < trials; ++t) {
            const double r = unit(rng) * potential;
            auto at = std::lower_bound(cumulative.begin(), cumulative.end(), r);
            const Eigen::Index cand =
                std::min<Eigen::Index>(n - 1, static_cast<Eigen::Index>(at - cumulative.begin()));
            Eigen::VectorXd d = (x.rowwise() - x.row(cand)).rowwise().squaredNorm();
            d = d.cwiseMin(closest);
            if (d.sum() < bestPotential) {
                bestPotential = d.sum();
                bestCandidate = cand;
                bestClosest = d;
            }
        }
        centres.row(c) = x.row(bestCandidate);
        closest = bestClosest;
    }
    return centres;
}

}  // namespace

KMeansResult kmeansFrom(const Eigen::MatrixXd& x, const Eigen::MatrixXd& initialCentres,
                        int maxIterations, double tolerance) {
    const Eigen::Index n = x.rows();
    const auto k = static_cast<int>(initialCentres.rows());
    requireClusters(n, k, "k-means");
    if (!x.allFinite()) throw InputError("k-means input holds NaN or infinite values");
    const Eigen::RowVectorXd mean = x.colwise().mean();
    const double tol = ((x.rowwise() - mean).array().square().colwise().mean()).mean() * tolerance;

    KMeansResult r;
    r.centres = initialCentres;
    std::vector<int> labels, old;
    Eigen::VectorXd dist;
    for (r.iterations = 0; r.iterations < maxIterations;) {
        assign(x, r.centres, labels, dist);
        Eigen::MatrixXd sums = Eigen::MatrixXd::Zero(k, x.cols());
        Eigen::VectorXd counts = Eigen::VectorXd::Zero(k);
        for (Eigen::Index i = 0; i < n; ++i) {
            sums.row(labels[static_cast<size_t>(i)]) += x.row(i);
            counts(labels[static_cast<size_t>(i)]) += 1;
        }
        Eigen::MatrixXd next = r.centres;
        for (int c = 0; c < k; ++c) {
            if (counts(c) > 0) {
                next.row(c) = sums.row(c) / counts(c);
            } else {
                // An empty cluster takes the point farthest from its centre.
                Eigen::Index far;
                dist.maxCoeff(&far);
                next.row(c) = x.row(far);
                dist(far) = 0;
            }
        }
        const double shift = (next - r.centres).squaredNorm();
        r.centres = next;
        ++r.iterations;
        if (labels == old) break;
        old = labels;
        if (shift <= tol) break;
    }
    // Labels and inertia for the final centres (also after a strict convergence, where they agree).
    assign(x, r.centres, labels, dist);
    r.labels = labels;
    r.inertia = dist.sum();
    return r;
}

KMeansResult kmeans(const Eigen::MatrixXd& x, int k, uint64_t seed, int nInit, int maxIterations,
                    double tolerance) {
    requireClusters(x.rows(), k, "k-means");
    if (!x.allFinite()) throw InputError("k-means input holds NaN or infinite values");
    std::mt19937_64 rng(seed);
    KMeansResult best;
    best.inertia = std::numeric_limits<double>::infinity();
    for (int run = 0; run < std::max(1, nInit); ++run) {
        KMeansResult r = kmeansFrom(x, kmeansPlusPlus(x, k, rng), maxIterations, tolerance);
        if (r.inertia < best.inertia) best = std::move(r);
    }
    return best;
}

Eigen::MatrixXd euclideanDistances(const Eigen::MatrixXd& x) {
    return squaredDistances(x).cwiseSqrt();
}

Eigen::MatrixXd linkage(const Eigen::MatrixXd& x, const std::string& method) {
    if (!x.allFinite()) throw InputError("clustering input holds NaN or infinite values");
    return linkageFromDistances(euclideanDistances(x), method);
}

Eigen::MatrixXd linkageFromDistances(Eigen::MatrixXd d, const std::string& method) {
    const Eigen::Index n = d.rows();
    if (method != "ward" && method != "average" && method != "complete") {
        throw InputError("unknown linkage \"" + method + "\"", "", "use ward, average or complete");
    }
    requireClusters(n, 1, "agglomerative clustering");
    // scipy's nearest-neighbour chain with Lance-Williams updates.
    std::vector<double> size(static_cast<size_t>(n), 1.0);
    std::vector<Eigen::Index> chain(static_cast<size_t>(n));
    Eigen::MatrixXd z(n - 1, 4);
    size_t chainLength = 0;
    for (Eigen::Index step = 0; step < n - 1; ++step) {
        if (chainLength == 0) {
            chainLength = 1;
            for (Eigen::Index i = 0; i < n; ++i) {
                if (size[static_cast<size_t>(i)] > 0) {
                    chain[0] = i;
                    break;
                }
            }
        }
        Eigen::Index x = 0, y = 0;
        double currentMin = 0;
        while (true) {
            x = chain[chainLength - 1];
            if (chainLength > 1) {
                y = chain[chainLength - 2];
                currentMin = d(x, y);
            } else {
                currentMin = std::numeric_limits<double>::infinity();
            }
            for (Eigen::Index i = 0; i < n; ++i) {
                if (size[static_cast<size_t>(i)] == 0 || i == x) continue;
                if (d(x, i) < currentMin) {
                    currentMin = d(x, i);
                    y = i;
                }
            }
            if (chainLength > 1 && y == chain[chainLength - 2]) break;
            chain[chainLength++] = y;
        }
        chainLength -= 2;
        if (x > y) std::swap(x, y);
        const double nx = size[static_cast<size_t>(x)], ny = size[static_cast<size_t>(y)];
        z.row(step) << static_cast<double>(x), static_cast<double>(y), currentMin, nx + ny;
        size[static_cast<size_t>(x)] = 0;
        size[static_cast<size_t>(y)] = nx + ny;
        for (Eigen::Index i = 0; i < n; ++i) {
            const double ni = size[static_cast<size_t>(i)];
            if (ni == 0 || i == y) continue;
            const double dx = d(i, x), dy = d(i, y);
            double v;
            if (method == "ward") {
                const double t = 1.0 / (nx + ny + ni);
                v = std::sqrt((ni + nx) * t * dx * dx + (ni + ny) * t * dy * dy -
                              ni * t * currentMin * currentMin);
            } else if (method == "complete") {
                v = std::max(dx, dy);
            } else {
                v = (nx * dx + ny * dy) / (nx + ny);
            }
            d(i, y) = d(y, i) = v;
        }
    }
    // Sort by distance (stable) and relabel with union-find, as scipy does.
    std::vector<Eigen::Index> order(static_cast<size_t>(n - 1));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](Eigen::Index a, Eigen::Index b) { return z(a, 2) < z(b, 2); });
    Eigen::MatrixXd sorted(n - 1, 4);
    for (size_t i = 0; i < order.size(); ++i) {
        sorted.row(static_cast<Eigen::Index>(i)) = z.row(order[i]);
    }
    std::vector<Eigen::Index> parent(static_cast<size_t>(2 * n - 1));
    std::iota(parent.begin(), parent.end(), 0);
    std::vector<double> clusterSize(static_cast<size_t>(2 * n - 1), 1.0);
    auto find = [&](Eigen::Index a) {
        Eigen::Index root = a;
        while (parent[static_cast<size_t>(root)] != root) root = parent[static_cast<size_t>(root)];
        while (parent[static_cast<size_t>(a)] != root) {
            const Eigen::Index next = parent[static_cast<size_t>(a)];
            parent[static_cast<size_t>(a)] = root;
            a = next;
        }
        return root;
    };
    // Each original point starts as its own root; merged clusters get ids n, n+1, ...
    for (Eigen::Index i = 0; i < n - 1; ++i) {
        const Eigen::Index a = find(static_cast<Eigen::Index>(sorted(i, 0)));
        const Eigen::Index b = find(static_cast<Eigen::Index>(sorted(i, 1)));
        const Eigen::Index id = n + i;
        sorted(i, 0) = static_cast<double>(std::min(a, b));
        sorted(i, 1) = static_cast<double>(std::max(a, b));
        clusterSize[static_cast<size_t>(id)] =
            clusterSize[static_cast<size_t>(a)] + clusterSize[static_cast<size_t>(b)];
        sorted(i, 3) = clusterSize[static_cast<size_t>(id)];
        parent[static_cast<size_t>(a)] = id;
        parent[static_cast<size_t>(b)] = id;
    }
    return sorted;
}

std::vector<int> cutTree(const Eigen::MatrixXd& z, int clusters) {
    const Eigen::Index n = z.rows() + 1;
    requireClusters(n, clusters, "cutting the dendrogram");
    // Apply the first n - clusters merges.
    std::vector<Eigen::Index> parent(static_cast<size_t>(2 * n - 1));
    std::iota(parent.begin(), parent.end(), 0);
    for (Eigen::Index i = 0; i < n - clusters; ++i) {
        parent[static_cast<size_t>(z(i, 0))] = n + i;
        parent[static_cast<size_t>(z(i, 1))] = n + i;
    }
    std::map<Eigen::Index, int> label;
    std::vector<int> out(static_cast<size_t>(n));
    for (Eigen::Index i = 0; i < n; ++i) {
        Eigen::Index root = i;
        while (parent[static_cast<size_t>(root)] != root) root = parent[static_cast<size_t>(root)];
        auto it = label.emplace(root, static_cast<int>(label.size())).first;
        out[static_cast<size_t>(i)] = it->second;
    }
    return out;
}

std::vector<int> dbscanPrecomputed(const Eigen::MatrixXd& d, double eps, int minSamples) {
    const Eigen::Index n = d.rows();
    if (n < 3) throw InputError("DBSCAN needs at least 3 models, got " + std::to_string(n));
    if (!(eps > 0) || minSamples < 1) {
        throw InputError("DBSCAN needs eps > 0 and min-samples >= 1", "",
                         "pass a positive --eps and --min-samples");
    }
    std::vector<std::vector<Eigen::Index>> neighbours(static_cast<size_t>(n));
    std::vector<bool> core(static_cast<size_t>(n));
    for (Eigen::Index i = 0; i < n; ++i) {
        for (Eigen::Index j = 0; j < n; ++j) {
            if (d(i, j) <= eps) neighbours[static_cast<size_t>(i)].push_back(j);
        }
        core[static_cast<size_t>(i)] =
            static_cast<int>(neighbours[static_cast<size_t>(i)].size()) >= minSamples;
    }
    std::vector<int> labels(static_cast<size_t>(n), -1);
    int next = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
        if (labels[static_cast<size_t>(i)] != -1 || !core[static_cast<size_t>(i)]) continue;
        std::vector<Eigen::Index> stack{i};
        labels[static_cast<size_t>(i)] = next;
        while (!stack.empty()) {
            const Eigen::Index p = stack.back();
            stack.pop_back();
            if (!core[static_cast<size_t>(p)]) continue;
            for (Eigen::Index q : neighbours[static_cast<size_t>(p)]) {
                if (labels[static_cast<size_t>(q)] == -1) {
                    labels[static_cast<size_t>(q)] = next;
                    stack.push_back(q);
                }
            }
        }
        ++next;
    }
    return labels;
}

std::vector<int> dbscan(const Eigen::MatrixXd& x, double eps, int minSamples) {
    if (!x.allFinite()) throw InputError("DBSCAN input holds NaN or infinite values");
    return dbscanPrecomputed(euclideanDistances(x), eps, minSamples);
}

double silhouetteScore(const Eigen::MatrixXd& d, const std::vector<int>& labels) {
    const auto n = static_cast<Eigen::Index>(labels.size());
    std::map<int, int> index;
    for (int l : labels) index.emplace(l, static_cast<int>(index.size()));
    const auto c = static_cast<Eigen::Index>(index.size());
    if (c < 2 || c > n - 1) {
        throw InputError("the silhouette needs between 2 and K - 1 clusters, got " +
                         std::to_string(c) + " for " + std::to_string(n) + " models");
    }
    Eigen::VectorXd count = Eigen::VectorXd::Zero(c);
    std::vector<Eigen::Index> of(static_cast<size_t>(n));
    for (Eigen::Index i = 0; i < n; ++i) {
        of[static_cast<size_t>(i)] = index[labels[static_cast<size_t>(i)]];
        count(of[static_cast<size_t>(i)]) += 1;
    }
    double total = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
        Eigen::VectorXd sums = Eigen::VectorXd::Zero(c);
        for (Eigen::Index j = 0; j < n; ++j) sums(of[static_cast<size_t>(j)]) += d(i, j);
        const Eigen::Index own = of[static_cast<size_t>(i)];
        if (count(own) <= 1) continue;  // a singleton scores 0
        const double a = sums(own) / (count(own) - 1);
        double b = std::numeric_limits<double>::infinity();
        for (Eigen::Index k = 0; k < c; ++k) {
            if (k != own) b = std::min(b, sums(k) / count(k));
        }
        total += (b - a) / std::max(a, b);
    }
    return total / static_cast<double>(n);
}

std::vector<std::pair<size_t, double>> nearestModels(const Eigen::MatrixXd& divergence, size_t row,
                                                     size_t k) {
    const auto n = static_cast<size_t>(divergence.rows());
    if (row >= n) {
        throw InputError("model index " + std::to_string(row) + " is out of range (" +
                         std::to_string(n) + " models)");
    }
    std::vector<std::pair<size_t, double>> all;
    for (size_t j = 0; j < n; ++j) {
        if (j != row) {
            all.emplace_back(
                j, divergence(static_cast<Eigen::Index>(row), static_cast<Eigen::Index>(j)));
        }
    }
    k = std::min(k, all.size());
    std::partial_sort(all.begin(), all.begin() + static_cast<long>(k), all.end(),
                      [](const auto& a, const auto& b) {
                          return a.second < b.second || (a.second == b.second && a.first < b.first);
                      });
    all.resize(k);
    return all;
}

}  // namespace llmap

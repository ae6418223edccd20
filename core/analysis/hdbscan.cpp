#include "analysis/hdbscan.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <numeric>

#include "analysis/clustering.h"
#include "util/error.h"

namespace llmap {

namespace {

using Index = Eigen::Index;

struct Merge {
    Index left, right;
    double distance;
    Index size;
};

struct CondensedRow {
    Index parent, child;
    double lambda;
    Index size;
};

// Nodes of the single-linkage hierarchy below `node` in breadth-first order (node included).
std::vector<Index> bfs(const std::vector<Merge>& tree, Index n, Index node) {
    std::vector<Index> out;
    std::deque<Index> queue{node};
    while (!queue.empty()) {
        const Index x = queue.front();
        queue.pop_front();
        out.push_back(x);
        if (x >= n) {
            const Merge& m = tree[static_cast<size_t>(x - n)];
            queue.push_back(m.left);
            queue.push_back(m.right);
        }
    }
    return out;
}

}  // namespace

std::vector<int> hdbscanPrecomputed(const Eigen::MatrixXd& d, int minClusterSize, int minSamples) {
    const Index n = d.rows();
    if (n < 3) throw InputError("HDBSCAN needs at least 3 models, got " + std::to_string(n));
    if (minClusterSize < 2) {
        throw InputError("HDBSCAN needs a minimum cluster size of at least 2", "",
                         "pass --min-cluster-size 2 or more");
    }
    if (minSamples <= 0) minSamples = minClusterSize;
    if (minSamples > n) {
        throw InputError("HDBSCAN min-samples " + std::to_string(minSamples) + " exceeds the " +
                         std::to_string(n) + " models");
    }
    // Core distances: the minSamples-th smallest distance of each row (the row itself included).
    Eigen::VectorXd core(n);
    std::vector<double> row(static_cast<size_t>(n));
    for (Index i = 0; i < n; ++i) {
        for (Index j = 0; j < n; ++j) row[static_cast<size_t>(j)] = d(i, j);
        std::nth_element(row.begin(), row.begin() + (minSamples - 1), row.end());
        core(i) = row[static_cast<size_t>(minSamples - 1)];
    }
    auto reach = [&](Index i, Index j) { return std::max({d(i, j), core(i), core(j)}); };

    // Prim's minimum spanning tree from node 0.
    std::vector<bool> inTree(static_cast<size_t>(n), false);
    std::vector<double> best(static_cast<size_t>(n), std::numeric_limits<double>::infinity());
    std::vector<Index> source(static_cast<size_t>(n), 0);
    struct Edge {
        Index a, b;
        double w;
    };
    std::vector<Edge> edges;
    Index current = 0;
    for (Index step = 0; step < n - 1; ++step) {
        inTree[static_cast<size_t>(current)] = true;
        Index next = -1;
        double nextDist = std::numeric_limits<double>::infinity();
        for (Index j = 0; j < n; ++j) {
            if (inTree[static_cast<size_t>(j)]) continue;
            const double r = reach(current, j);
            if (r < best[static_cast<size_t>(j)]) {
                best[static_cast<size_t>(j)] = r;
                source[static_cast<size_t>(j)] = current;
            }
            if (best[static_cast<size_t>(j)] < nextDist) {
                nextDist = best[static_cast<size_t>(j)];
                next = j;
            }
        }
        edges.push_back({source[static_cast<size_t>(next)], next, nextDist});
        current = next;
    }
    std::stable_sort(edges.begin(), edges.end(),
                     [](const Edge& a, const Edge& b) { return a.w < b.w; });

    // Single linkage: merged clusters get ids n, n+1, ...
    std::vector<Index> parent(static_cast<size_t>(2 * n - 1));
    std::iota(parent.begin(), parent.end(), 0);
    std::vector<Index> size(static_cast<size_t>(2 * n - 1), 1);
    auto find = [&](Index x) {
        while (parent[static_cast<size_t>(x)] != x) x = parent[static_cast<size_t>(x)];
        return x;
    };
    std::vector<Merge> tree;
    for (size_t e = 0; e < edges.size(); ++e) {
        const Index a = find(edges[e].a), b = find(edges[e].b);
        const Index id = n + static_cast<Index>(e);
        size[static_cast<size_t>(id)] = size[static_cast<size_t>(a)] + size[static_cast<size_t>(b)];
        tree.push_back({a, b, edges[e].w, size[static_cast<size_t>(id)]});
        parent[static_cast<size_t>(a)] = parent[static_cast<size_t>(b)] = id;
    }

    // Condensed tree.
    const Index root = 2 * n - 2;
    auto count = [&](Index node) {
        return node >= n ? tree[static_cast<size_t>(node - n)].size : 1;
    };
    std::vector<Index> relabel(static_cast<size_t>(root + 1), 0);
    relabel[static_cast<size_t>(root)] = n;
    Index nextLabel = n + 1;
    std::vector<bool> ignore(static_cast<size_t>(root + 1), false);
    std::vector<CondensedRow> condensed;
    for (Index node : bfs(tree, n, root)) {
        if (ignore[static_cast<size_t>(node)] || node < n) continue;
        const Merge& m = tree[static_cast<size_t>(node - n)];
        const double lambda =
            m.distance > 0 ? 1.0 / m.distance : std::numeric_limits<double>::infinity();
        const Index lc = count(m.left), rc = count(m.right);
        const Index label = relabel[static_cast<size_t>(node)];
        auto fallOut = [&](Index sub) {
            for (Index s : bfs(tree, n, sub)) {
                if (s < n) condensed.push_back({label, s, lambda, 1});
                ignore[static_cast<size_t>(s)] = true;
            }
        };
        if (lc >= minClusterSize && rc >= minClusterSize) {
            relabel[static_cast<size_t>(m.left)] = nextLabel++;
            condensed.push_back({label, relabel[static_cast<size_t>(m.left)], lambda, lc});
            relabel[static_cast<size_t>(m.right)] = nextLabel++;
            condensed.push_back({label, relabel[static_cast<size_t>(m.right)], lambda, rc});
        } else if (lc < minClusterSize && rc < minClusterSize) {
            fallOut(m.left);
            fallOut(m.right);
        } else if (lc < minClusterSize) {
            relabel[static_cast<size_t>(m.right)] = label;
            fallOut(m.left);
        } else {
            relabel[static_cast<size_t>(m.left)] = label;
            fallOut(m.right);
        }
    }

    // Stability of every cluster, then excess-of-mass selection (children before parents).
    std::map<Index, double> birth, stability;
    birth[n] = 0.0;
    for (const auto& r : condensed) {
        if (r.child >= n) birth[r.child] = r.lambda;
        stability.emplace(r.parent, 0.0);
    }
    for (const auto& r : condensed) {
        stability[r.parent] += (r.lambda - birth[r.parent]) * static_cast<double>(r.size);
    }
    std::map<Index, std::vector<Index>> children;
    for (const auto& r : condensed) {
        if (r.size > 1) children[r.parent].push_back(r.child);
    }
    std::map<Index, bool> selected;
    for (const auto& [c, s] : stability) {
        if (c != n) selected[c] = true;
    }
    for (auto it = selected.rbegin(); it != selected.rend(); ++it) {
        const Index node = it->first;
        double subtree = 0;
        for (Index c : children[node]) subtree += stability[c];
        if (subtree > stability[node]) {
            it->second = false;
            stability[node] = subtree;
        } else {
            std::deque<Index> queue(children[node].begin(), children[node].end());
            while (!queue.empty()) {
                const Index c = queue.front();
                queue.pop_front();
                selected[c] = false;
                for (Index g : children[c]) queue.push_back(g);
            }
        }
    }
    std::map<Index, int> labelOf;
    for (const auto& [c, keep] : selected) {
        if (keep) labelOf.emplace(c, static_cast<int>(labelOf.size()));
    }
    // Each node belongs to its nearest selected ancestor (or the root: noise).
    std::map<Index, Index> owner;
    owner[n] = n;
    std::vector<int> labels(static_cast<size_t>(n), -1);
    for (const auto& r : condensed) {
        const Index o = labelOf.count(r.child) ? r.child : owner[r.parent];
        if (r.child >= n) {
            owner[r.child] = o;
        } else if (o != n) {
            labels[static_cast<size_t>(r.child)] = labelOf[o];
        }
    }
    return labels;
}

std::vector<int> hdbscan(const Eigen::MatrixXd& x, int minClusterSize, int minSamples) {
    if (!x.allFinite()) throw InputError("HDBSCAN input holds NaN or infinite values");
    return hdbscanPrecomputed(euclideanDistances(x), minClusterSize, minSamples);
}

}  // namespace llmap

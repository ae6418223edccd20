#include "analysis/tsne.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>
#include <random>
#include <vector>

#include "analysis/parallel.h"
#include "analysis/pca.h"
#include "util/error.h"

namespace llmap {

namespace {

constexpr double kMachineEpsilon = std::numeric_limits<double>::epsilon();
constexpr double kFloat32Tiny = 1.1754943508222875e-38;

// scikit-learn's _binary_search_perplexity for one row: finds beta such that the entropy of
// exp(-beta d_j) / sum equals log(perplexity). `skip` is the column left out (-1: none).
void conditionalRow(const double* d, Eigen::Index count, Eigen::Index skip, double perplexity,
                    double* p) {
    const double desiredEntropy = std::log(perplexity);
    double betaMin = -std::numeric_limits<double>::infinity();
    double betaMax = std::numeric_limits<double>::infinity();
    double beta = 1.0;
    for (int step = 0; step < 100; ++step) {
        double sum = 0.0;
        for (Eigen::Index j = 0; j < count; ++j) {
            p[j] = j == skip ? 0.0 : std::exp(-d[j] * beta);
            sum += p[j];
        }
        if (sum == 0.0) sum = 1e-8;
        double sumDistP = 0.0;
        for (Eigen::Index j = 0; j < count; ++j) {
            p[j] /= sum;
            sumDistP += d[j] * p[j];
        }
        const double entropyDiff = std::log(sum) + beta * sumDistP - desiredEntropy;
        if (std::fabs(entropyDiff) <= 1e-5) break;
        if (entropyDiff > 0.0) {
            betaMin = beta;
            beta = std::isinf(betaMax) ? beta * 2.0 : (beta + betaMax) / 2.0;
        } else {
            betaMax = beta;
            beta = std::isinf(betaMin) ? beta / 2.0 : (beta + betaMin) / 2.0;
        }
    }
}

void validate(const Eigen::MatrixXd& x, const TsneOptions& o) {
    const Eigen::Index k = x.rows();
    if (k < 3) {
        throw InputError("t-SNE needs at least 3 models, got " + std::to_string(k), "",
                         "score more models or use --method pca");
    }
    if (!x.allFinite()) {
        throw InputError("t-SNE input holds NaN or infinite values", "",
                         "leave out models that are not fully scored");
    }
    if (!(o.perplexity > 0) || o.perplexity >= static_cast<double>(k)) {
        throw InputError("perplexity " + std::to_string(o.perplexity) +
                             " must be positive and below the number of models (" +
                             std::to_string(k) + ")",
                         "",
                         "choose a perplexity below " + std::to_string(k) +
                             " (the paper uses 30 for 1,018 models)");
    }
    if (o.dimensions < 1) throw InputError("t-SNE needs at least 1 output dimension");
    if (o.maxIterations < o.explorationIterations) {
        throw InputError("t-SNE iterations (" + std::to_string(o.maxIterations) +
                         ") must be at least the " + std::to_string(o.explorationIterations) +
                         " early-exaggeration iterations");
    }
    if (o.init != "pca" && o.init != "random") {
        throw InputError("unknown t-SNE initialisation \"" + o.init + "\"", "",
                         "use pca or random");
    }
    if (o.method != "auto" && o.method != "exact" && o.method != "barnes_hut") {
        throw InputError("unknown t-SNE method \"" + o.method + "\"", "",
                         "use auto, exact or barnes_hut");
    }
    if (o.method == "barnes_hut" && o.dimensions != 2) {
        throw InputError("Barnes-Hut t-SNE is implemented for 2 dimensions", "",
                         "use --tsne-method exact for other dimensions");
    }
}

// The k nearest neighbours (self excluded) of every row, by squared Euclidean distance, computed
// in blocks of rows so that memory stays O(block * K).
void nearestNeighbours(const Eigen::MatrixXd& x, Eigen::Index k, std::vector<int>& index,
                       std::vector<double>& dist) {
    const Eigen::Index n = x.rows();
    index.assign(static_cast<size_t>(n * k), 0);
    dist.assign(static_cast<size_t>(n * k), 0.0);
    const Eigen::VectorXd norms = x.rowwise().squaredNorm();
    const Eigen::Index block = 256;
    for (Eigen::Index b = 0; b < n; b += block) {
        const Eigen::Index rows = std::min(block, n - b);
        Eigen::MatrixXd d = -2.0 * (x.middleRows(b, rows) * x.transpose());
        d.colwise() += norms.segment(b, rows);
        d.rowwise() += norms.transpose();
        parallelChunks(static_cast<size_t>(rows), [&](size_t, size_t lo, size_t hi) {
            std::vector<int> order(static_cast<size_t>(n));
            for (size_t r = lo; r < hi; ++r) {
                const auto row = static_cast<Eigen::Index>(r);
                const Eigen::Index i = b + row;
                std::iota(order.begin(), order.end(), 0);
                d(row, i) = std::numeric_limits<double>::infinity();
                auto less = [&](int a, int c) {
                    double da = d(row, a), dc = d(row, c);
                    return da < dc || (da == dc && a < c);
                };
                std::partial_sort(order.begin(), order.begin() + k, order.end(), less);
                for (Eigen::Index j = 0; j < k; ++j) {
                    const auto at = static_cast<size_t>(i * k + j);
                    index[at] = order[static_cast<size_t>(j)];
                    dist[at] = std::max(0.0, d(row, order[static_cast<size_t>(j)]));
                }
            }
        });
    }
}

// ---- Barnes-Hut quadtree (2-D) -------------------------------------------------------------

struct QuadTree {
    struct Node {
        double comX = 0, comY = 0, width = 0;
        int count = 0;
        int first = 0, last = 0;  // range in `order`
        std::array<int, 4> child{{-1, -1, -1, -1}};
        bool leaf = true;
    };
    std::vector<Node> nodes;
    std::vector<int> order;
    const Eigen::MatrixXd* y = nullptr;

    explicit QuadTree(const Eigen::MatrixXd& points) : y(&points) {
        const auto n = static_cast<int>(points.rows());
        order.resize(static_cast<size_t>(n));
        std::iota(order.begin(), order.end(), 0);
        const Eigen::Vector2d lo = points.colwise().minCoeff();
        const Eigen::Vector2d hi = points.colwise().maxCoeff();
        const Eigen::Vector2d centre = (lo + hi) / 2.0;
        const double half = std::max((hi - lo).maxCoeff() / 2.0, 1e-12) * (1.0 + 1e-6);
        nodes.reserve(static_cast<size_t>(4 * n));
        build(0, n, centre.x(), centre.y(), half, 0);
    }

    int build(int first, int last, double cx, double cy, double half, int depth) {
        const int id = static_cast<int>(nodes.size());
        nodes.emplace_back();
        Node node;
        node.first = first;
        node.last = last;
        node.count = last - first;
        node.width = 2.0 * half;
        for (int a = first; a < last; ++a) {
            node.comX += (*y)(order[static_cast<size_t>(a)], 0);
            node.comY += (*y)(order[static_cast<size_t>(a)], 1);
        }
        node.comX /= node.count;
        node.comY /= node.count;
        if (node.count > 1 && depth < 48 && half > 1e-12) {
            node.leaf = false;
            auto begin = order.begin() + first;
            auto end = order.begin() + last;
            auto midX = std::partition(begin, end, [&](int p) { return (*y)(p, 0) < cx; });
            auto lowY = std::partition(begin, midX, [&](int p) { return (*y)(p, 1) < cy; });
            auto highY = std::partition(midX, end, [&](int p) { return (*y)(p, 1) < cy; });
            const int bounds[5] = {first, static_cast<int>(lowY - order.begin()),
                                   static_cast<int>(midX - order.begin()),
                                   static_cast<int>(highY - order.begin()), last};
            const double h = half / 2.0;
            const double offX[4] = {-h, -h, h, h};
            const double offY[4] = {-h, h, -h, h};
            for (int q = 0; q < 4; ++q) {
                if (bounds[q + 1] > bounds[q]) {
                    node.child[static_cast<size_t>(q)] =
                        build(bounds[q], bounds[q + 1], cx + offX[q], cy + offY[q], h, depth + 1);
                }
            }
        }
        nodes[static_cast<size_t>(id)] = node;
        return id;
    }

    // Adds point i's repulsive force (unnormalised) to (fx, fy) and returns its share of sum Q.
    double repulsion(int i, double theta2, double& fx, double& fy) const {
        const double xi = (*y)(i, 0), yi = (*y)(i, 1);
        double sumQ = 0.0;
        int stack[256];
        int top = 0;
        stack[top++] = 0;
        while (top > 0) {
            const Node& node = nodes[static_cast<size_t>(stack[--top])];
            if (node.leaf) {
                for (int a = node.first; a < node.last; ++a) {
                    const int j = order[static_cast<size_t>(a)];
                    if (j == i) continue;
                    const double dx = xi - (*y)(j, 0), dy = yi - (*y)(j, 1);
                    const double q = 1.0 / (1.0 + dx * dx + dy * dy);
                    sumQ += q;
                    fx += q * q * dx;
                    fy += q * q * dy;
                }
                continue;
            }
            const double dx = xi - node.comX, dy = yi - node.comY;
            const double d2 = dx * dx + dy * dy;
            if (d2 > 0 && node.width * node.width < theta2 * d2) {
                const double q = 1.0 / (1.0 + d2);
                sumQ += node.count * q;
                fx += node.count * q * q * dx;
                fy += node.count * q * q * dy;
            } else {
                for (int c : node.child) {
                    if (c >= 0) stack[top++] = c;
                }
            }
        }
        return sumQ;
    }
};

// ---- objectives ----------------------------------------------------------------------------

struct Objective {
    virtual ~Objective() = default;
    // Fills grad (K x d); returns KL(P || Q) when computeError, else 0.
    virtual double evaluate(const Eigen::MatrixXd& y, Eigen::MatrixXd& grad, bool computeError) = 0;
    virtual void scaleP(double factor) = 0;
};

struct ExactObjective : Objective {
    Eigen::MatrixXd p;
    double dof;
    ExactObjective(Eigen::MatrixXd pIn, double dofIn) : p(std::move(pIn)), dof(dofIn) {}

    void scaleP(double factor) override { p *= factor; }

    double evaluate(const Eigen::MatrixXd& y, Eigen::MatrixXd& grad, bool computeError) override {
        const Eigen::Index n = y.rows();
        Eigen::MatrixXd w = squaredDistances(y);
        w = ((w.array() / dof + 1.0).pow(-(dof + 1.0) / 2.0)).matrix();
        w.diagonal().setZero();
        const double sumW = w.sum();
        double kl = 0.0;
        Eigen::MatrixXd pqd(n, n);
        for (Eigen::Index j = 0; j < n; ++j) {
            for (Eigen::Index i = 0; i < n; ++i) {
                if (i == j) {
                    pqd(i, j) = 0.0;
                    continue;
                }
                const double q = std::max(w(i, j) / sumW, kMachineEpsilon);
                pqd(i, j) = (p(i, j) - q) * w(i, j);
                if (computeError) kl += p(i, j) * std::log(std::max(p(i, j), kMachineEpsilon) / q);
            }
        }
        grad = pqd.rowwise().sum().asDiagonal() * y - pqd * y;
        grad *= 2.0 * (dof + 1.0) / dof;
        return kl;
    }
};

struct BarnesHutObjective : Objective {
    Eigen::SparseMatrix<double, Eigen::RowMajor> p;
    double theta;
    BarnesHutObjective(const Eigen::SparseMatrix<double>& pIn, double angle)
        : p(pIn), theta(angle) {}

    void scaleP(double factor) override { p *= factor; }

    double evaluate(const Eigen::MatrixXd& y, Eigen::MatrixXd& grad, bool computeError) override {
        const Eigen::Index n = y.rows();
        QuadTree tree(y);
        Eigen::MatrixXd neg(n, 2);
        std::array<double, kParallelChunks> partialQ{};
        parallelChunks(static_cast<size_t>(n), [&](size_t c, size_t lo, size_t hi) {
            double s = 0.0;
            for (size_t i = lo; i < hi; ++i) {
                double fx = 0.0, fy = 0.0;
                s += tree.repulsion(static_cast<int>(i), theta * theta, fx, fy);
                neg(static_cast<Eigen::Index>(i), 0) = fx;
                neg(static_cast<Eigen::Index>(i), 1) = fy;
            }
            partialQ[c] = s;
        });
        double sumQ = 0.0;
        for (double s : partialQ) sumQ += s;
        grad.resize(n, 2);
        double kl = 0.0;
        for (Eigen::Index i = 0; i < n; ++i) {
            double px = 0.0, py = 0.0;
            for (Eigen::SparseMatrix<double, Eigen::RowMajor>::InnerIterator it(p, i); it; ++it) {
                const Eigen::Index j = it.col();
                const double dx = y(i, 0) - y(j, 0), dy = y(i, 1) - y(j, 1);
                const double q = 1.0 / (1.0 + dx * dx + dy * dy);
                px += it.value() * q * dx;
                py += it.value() * q * dy;
                if (computeError) {
                    kl += it.value() * std::log(std::max(it.value(), kFloat32Tiny) /
                                                std::max(q / sumQ, kFloat32Tiny));
                }
            }
            grad(i, 0) = 4.0 * (px - neg(i, 0) / sumQ);
            grad(i, 1) = 4.0 * (py - neg(i, 1) / sumQ);
        }
        return kl;
    }
};

// scikit-learn's _gradient_descent: momentum, gains, error checked every 50 iterations.
int gradientDescent(Objective& objective, Eigen::MatrixXd& y, Eigen::MatrixXd& update,
                    Eigen::MatrixXd& gains, int it, int maxIter, double momentum,
                    double learningRate, int withoutProgress, double minGradNorm, double& error) {
    Eigen::MatrixXd grad;
    double bestError = std::numeric_limits<double>::max();
    int bestIter = it;
    int i = it;
    for (; i < maxIter; ++i) {
        const bool check = (i + 1) % 50 == 0;
        const bool computeError = check || i == maxIter - 1;
        const double e = objective.evaluate(y, grad, computeError);
        if (computeError) error = e;
        for (Eigen::Index a = 0; a < y.size(); ++a) {
            double& g = gains.data()[a];
            if (update.data()[a] * grad.data()[a] < 0.0) {
                g += 0.2;
            } else {
                g *= 0.8;
            }
            g = std::max(g, 0.01);
            grad.data()[a] *= g;
        }
        update = momentum * update - learningRate * grad;
        y += update;
        if (check) {
            if (error < bestError) {
                bestError = error;
                bestIter = i;
            } else if (i - bestIter > withoutProgress) {
                break;
            }
            if (grad.norm() <= minGradNorm) break;
        }
    }
    return std::min(i, maxIter - 1);
}

}  // namespace

Eigen::MatrixXd squaredDistances(const Eigen::MatrixXd& x) {
    const Eigen::VectorXd norms = x.rowwise().squaredNorm();
    Eigen::MatrixXd d = -2.0 * (x * x.transpose());
    d.colwise() += norms;
    d.rowwise() += norms.transpose();
    d = d.cwiseMax(0.0);
    d.diagonal().setZero();
    return d;
}

Eigen::MatrixXd tsneJointProbabilities(const Eigen::MatrixXd& x, double perplexity) {
    const Eigen::Index n = x.rows();
    // Row-major access: distances of row i are column i of the symmetric matrix.
    const Eigen::MatrixXd d = squaredDistances(x);
    Eigen::MatrixXd conditional(n, n);
    for (Eigen::Index i = 0; i < n; ++i) {
        conditionalRow(d.col(i).data(), n, i, perplexity, conditional.col(i).data());
    }
    // conditional holds row i's distribution in column i: P = C' + C.
    Eigen::MatrixXd p = conditional + conditional.transpose();
    p /= std::max(p.sum(), kMachineEpsilon);
    p = p.cwiseMax(kMachineEpsilon);
    p.diagonal().setZero();
    return p;
}

Eigen::SparseMatrix<double> tsneJointProbabilitiesNn(const Eigen::MatrixXd& x, double perplexity) {
    const Eigen::Index n = x.rows();
    const Eigen::Index k =
        std::min<Eigen::Index>(n - 1, static_cast<Eigen::Index>(3.0 * perplexity + 1.0));
    std::vector<int> index;
    std::vector<double> dist;
    nearestNeighbours(x, k, index, dist);
    std::vector<double> cond(static_cast<size_t>(n * k));
    parallelChunks(static_cast<size_t>(n), [&](size_t, size_t lo, size_t hi) {
        for (size_t i = lo; i < hi; ++i) {
            conditionalRow(&dist[i * static_cast<size_t>(k)], k, -1, perplexity,
                           &cond[i * static_cast<size_t>(k)]);
        }
    });
    std::vector<Eigen::Triplet<double>> triplets;
    triplets.reserve(static_cast<size_t>(2 * n * k));
    for (Eigen::Index i = 0; i < n; ++i) {
        for (Eigen::Index j = 0; j < k; ++j) {
            const auto at = static_cast<size_t>(i * k + j);
            triplets.emplace_back(i, index[at], cond[at]);
            triplets.emplace_back(index[at], i, cond[at]);
        }
    }
    Eigen::SparseMatrix<double> p(n, n);
    p.setFromTriplets(triplets.begin(), triplets.end());
    p /= std::max(p.sum(), kMachineEpsilon);
    return p;
}

double tsneKlDivergence(const Eigen::MatrixXd& p, const Eigen::MatrixXd& y) {
    Eigen::MatrixXd w = (squaredDistances(y).array() + 1.0).inverse().matrix();
    w.diagonal().setZero();
    const double sumW = w.sum();
    double kl = 0.0;
    for (Eigen::Index j = 0; j < p.cols(); ++j) {
        for (Eigen::Index i = 0; i < p.rows(); ++i) {
            if (i == j || p(i, j) <= 0) continue;
            const double q = std::max(w(i, j) / sumW, kMachineEpsilon);
            kl += p(i, j) * std::log(std::max(p(i, j), kMachineEpsilon) / q);
        }
    }
    return kl;
}

double trustworthiness(const Eigen::MatrixXd& x, const Eigen::MatrixXd& y, int k) {
    const Eigen::Index n = x.rows();
    if (k < 1 || 2 * k >= n) {
        throw InputError("trustworthiness needs k < K / 2, got k = " + std::to_string(k) +
                         " for K = " + std::to_string(n));
    }
    const Eigen::MatrixXd dx = squaredDistances(x);
    const Eigen::MatrixXd dy = squaredDistances(y);
    double t = 0.0;
    std::vector<int> order(static_cast<size_t>(n));
    std::vector<int> rank(static_cast<size_t>(n));
    for (Eigen::Index i = 0; i < n; ++i) {
        std::iota(order.begin(), order.end(), 0);
        auto byX = [&](int a, int b) {
            if (a == i) return false;
            if (b == i) return true;
            return dx(a, i) < dx(b, i) || (dx(a, i) == dx(b, i) && a < b);
        };
        std::sort(order.begin(), order.end(), byX);
        for (Eigen::Index r = 0; r < n; ++r)
            rank[static_cast<size_t>(order[static_cast<size_t>(r)])] = static_cast<int>(r + 1);
        auto byY = [&](int a, int b) {
            if (a == i) return false;
            if (b == i) return true;
            return dy(a, i) < dy(b, i) || (dy(a, i) == dy(b, i) && a < b);
        };
        std::iota(order.begin(), order.end(), 0);
        std::partial_sort(order.begin(), order.begin() + k, order.end(), byY);
        for (int r = 0; r < k; ++r) {
            const int excess = rank[static_cast<size_t>(order[static_cast<size_t>(r)])] - k;
            if (excess > 0) t += excess;
        }
    }
    const double nn = static_cast<double>(n), kk = static_cast<double>(k);
    return 1.0 - t * (2.0 / (nn * kk * (2.0 * nn - 3.0 * kk - 1.0)));
}

TsneResult tsne(const Eigen::MatrixXd& x, const TsneOptions& o) {
    validate(x, o);
    const Eigen::Index n = x.rows();
    TsneResult result;
    result.method = o.method;
    if (o.method == "auto")
        result.method = (n <= 500 || o.dimensions != 2) ? "exact" : "barnes_hut";

    const double dof = std::max(o.dimensions - 1, 1);
    std::unique_ptr<Objective> objective;
    if (result.method == "exact") {
        objective = std::make_unique<ExactObjective>(tsneJointProbabilities(x, o.perplexity), dof);
    } else {
        objective = std::make_unique<BarnesHutObjective>(tsneJointProbabilitiesNn(x, o.perplexity),
                                                         o.angle);
    }

    Eigen::MatrixXd y;
    if (o.init == "pca") {
        y = pcaAuto(x, o.dimensions, o.seed).coordinates;
        const double mean = y.col(0).mean();
        const double sd = std::sqrt((y.col(0).array() - mean).square().mean());
        y *= sd > 0 ? 1e-4 / sd : 1.0;
    } else {
        std::mt19937_64 rng(o.seed);
        std::normal_distribution<double> normal(0.0, 1e-4);
        y.resize(n, o.dimensions);
        for (Eigen::Index a = 0; a < y.size(); ++a) y.data()[a] = normal(rng);
    }

    const double learningRate =
        o.learningRate > 0 ? o.learningRate
                           : std::max(static_cast<double>(n) / o.earlyExaggeration / 4.0, 50.0);
    Eigen::MatrixXd update = Eigen::MatrixXd::Zero(n, o.dimensions);
    Eigen::MatrixXd gains = Eigen::MatrixXd::Ones(n, o.dimensions);
    double error = 0.0;
    objective->scaleP(o.earlyExaggeration);
    int it = gradientDescent(*objective, y, update, gains, 0, o.explorationIterations, 0.5,
                             learningRate, o.explorationIterations, o.minGradNorm, error);
    objective->scaleP(1.0 / o.earlyExaggeration);
    if (it < o.explorationIterations - 1 || o.maxIterations > o.explorationIterations) {
        it = gradientDescent(*objective, y, update, gains, it + 1, o.maxIterations, 0.8,
                             learningRate, o.iterationsWithoutProgress, o.minGradNorm, error);
    }
    result.embedding = std::move(y);
    result.klDivergence = error;
    result.iterations = it + 1;
    return result;
}

}  // namespace llmap

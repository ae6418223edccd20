#include "analysis/tsne.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>
#include <random>
#include <vector>

#include "analysis/neighbours.h"
#include "analysis/parallel.h"
#include "analysis/pca.h"
#include "analysis/tsne_gradient.h"
#include "util/error.h"

namespace llmap {

namespace {

constexpr double kMachineEpsilon = std::numeric_limits<double>::epsilon();

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

// scikit-learn's _gradient_descent: momentum, gains, error checked every 50 iterations. Each call
// (early exaggeration, then the rest) starts from zero momentum and unit gains, as there.
int gradientDescent(TsneObjective& objective, Eigen::MatrixXd& y, int it, int maxIter,
                    double momentum, double learningRate, int withoutProgress, double minGradNorm,
                    double& error) {
    Eigen::MatrixXd update = Eigen::MatrixXd::Zero(y.rows(), y.cols());
    Eigen::MatrixXd gains = Eigen::MatrixXd::Ones(y.rows(), y.cols());
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
    parallelChunks(static_cast<size_t>(n), [&](size_t, size_t lo, size_t hi) {
        for (auto i = static_cast<Eigen::Index>(lo); i < static_cast<Eigen::Index>(hi); ++i) {
            conditionalRow(d.col(i).data(), n, i, perplexity, conditional.col(i).data());
        }
    });
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
    const Neighbours nn = nearestNeighbours(x, k);
    const std::vector<int>& index = nn.index;
    const std::vector<double>& dist = nn.distance;
    std::vector<double> cond(static_cast<size_t>(n * k));
    parallelChunks(static_cast<size_t>(n), [&](size_t, size_t lo, size_t hi) {
        for (size_t i = lo; i < hi; ++i) {
            conditionalRow(dist.data() + i * static_cast<size_t>(k), k, -1, perplexity,
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
    if (o.method == "auto") result.method = o.dimensions == 2 ? "barnes_hut" : "exact";

    const double dof = std::max(o.dimensions - 1, 1);
    std::unique_ptr<TsneObjective> objective =
        result.method == "exact"
            ? exactTsneObjective(tsneJointProbabilities(x, o.perplexity), dof)
            : barnesHutTsneObjective(tsneJointProbabilitiesNn(x, o.perplexity), o.angle);

    Eigen::MatrixXd y;
    if (o.init == "pca") {
        // The solver scikit-learn's PCA picks ("auto"): randomised unless the input is small.
        const bool small = std::max(x.rows(), x.cols()) <= 500 ||
                           o.dimensions >= 0.8 * static_cast<double>(std::min(x.rows(), x.cols()));
        y = (small ? pca(x, o.dimensions) : randomizedPca(x, o.dimensions, o.seed)).coordinates;
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
    double error = 0.0;
    objective->scaleP(o.earlyExaggeration);
    int it = gradientDescent(*objective, y, 0, o.explorationIterations, 0.5, learningRate,
                             o.explorationIterations, o.minGradNorm, error);
    objective->scaleP(1.0 / o.earlyExaggeration);
    if (it < o.explorationIterations - 1 || o.maxIterations > o.explorationIterations) {
        it = gradientDescent(*objective, y, it + 1, o.maxIterations, 0.8, learningRate,
                             o.iterationsWithoutProgress, o.minGradNorm, error);
    }
    result.embedding = std::move(y);
    result.klDivergence = error;
    result.iterations = it + 1;
    return result;
}

}  // namespace llmap

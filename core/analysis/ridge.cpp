#include "analysis/ridge.h"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <random>

#include "util/error.h"

namespace llmap {

namespace {

using Index = Eigen::Index;

Eigen::MatrixXd sub(const Eigen::MatrixXd& g, const std::vector<Index>& r,
                    const std::vector<Index>& c) {
    Eigen::MatrixXd out(static_cast<Index>(r.size()), static_cast<Index>(c.size()));
    for (size_t i = 0; i < r.size(); ++i) {
        for (size_t j = 0; j < c.size(); ++j) {
            out(static_cast<Index>(i), static_cast<Index>(j)) = g(r[i], c[j]);
        }
    }
    return out;
}

// Ridge with intercept trained on `train`, predicting `test`, for every alpha (columns).
Eigen::MatrixXd ridgePredict(const Eigen::MatrixXd& gram, const Eigen::VectorXd& y,
                             const std::vector<Index>& train, const std::vector<Index>& test,
                             const std::vector<double>& alphas) {
    const Eigen::MatrixXd gtt = sub(gram, train, train);
    const Eigen::MatrixXd gst = sub(gram, test, train);
    // Centre the kernel by the training means of the features.
    const Eigen::RowVectorXd colMean = gtt.colwise().mean();
    const double allMean = colMean.mean();
    Eigen::MatrixXd kc = gtt;
    kc.rowwise() -= colMean;
    kc.colwise() -= colMean.transpose();
    kc.array() += allMean;
    Eigen::MatrixXd cross = gst;
    cross.colwise() -= gst.rowwise().mean();
    cross.rowwise() -= colMean;
    cross.array() += allMean;

    Eigen::VectorXd yt(static_cast<Index>(train.size()));
    for (size_t i = 0; i < train.size(); ++i) yt(static_cast<Index>(i)) = y(train[i]);
    const double yMean = yt.mean();
    yt.array() -= yMean;

    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(kc);
    const Eigen::VectorXd vty = eig.eigenvectors().transpose() * yt;
    const Eigen::MatrixXd crossV = cross * eig.eigenvectors();
    Eigen::MatrixXd out(static_cast<Index>(test.size()), static_cast<Index>(alphas.size()));
    for (size_t a = 0; a < alphas.size(); ++a) {
        const Eigen::VectorXd coef = vty.array() / (eig.eigenvalues().array().max(0.0) + alphas[a]);
        out.col(static_cast<Index>(a)) = (crossV * coef).array() + yMean;
    }
    return out;
}

Eigen::VectorXd ranks(const Eigen::VectorXd& v) {
    std::vector<Index> order(static_cast<size_t>(v.size()));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return v(a) < v(b); });
    Eigen::VectorXd r(v.size());
    for (size_t i = 0; i < order.size();) {
        size_t j = i;
        while (j + 1 < order.size() && v(order[j + 1]) == v(order[i])) ++j;
        const double avg = (static_cast<double>(i) + static_cast<double>(j)) / 2.0 + 1.0;
        for (size_t t = i; t <= j; ++t) r(order[t]) = avg;
        i = j + 1;
    }
    return r;
}

void shuffle(std::vector<size_t>& v, uint64_t seed) {
    std::mt19937_64 rng(seed);
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng() % i]);
}

}  // namespace

std::vector<double> defaultRidgeAlphas() {
    std::vector<double> a;
    for (int e = 1; e <= 9; ++e) a.push_back(std::pow(10.0, e));
    return a;
}

Eigen::VectorXd ridgeCvPredictions(const Eigen::MatrixXd& gram, const Eigen::VectorXd& y,
                                   const std::vector<int>& fold, const std::vector<double>& alphas,
                                   int innerFolds, std::vector<double>* chosenAlpha) {
    const int folds = fold.empty() ? 0 : *std::max_element(fold.begin(), fold.end()) + 1;
    Eigen::VectorXd pred = Eigen::VectorXd::Constant(y.size(), std::nan(""));
    if (chosenAlpha) chosenAlpha->assign(static_cast<size_t>(folds), std::nan(""));
    for (int f = 0; f < folds; ++f) {
        std::vector<Index> train, test;
        for (size_t i = 0; i < fold.size(); ++i) {
            if (fold[i] < 0) continue;
            (fold[i] == f ? test : train).push_back(static_cast<Index>(i));
        }
        if (test.empty()) continue;
        if (static_cast<int>(train.size()) < innerFolds) {
            throw InputError("a training fold holds " + std::to_string(train.size()) +
                             " models, fewer than the " + std::to_string(innerFolds) +
                             " inner folds");
        }
        // Inner CV: contiguous folds over the training models in order (scikit-learn's KFold).
        Eigen::VectorXd mse = Eigen::VectorXd::Zero(static_cast<Index>(alphas.size()));
        const size_t n = train.size();
        size_t start = 0;
        for (int k = 0; k < innerFolds; ++k) {
            const size_t size = n / static_cast<size_t>(innerFolds) +
                                (static_cast<size_t>(k) < n % static_cast<size_t>(innerFolds));
            std::vector<Index> innerTrain, innerTest;
            for (size_t i = 0; i < n; ++i) {
                (i >= start && i < start + size ? innerTest : innerTrain).push_back(train[i]);
            }
            start += size;
            const Eigen::MatrixXd p = ridgePredict(gram, y, innerTrain, innerTest, alphas);
            for (Index a = 0; a < p.cols(); ++a) {
                double s = 0;
                for (size_t i = 0; i < innerTest.size(); ++i) {
                    const double d = p(static_cast<Index>(i), a) - y(innerTest[i]);
                    s += d * d;
                }
                mse(a) += s / static_cast<double>(innerTest.size()) / innerFolds;
            }
        }
        Index best = 0;
        for (Index a = 1; a < mse.size(); ++a) {
            if (mse(a) < mse(best)) best = a;
        }
        const Eigen::MatrixXd p =
            ridgePredict(gram, y, train, test, {alphas[static_cast<size_t>(best)]});
        for (size_t i = 0; i < test.size(); ++i) pred(test[i]) = p(static_cast<Index>(i), 0);
        if (chosenAlpha) (*chosenAlpha)[static_cast<size_t>(f)] = alphas[static_cast<size_t>(best)];
    }
    return pred;
}

std::vector<int> kfoldAssignment(size_t n, int folds, uint64_t seed) {
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    shuffle(order, seed);
    std::vector<int> fold(n);
    size_t start = 0;
    for (int k = 0; k < folds; ++k) {
        const size_t size = n / static_cast<size_t>(folds) +
                            (static_cast<size_t>(k) < n % static_cast<size_t>(folds));
        for (size_t i = start; i < start + size; ++i) fold[order[i]] = k;
        start += size;
    }
    return fold;
}

std::vector<int> groupKfoldAssignment(const std::vector<std::string>& groups, int folds,
                                      uint64_t seed) {
    std::map<std::string, std::vector<size_t>> members;
    for (size_t i = 0; i < groups.size(); ++i) members[groups[i]].push_back(i);
    if (static_cast<int>(members.size()) < folds) {
        throw InputError("grouped cross-validation needs at least " + std::to_string(folds) +
                             " groups, the models form " + std::to_string(members.size()),
                         "", "group by a field with more distinct values, or use plain CV");
    }
    std::vector<const std::vector<size_t>*> list;
    for (auto& [name, m] : members) list.push_back(&m);
    std::vector<size_t> order(list.size());
    std::iota(order.begin(), order.end(), 0);
    shuffle(order, seed);
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return list[a]->size() > list[b]->size(); });
    std::vector<size_t> load(static_cast<size_t>(folds), 0);
    std::vector<int> fold(groups.size());
    for (size_t g : order) {
        const auto lightest =
            static_cast<size_t>(std::min_element(load.begin(), load.end()) - load.begin());
        for (size_t i : *list[g]) fold[i] = static_cast<int>(lightest);
        load[lightest] += list[g]->size();
    }
    return fold;
}

double pearsonR(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
    const Eigen::VectorXd x = a.array() - a.mean();
    const Eigen::VectorXd y = b.array() - b.mean();
    const double d = std::sqrt(x.squaredNorm() * y.squaredNorm());
    return d > 0 ? x.dot(y) / d : std::nan("");
}

double spearmanRho(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
    return pearsonR(ranks(a), ranks(b));
}

BenchmarkPrediction predictBenchmarks(const Eigen::MatrixXd& x, const Eigen::MatrixXd& scores,
                                      const RidgeCvOptions& o) {
    const Index k = x.rows();
    if (scores.rows() != k) {
        throw InputError("benchmark scores for " + std::to_string(scores.rows()) +
                         " models, features for " + std::to_string(k));
    }
    if (!x.allFinite()) throw InputError("the features hold NaN; leave out unscored models");
    if (!o.groups.empty() && o.groups.size() != static_cast<size_t>(k)) {
        throw InputError("one group per model is needed for grouped cross-validation");
    }
    if (o.seeds.empty() || o.alphas.empty() || o.outerFolds < 2 || o.innerFolds < 2) {
        throw InputError("ridge CV needs at least one seed and penalty and 2 or more folds");
    }
    const Eigen::MatrixXd gram = x * x.transpose();
    const auto b = scores.cols();
    const auto s = static_cast<Index>(o.seeds.size());
    BenchmarkPrediction r;
    r.predictions = Eigen::MatrixXd::Zero(k, b);
    r.pearson.resize(s, b);
    r.spearman.resize(s, b);
    for (Index j = 0; j < b; ++j) {
        std::vector<Index> have;
        for (Index i = 0; i < k; ++i) {
            if (std::isfinite(scores(i, j))) have.push_back(i);
        }
        if (static_cast<int>(have.size()) < o.outerFolds * 2) {
            throw InputError("benchmark column " + std::to_string(j + 1) + " has scores for " +
                                 std::to_string(have.size()) + " scored models",
                             "", "prediction needs at least " + std::to_string(o.outerFolds * 2));
        }
        for (Index t = 0; t < s; ++t) {
            const uint64_t seed = o.seeds[static_cast<size_t>(t)];
            std::vector<int> sub;
            if (o.groups.empty()) {
                sub = kfoldAssignment(have.size(), o.outerFolds, seed);
            } else {
                std::vector<std::string> g;
                for (Index i : have) g.push_back(o.groups[static_cast<size_t>(i)]);
                sub = groupKfoldAssignment(g, o.outerFolds, seed);
            }
            std::vector<int> fold(static_cast<size_t>(k), -1);
            for (size_t i = 0; i < have.size(); ++i) fold[static_cast<size_t>(have[i])] = sub[i];
            const Eigen::VectorXd y = scores.col(j);
            const Eigen::VectorXd p = ridgeCvPredictions(gram, y, fold, o.alphas, o.innerFolds);
            Eigen::VectorXd pv(static_cast<Index>(have.size())), yv(pv.size());
            for (size_t i = 0; i < have.size(); ++i) {
                pv(static_cast<Index>(i)) = p(have[i]);
                yv(static_cast<Index>(i)) = y(have[i]);
                r.predictions(have[i], j) += p(have[i]) / static_cast<double>(s);
            }
            r.pearson(t, j) = pearsonR(pv, yv);
            r.spearman(t, j) = spearmanRho(pv, yv);
        }
        for (Index i = 0; i < k; ++i) {
            if (!std::isfinite(scores(i, j))) r.predictions(i, j) = std::nan("");
        }
    }
    r.meanPearson = r.pearson.colwise().mean().transpose();
    r.meanSpearman = r.spearman.colwise().mean().transpose();
    return r;
}

}  // namespace llmap

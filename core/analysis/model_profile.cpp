#include "analysis/model_profile.h"

#include "analysis/model_summary.h"

#include <algorithm>
#include <map>
#include <numeric>

namespace llmap {

SourceProfile sourceProfile(const Eigen::MatrixXd& q, const std::vector<std::string>& textSources) {
    SourceProfile p;
    std::map<std::string, size_t> index;
    for (const std::string& s : textSources) index.emplace(s, 0);
    for (auto& [name, i] : index) {
        i = p.sources.size();
        p.sources.push_back(name);
    }
    const auto k = q.rows();
    const auto s = static_cast<Eigen::Index>(p.sources.size());
    p.meanCentred = Eigen::MatrixXd::Zero(k, s);
    Eigen::VectorXd counts = Eigen::VectorXd::Zero(s);
    for (Eigen::Index j = 0; j < q.cols(); ++j) {
        const auto c = static_cast<Eigen::Index>(index[textSources[static_cast<size_t>(j)]]);
        p.meanCentred.col(c) += q.col(j);
        counts(c) += 1;
    }
    for (Eigen::Index c = 0; c < s; ++c) p.meanCentred.col(c) /= std::max(counts(c), 1.0);
    p.primary = primaryTextCategory(q, textSources);
    return p;
}

std::vector<Neighbour> nearestNeighbours(const Eigen::MatrixXd& q, size_t i, size_t k) {
    const auto row = static_cast<Eigen::Index>(i);
    Eigen::VectorXd d2 = (q.rowwise() - q.row(row)).rowwise().squaredNorm();
    std::vector<size_t> order(static_cast<size_t>(q.rows()));
    std::iota(order.begin(), order.end(), 0);
    order.erase(order.begin() + static_cast<long>(i));
    const size_t take = std::min(k, order.size());
    std::partial_sort(order.begin(), order.begin() + static_cast<long>(take), order.end(),
                      [&](size_t a, size_t b) {
                          return d2(static_cast<Eigen::Index>(a)) <
                                 d2(static_cast<Eigen::Index>(b));
                      });
    std::vector<Neighbour> out;
    for (size_t n = 0; n < take; ++n) {
        out.push_back(
            {order[n], d2(static_cast<Eigen::Index>(order[n])) / (2.0 * double(q.cols()))});
    }
    return out;
}

std::vector<size_t> separatingTexts(const Eigen::MatrixXd& q, size_t a, size_t b) {
    Eigen::VectorXd gap =
        (q.row(static_cast<Eigen::Index>(a)) - q.row(static_cast<Eigen::Index>(b))).cwiseAbs();
    std::vector<size_t> order(static_cast<size_t>(q.cols()));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
        return gap(static_cast<Eigen::Index>(x)) > gap(static_cast<Eigen::Index>(y));
    });
    return order;
}

Eigen::VectorXd textVariance(const Eigen::MatrixXd& q) {
    return q.colwise().squaredNorm().transpose() /
           static_cast<double>(std::max<Eigen::Index>(q.rows(), 1));
}

}  // namespace llmap

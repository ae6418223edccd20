#include "analysis/model_summary.h"

#include <limits>
#include <map>

#include "util/error.h"

namespace llmap {

std::vector<std::string> primaryTextCategory(const Eigen::MatrixXd& q,
                                             const std::vector<std::string>& sources) {
    if (sources.size() != static_cast<size_t>(q.cols())) {
        throw InputError("the text set has " + std::to_string(sources.size()) +
                             " source labels but the matrix has " + std::to_string(q.cols()) +
                             " texts",
                         "", "use the text set the scores were computed on");
    }
    std::vector<std::string> labels;
    std::map<std::string, size_t> index;
    std::vector<size_t> column(sources.size());
    for (size_t s = 0; s < sources.size(); ++s) {
        auto it = index.find(sources[s]);
        if (it == index.end()) {
            it = index.emplace(sources[s], labels.size()).first;
            labels.push_back(sources[s]);
        }
        column[s] = it->second;
    }
    const auto c = static_cast<Eigen::Index>(labels.size());
    Eigen::MatrixXd indicator = Eigen::MatrixXd::Zero(q.cols(), c);
    Eigen::VectorXd count = Eigen::VectorXd::Zero(c);
    for (size_t s = 0; s < sources.size(); ++s) {
        indicator(static_cast<Eigen::Index>(s), static_cast<Eigen::Index>(column[s])) = 1.0;
        count(static_cast<Eigen::Index>(column[s])) += 1.0;
    }
    Eigen::MatrixXd means = (q * indicator).array().rowwise() / count.transpose().array();
    std::vector<std::string> out(static_cast<size_t>(q.rows()));
    for (Eigen::Index i = 0; i < q.rows(); ++i) {
        Eigen::Index best = 0;
        means.row(i).maxCoeff(&best);
        out[static_cast<size_t>(i)] = labels[static_cast<size_t>(best)];
    }
    return out;
}

Eigen::VectorXd meanLogLikelihood(const Eigen::MatrixXd& scores) {
    Eigen::VectorXd m(scores.rows());
    for (Eigen::Index i = 0; i < scores.rows(); ++i) {
        m(i) = scores.row(i).array().isFinite().all() ? scores.row(i).mean()
                                                      : std::numeric_limits<double>::quiet_NaN();
    }
    return m;
}

}  // namespace llmap

#include "analysis/procrustes.h"

#include <Eigen/SVD>
#include <map>

#include "util/error.h"

namespace llmap {

Eigen::MatrixXd orthogonalProcrustes(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
    if (a.rows() != b.rows() || a.cols() != b.cols()) {
        throw InputError("Procrustes needs two maps of the same shape, got " +
                         std::to_string(a.rows()) + "x" + std::to_string(a.cols()) + " and " +
                         std::to_string(b.rows()) + "x" + std::to_string(b.cols()));
    }
    Eigen::JacobiSVD<Eigen::MatrixXd> svd(a.transpose() * b,
                                          Eigen::ComputeFullU | Eigen::ComputeFullV);
    return svd.matrixU() * svd.matrixV().transpose();
}

Eigen::MatrixXd procrustesAlign(const Eigen::MatrixXd& y, const Eigen::MatrixXd& reference,
                                bool scale) {
    const Eigen::RowVectorXd my = y.colwise().mean();
    const Eigen::RowVectorXd mr = reference.colwise().mean();
    const Eigen::MatrixXd a = y.rowwise() - my;
    const Eigen::MatrixXd b = reference.rowwise() - mr;
    const Eigen::MatrixXd r = orthogonalProcrustes(a, b);
    Eigen::MatrixXd out = a * r;
    if (scale && out.squaredNorm() > 0) out *= (out.cwiseProduct(b)).sum() / out.squaredNorm();
    out.rowwise() += mr;
    return out;
}

size_t alignByName(Eigen::MatrixXd& y, const std::vector<std::string>& ids,
                   const Eigen::MatrixXd& reference, const std::vector<std::string>& referenceIds) {
    if (y.cols() != reference.cols()) return 0;
    std::map<std::string, Eigen::Index> at;
    for (size_t i = 0; i < referenceIds.size(); ++i) {
        at[referenceIds[i]] = static_cast<Eigen::Index>(i);
    }
    std::vector<std::pair<Eigen::Index, Eigen::Index>> shared;
    for (size_t i = 0; i < ids.size(); ++i) {
        auto it = at.find(ids[i]);
        if (it != at.end()) shared.emplace_back(static_cast<Eigen::Index>(i), it->second);
    }
    if (shared.size() < 3) return shared.size();
    Eigen::MatrixXd a(static_cast<Eigen::Index>(shared.size()), y.cols()), b(a.rows(), a.cols());
    for (size_t i = 0; i < shared.size(); ++i) {
        a.row(static_cast<Eigen::Index>(i)) = y.row(shared[i].first);
        b.row(static_cast<Eigen::Index>(i)) = reference.row(shared[i].second);
    }
    const Eigen::RowVectorXd ma = a.colwise().mean(), mb = b.colwise().mean();
    const Eigen::MatrixXd r = orthogonalProcrustes(a.rowwise() - ma, b.rowwise() - mb);
    y = ((y.rowwise() - ma) * r).rowwise() + mb;
    return shared.size();
}

}  // namespace llmap

#include "analysis/procrustes.h"

#include <Eigen/SVD>

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

}  // namespace llmap

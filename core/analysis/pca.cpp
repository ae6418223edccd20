#include "analysis/pca.h"

#include <Eigen/SVD>

#include "util/error.h"

namespace llmap {

PcaResult pca(const Eigen::MatrixXd& x, int components) {
    const Eigen::Index k = x.rows();
    if (k < 2) throw InputError("PCA needs at least 2 models, got " + std::to_string(k));
    Eigen::MatrixXd centred = x.rowwise() - x.colwise().mean();
    Eigen::BDCSVD<Eigen::MatrixXd> svd(centred, Eigen::ComputeThinU | Eigen::ComputeThinV);
    const Eigen::Index c = std::min<Eigen::Index>(components, svd.singularValues().size());

    PcaResult r;
    r.coordinates.resize(k, components);
    r.coordinates.setZero();
    r.components.resize(components, x.cols());
    r.components.setZero();
    r.explainedVariance = Eigen::VectorXd::Zero(components);
    for (Eigen::Index j = 0; j < c; ++j) {
        Eigen::VectorXd v = svd.matrixV().col(j);
        Eigen::Index largest;
        v.cwiseAbs().maxCoeff(&largest);
        double sign = v(largest) < 0 ? -1.0 : 1.0;
        double s = svd.singularValues()(j);
        r.components.row(j) = sign * v.transpose();
        r.coordinates.col(j) = sign * s * svd.matrixU().col(j);
        r.explainedVariance(j) = s * s / static_cast<double>(k - 1);
    }
    return r;
}

}  // namespace llmap

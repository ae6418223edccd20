#include "analysis/pca.h"

#include <Eigen/QR>
#include <Eigen/SVD>
#include <random>

#include "util/error.h"

namespace llmap {

namespace {

void requireRows(const Eigen::MatrixXd& x) {
    if (x.rows() < 2) {
        throw InputError("PCA needs at least 2 models, got " + std::to_string(x.rows()), "",
                         "score more models");
    }
}

// Fills `r` from a thin SVD x_c = U S V' of the centred matrix, flipping signs as scikit-learn.
PcaResult fromSvd(const Eigen::MatrixXd& u, const Eigen::VectorXd& s, const Eigen::MatrixXd& v,
                  Eigen::Index k, Eigen::Index n, int components) {
    PcaResult r;
    r.coordinates = Eigen::MatrixXd::Zero(k, components);
    r.components = Eigen::MatrixXd::Zero(components, n);
    r.explainedVariance = Eigen::VectorXd::Zero(components);
    const Eigen::Index c = std::min<Eigen::Index>(components, s.size());
    for (Eigen::Index j = 0; j < c; ++j) {
        Eigen::Index largest;
        v.col(j).cwiseAbs().maxCoeff(&largest);
        double sign = v(largest, j) < 0 ? -1.0 : 1.0;
        r.components.row(j) = sign * v.col(j).transpose();
        r.coordinates.col(j) = sign * s(j) * u.col(j);
        r.explainedVariance(j) = s(j) * s(j) / static_cast<double>(k - 1);
    }
    return r;
}

Eigen::MatrixXd orthonormalise(const Eigen::MatrixXd& a) {
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(a);
    return qr.householderQ() * Eigen::MatrixXd::Identity(a.rows(), a.cols());
}

}  // namespace

PcaResult pca(const Eigen::MatrixXd& x, int components) {
    requireRows(x);
    Eigen::MatrixXd centred = x.rowwise() - x.colwise().mean();
    Eigen::BDCSVD<Eigen::MatrixXd> svd(centred, Eigen::ComputeThinU | Eigen::ComputeThinV);
    return fromSvd(svd.matrixU(), svd.singularValues(), svd.matrixV(), x.rows(), x.cols(),
                   components);
}

PcaResult randomizedPca(const Eigen::MatrixXd& x, int components, uint64_t seed, int oversamples,
                        int powerIterations) {
    requireRows(x);
    const Eigen::Index k = x.rows();
    const Eigen::Index n = x.cols();
    const Eigen::Index l = std::min<Eigen::Index>(components + oversamples, std::min(k, n));
    const Eigen::RowVectorXd mean = x.colwise().mean();

    std::mt19937_64 rng(seed);
    std::normal_distribution<double> normal;
    Eigen::MatrixXd omega(n, l);
    for (Eigen::Index i = 0; i < omega.size(); ++i) omega.data()[i] = normal(rng);

    // (x - 1 mean) * a and (x - 1 mean)' * b without forming the centred matrix.
    auto times = [&](const Eigen::MatrixXd& a) -> Eigen::MatrixXd {
        Eigen::MatrixXd y = x * a;
        y.rowwise() -= mean * a;
        return y;
    };
    auto transposeTimes = [&](const Eigen::MatrixXd& b) -> Eigen::MatrixXd {
        Eigen::MatrixXd z = x.transpose() * b;
        z -= mean.transpose() * b.colwise().sum();
        return z;
    };

    Eigen::MatrixXd q = orthonormalise(times(omega));
    for (int it = 0; it < powerIterations; ++it) {
        q = orthonormalise(times(orthonormalise(transposeTimes(q))));
    }
    Eigen::MatrixXd bt = transposeTimes(q);  // n x l = (q' x_c)'
    Eigen::JacobiSVD<Eigen::MatrixXd> svd(bt, Eigen::ComputeThinU | Eigen::ComputeThinV);
    // x_c ~ q b = q (V_bt S U_bt') so U = q V_bt, V = U_bt.
    Eigen::MatrixXd u = q * svd.matrixV();
    return fromSvd(u, svd.singularValues(), svd.matrixU(), k, n, components);
}

PcaResult pcaAuto(const Eigen::MatrixXd& x, int components, uint64_t seed,
                  const std::string& solver) {
    if (solver == "exact") return pca(x, components);
    if (solver == "randomized") return randomizedPca(x, components, seed);
    if (solver != "auto") {
        throw InputError("unknown PCA solver \"" + solver + "\"", "",
                         "use auto, exact or randomized");
    }
    if (std::min(x.rows(), x.cols()) <= 1000) return pca(x, components);
    return randomizedPca(x, components, seed);
}

}  // namespace llmap

#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include "analysis/parallel.h"
#include "analysis/tsne_gradient.h"

namespace llmap {

namespace {

constexpr double kMachineEpsilon = std::numeric_limits<double>::epsilon();

// scikit-learn's _kl_divergence: w_ij = (1 + |y_i - y_j|^2 / dof)^(-(dof + 1) / 2),
// q_ij = max(w_ij / sum w, eps), gradient_i = 2 (dof + 1) / dof sum_j (p_ij - q_ij) w_ij (y_i -
// y_j).
class ExactObjective : public TsneObjective {
public:
    ExactObjective(Eigen::MatrixXd p, double dof) : p_(std::move(p)), dof_(dof) {}

    void scaleP(double factor) override { p_ *= factor; }

    double evaluate(const Eigen::MatrixXd& y, Eigen::MatrixXd& grad, bool computeError) override {
        const Eigen::Index n = y.rows(), dims = y.cols();
        w_.resize(n, n);
        grad.resize(n, dims);
        // Column i of w_ holds row i (w is symmetric); rows are independent, sums go by chunk.
        std::array<double, kParallelChunks> partial{};
        parallelChunks(static_cast<size_t>(n), [&](size_t c, size_t lo, size_t hi) {
            double s = 0.0;
            for (auto i = static_cast<Eigen::Index>(lo); i < static_cast<Eigen::Index>(hi); ++i) {
                double* w = w_.col(i).data();
                for (Eigen::Index j = 0; j < n; ++j) w[j] = 0.0;
                for (Eigen::Index a = 0; a < dims; ++a) {
                    const double* ya = y.col(a).data();
                    const double yi = ya[i];
                    for (Eigen::Index j = 0; j < n; ++j) w[j] += (yi - ya[j]) * (yi - ya[j]);
                }
                if (dof_ == 1.0) {
                    for (Eigen::Index j = 0; j < n; ++j) w[j] = 1.0 / (1.0 + w[j]);
                } else {
                    for (Eigen::Index j = 0; j < n; ++j)
                        w[j] = std::pow(w[j] / dof_ + 1.0, -(dof_ + 1.0) / 2.0);
                }
                w[i] = 0.0;
                for (Eigen::Index j = 0; j < n; ++j) s += w[j];
            }
            partial[c] = s;
        });
        double sumW = 0.0;
        for (double s : partial) sumW += s;
        const double scale = 2.0 * (dof_ + 1.0) / dof_;
        const double inverseSumW = 1.0 / sumW;
        partial.fill(0.0);
        parallelChunks(static_cast<size_t>(n), [&](size_t c, size_t lo, size_t hi) {
            std::vector<double> q(static_cast<size_t>(n)), pqd(static_cast<size_t>(n));
            double kl = 0.0;
            for (auto i = static_cast<Eigen::Index>(lo); i < static_cast<Eigen::Index>(hi); ++i) {
                const double* w = w_.col(i).data();
                const double* p = p_.col(i).data();
                for (Eigen::Index j = 0; j < n; ++j) {
                    const auto at = static_cast<size_t>(j);
                    q[at] = std::max(w[j] * inverseSumW, kMachineEpsilon);
                    pqd[at] = (p[j] - q[at]) * w[j];
                }
                for (Eigen::Index a = 0; a < dims; ++a) {
                    const double* ya = y.col(a).data();
                    const double yi = ya[i];
                    double g = 0.0;
                    for (Eigen::Index j = 0; j < n; ++j)
                        g += pqd[static_cast<size_t>(j)] * (yi - ya[j]);
                    grad(i, a) = scale * g;
                }
                if (!computeError) continue;
                for (Eigen::Index j = 0; j < n; ++j) {
                    if (j == i) continue;
                    kl += p[j] *
                          std::log(std::max(p[j], kMachineEpsilon) / q[static_cast<size_t>(j)]);
                }
            }
            partial[c] = kl;
        });
        double kl = 0.0;
        for (double s : partial) kl += s;
        return computeError ? kl : 0.0;
    }

private:
    Eigen::MatrixXd p_;
    double dof_;
    Eigen::MatrixXd w_;
};

}  // namespace

std::unique_ptr<TsneObjective> exactTsneObjective(Eigen::MatrixXd p, double dof) {
    return std::make_unique<ExactObjective>(std::move(p), dof);
}

}  // namespace llmap

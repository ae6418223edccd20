#include "analysis/geometry.h"

#include <cmath>

#include "analysis/centering.h"
#include "util/error.h"

namespace llmap {

std::vector<size_t> completeRowIndices(const Eigen::MatrixXd& scores) {
    // Column by column: the matrix is column-major.
    Eigen::Array<bool, Eigen::Dynamic, 1> ok =
        Eigen::Array<bool, Eigen::Dynamic, 1>::Constant(scores.rows(), true);
    for (Eigen::Index j = 0; j < scores.cols(); ++j) ok = ok && scores.col(j).array().isFinite();
    std::vector<size_t> rows;
    for (Eigen::Index i = 0; i < scores.rows(); ++i) {
        if (ok(i)) rows.push_back(static_cast<size_t>(i));
    }
    return rows;
}

Eigen::MatrixXd selectRows(const Eigen::MatrixXd& m, const std::vector<size_t>& rows) {
    if (rows.size() == static_cast<size_t>(m.rows())) {
        bool identity = true;
        for (size_t r = 0; r < rows.size() && identity; ++r) identity = rows[r] == r;
        if (identity) return m;
    }
    Eigen::MatrixXd out(static_cast<Eigen::Index>(rows.size()), m.cols());
    for (Eigen::Index j = 0; j < m.cols(); ++j) {
        for (size_t r = 0; r < rows.size(); ++r) {
            out(static_cast<Eigen::Index>(r), j) = m(static_cast<Eigen::Index>(rows[r]), j);
        }
    }
    return out;
}

Geometry computeGeometry(const Eigen::MatrixXd& scores, const GeometryOptions& options) {
    Geometry g;
    if (scores.cols() < 2) {
        throw InputError("the score matrix has " + std::to_string(scores.cols()) + " texts", "",
                         "use a text set with at least 2 texts");
    }
    g.rows = completeRowIndices(scores);
    if (g.rows.empty()) {
        throw InputError("no model is fully scored yet (every row holds NaN)", "",
                         "score at least " + std::to_string(options.minModels) + " models");
    }
    if (g.rows.size() < options.minModels) {
        throw InputError("this analysis needs at least " + std::to_string(options.minModels) +
                             " fully scored models, the project has " +
                             std::to_string(g.rows.size()),
                         "", "score more models");
    }
    Eigen::MatrixXd l = selectRows(scores, g.rows);
    const Eigen::VectorXd rowMax = l.rowwise().maxCoeff();
    const Eigen::VectorXd rowMin = l.rowwise().minCoeff();
    for (Eigen::Index r = 0; r < l.rows(); ++r) {
        if (rowMax(r) == rowMin(r)) {
            throw InputError("model row " + std::to_string(g.rows[static_cast<size_t>(r)]) +
                                 " has the same log-likelihood on every text",
                             "",
                             "rescore that model or remove it; a constant row carries no "
                             "information");
        }
    }
    if (options.clipThreshold) {
        g.clipThreshold = *options.clipThreshold;
    } else if (options.clipQuantile > 0) {
        g.clipThreshold = globalQuantile(l, options.clipQuantile);
    } else {
        g.clipThreshold = l.minCoeff();
    }
    // In place: at K = N = 10,000 every copy of the matrix costs 800 MB.
    l.array() = l.array().max(g.clipThreshold);
    doubleCentreInPlace(l);
    g.centred = std::move(l);
    return g;
}

Geometry computeGeometry(const Eigen::MatrixXd& scores, double clipQuantile) {
    GeometryOptions o;
    o.clipQuantile = clipQuantile;
    return computeGeometry(scores, o);
}

}  // namespace llmap

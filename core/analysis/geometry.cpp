#include "analysis/geometry.h"

#include "analysis/centering.h"
#include "util/error.h"

namespace llmap {

Geometry computeGeometry(const Eigen::MatrixXd& scores, double clipQuantile) {
    Geometry g;
    for (Eigen::Index i = 0; i < scores.rows(); ++i) {
        if (!scores.row(i).array().isNaN().any()) g.rows.push_back(static_cast<size_t>(i));
    }
    if (g.rows.empty()) throw InputError("no model is fully scored yet");
    Eigen::MatrixXd l(static_cast<Eigen::Index>(g.rows.size()), scores.cols());
    for (size_t r = 0; r < g.rows.size(); ++r) {
        l.row(static_cast<Eigen::Index>(r)) = scores.row(static_cast<Eigen::Index>(g.rows[r]));
    }
    if (clipQuantile > 0) {
        g.clipThreshold = globalQuantile(l, clipQuantile);
        l = clipBelow(l, g.clipThreshold);
    } else {
        g.clipThreshold = l.minCoeff();
    }
    g.centred = doubleCentre(l);
    return g;
}

}  // namespace llmap

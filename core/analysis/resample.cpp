#include "analysis/resample.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "analysis/tsne.h"
#include "util/error.h"

namespace llmap {

Eigen::VectorXd textImportance(const Eigen::MatrixXd& q, const std::string& kind) {
    if (q.cols() < 1 || q.rows() < 2) {
        throw InputError("text importance needs at least 2 scored models and 1 text");
    }
    if (!q.allFinite()) throw InputError("the centred matrix holds NaN; leave out unscored models");
    Eigen::VectorXd w(q.cols());
    if (kind == "variance") {
        w = q.colwise().squaredNorm().transpose();
    } else if (kind == "kl") {
        // sum_{i<j} (a_i - a_j)^4 = K sum a^4 - 4 sum a^3 sum a + 3 (sum a^2)^2
        const double k = static_cast<double>(q.rows());
        for (Eigen::Index s = 0; s < q.cols(); ++s) {
            const Eigen::ArrayXd a = q.col(s).array();
            const double s1 = a.sum(), s2 = a.square().sum();
            const double s3 = a.cube().sum(), s4 = a.square().square().sum();
            w(s) = std::sqrt(std::max(0.0, k * s4 - 4.0 * s3 * s1 + 3.0 * s2 * s2));
        }
    } else if (kind == "uniform") {
        w.setOnes();
    } else {
        throw InputError("unknown text importance \"" + kind + "\"", "",
                         "use variance, kl or uniform");
    }
    const double total = w.sum();
    if (!(total > 0)) {
        throw InputError("every text has zero importance: the models agree on every text", "",
                         "use --importance uniform");
    }
    return w / total;
}

TextSample sampleTexts(const Eigen::VectorXd& p, size_t n, uint64_t seed) {
    if (n == 0) throw InputError("the number of texts to draw must be at least 1");
    std::vector<double> cumulative(static_cast<size_t>(p.size()));
    double run = 0;
    for (Eigen::Index s = 0; s < p.size(); ++s) {
        run += p(s);
        cumulative[static_cast<size_t>(s)] = run;
    }
    std::mt19937_64 rng(seed);
    std::map<size_t, int> counts;
    for (size_t d = 0; d < n; ++d) {
        // 53 random bits -> [0, 1), scaled by the total so rounding never falls off the end.
        const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53 * run;
        auto at = std::upper_bound(cumulative.begin(), cumulative.end(), u);
        size_t s = std::min(static_cast<size_t>(at - cumulative.begin()), cumulative.size() - 1);
        while (p(static_cast<Eigen::Index>(s)) <= 0 && s > 0) --s;  // never a zero-probability text
        ++counts[s];
    }
    TextSample t;
    t.draws = n;
    t.weights.resize(static_cast<Eigen::Index>(counts.size()));
    for (const auto& [s, c] : counts) {
        t.weights(static_cast<Eigen::Index>(t.texts.size())) =
            std::sqrt(static_cast<double>(c)) /
            std::sqrt(static_cast<double>(n) * p(static_cast<Eigen::Index>(s)));
        t.texts.push_back(s);
        t.counts.push_back(c);
    }
    return t;
}

Eigen::MatrixXd resampledCoordinates(const Eigen::MatrixXd& l, const Eigen::VectorXd& weights) {
    if (l.cols() != weights.size()) {
        throw InputError("scores on " + std::to_string(l.cols()) + " texts but " +
                         std::to_string(weights.size()) + " weights");
    }
    const Eigen::VectorXd w2 = weights.array().square();
    const Eigen::VectorXd mean = l * (w2 / w2.sum());
    Eigen::MatrixXd out = l.colwise() - mean;
    return out * weights.asDiagonal();
}

Eigen::MatrixXd sampleColumns(const Eigen::MatrixXd& m, const std::vector<size_t>& texts) {
    Eigen::MatrixXd out(m.rows(), static_cast<Eigen::Index>(texts.size()));
    for (size_t c = 0; c < texts.size(); ++c) {
        out.col(static_cast<Eigen::Index>(c)) = m.col(static_cast<Eigen::Index>(texts[c]));
    }
    return out;
}

double distanceMatrixError(const Eigen::MatrixXd& estimate, const Eigen::MatrixXd& exact) {
    const Eigen::MatrixXd g = squaredDistances(exact);
    return (squaredDistances(estimate) - g).norm() / g.norm();
}

}  // namespace llmap

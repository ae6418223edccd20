// Clipping, centring, KL, per-model summaries, PCA and MDS against numpy / scikit-learn
// (tests/oracle/analysis/generate.py), a hand-computed 3 x 4 case, and the refusals of bad input.
#include <QtTest>
#include <cmath>
#include <limits>

#include "analysis/centering.h"
#include "analysis/geometry.h"
#include "analysis/kl.h"
#include "analysis/mds.h"
#include "analysis/model_map.h"
#include "analysis/model_summary.h"
#include "analysis/pca.h"
#include "analysis/procrustes.h"
#include "fixtures.h"
#include "util/error.h"

using namespace llmap;

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double maxRel(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
    return (a - b).cwiseAbs().maxCoeff() / std::max(1e-300, b.cwiseAbs().maxCoeff());
}
}  // namespace

class GeometryTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void clipAndCentreMatchNumpy() {
        const Eigen::MatrixXd l = fixtures::matrix("loglik.csv");
        Geometry g = computeGeometry(l);
        const Eigen::MatrixXd rows = fixtures::matrix("geometry_rows.csv");
        QCOMPARE(g.rows.size(), static_cast<size_t>(rows.rows()));  // NaN rows left out
        for (size_t i = 0; i < g.rows.size(); ++i) {
            QCOMPARE(static_cast<double>(g.rows[i]), rows(static_cast<Eigen::Index>(i), 0));
        }
        const double threshold = fixtures::matrix("geometry_threshold.csv")(0, 0);
        QVERIFY(std::fabs(g.clipThreshold - threshold) <= 1e-12 * std::fabs(threshold));
        QVERIFY(maxRel(g.centred, fixtures::matrix("geometry_centred.csv")) < 1e-12);
        QVERIFY(g.centred.allFinite());
    }

    void quantileAsNumpy() {
        // numpy.percentile([1, 2, 2, 3], [2, 50, 100]) = 1.06, 2, 3 (NaN ignored).
        Eigen::MatrixXd m(5, 1);
        m << 3, 1, kNaN, 2, 2;
        QVERIFY(std::fabs(globalQuantile(m, 0.02) - 1.06) < 1e-14);
        QCOMPARE(globalQuantile(m, 0.5), 2.0);
        QCOMPARE(globalQuantile(m, 1.0), 3.0);
        QCOMPARE(globalQuantile(m, 0.0), 1.0);
        QVERIFY_THROWS_EXCEPTION(InputError,
                                 globalQuantile(Eigen::MatrixXd::Constant(2, 2, kNaN), 0.5));
    }

    void storedThresholdReusedForLaterModels() {
        Eigen::MatrixXd l = fixtures::matrix("loglik.csv");
        const double threshold = fixtures::matrix("geometry_threshold.csv")(0, 0);
        l.row(5) = fixtures::matrix("new_model_raw.csv").col(0).transpose();  // scored later
        GeometryOptions o;
        o.clipThreshold = threshold;
        Geometry g = computeGeometry(l, o);
        QCOMPARE(g.clipThreshold, threshold);
        QVERIFY(maxRel(g.centred, fixtures::matrix("geometry_later_centred.csv")) < 1e-12);
        // A fresh quantile would have moved.
        const double fresh = fixtures::matrix("geometry_later_new_quantile.csv")(0, 0);
        QVERIFY(fresh != threshold);
        QVERIFY(std::fabs(computeGeometry(l).clipThreshold - fresh) <= 1e-12 * std::fabs(fresh));
    }

    void klMatchesNumpy() {
        Geometry g = computeGeometry(fixtures::matrix("loglik.csv"));
        QVERIFY(maxRel(klNatsPerText(g.centred), fixtures::matrix("kl_nats.csv")) < 1e-10);
        QVERIFY(maxRel(klBitsPerByte(g.centred, 700.0), fixtures::matrix("kl_bits.csv")) < 1e-10);
        // One pair at a time gives numpy's entries too.
        const Eigen::MatrixXd nats = fixtures::matrix("kl_nats.csv");
        const Eigen::MatrixXd bits = fixtures::matrix("kl_bits.csv");
        for (Eigen::Index i = 0; i < nats.rows(); ++i) {
            for (Eigen::Index j = 0; j < nats.cols(); ++j) {
                const double n = klNatsPerText(g.centred, i, j);
                QVERIFY(std::fabs(n - nats(i, j)) <= 1e-10 * std::max(1.0, nats(i, j)));
                QVERIFY(std::fabs(natsPerTextToBitsPerByte(n, 700.0) - bits(i, j)) <=
                        1e-10 * std::max(1.0, bits(i, j)));
            }
        }
    }

    void klHandComputed3x4() {
        // L - L' per pair: (0,1) [1,0,-1,2] mean 0.5, squared deviations 5 -> 5 / (2*4) = 0.625;
        // (0,2) [2,-1,1,0] -> 5 -> 0.625; (1,2) [1,-1,2,-2] mean 0 -> 10 -> 1.25.
        Eigen::MatrixXd l(3, 4);
        l << -1, -2, -3, -4, -2, -2, -2, -6, -3, -1, -4, -4;
        Geometry g = computeGeometry(l, 0.0);
        const Eigen::MatrixXd kl = klNatsPerText(g.centred);
        Eigen::MatrixXd expected(3, 3);
        expected << 0, 0.625, 0.625, 0.625, 0, 1.25, 0.625, 1.25, 0;
        QVERIFY((kl - expected).cwiseAbs().maxCoeff() < 1e-14);
        const Eigen::MatrixXd bits = klBitsPerByte(g.centred, 2.0);
        QVERIFY(std::fabs(bits(1, 2) - 1.25 / (2.0 * std::log(2.0))) < 1e-14);
        // Centring by hand: row 0 mean -2.5, column 0 mean -2, grand mean -17/6.
        QVERIFY(std::fabs(g.centred(0, 0) - (-1 + 2.5 + 2 - 17.0 / 6.0)) < 1e-14);
    }

    void primaryCategoryAndMeanLoglik() {
        const Eigen::MatrixXd l = fixtures::matrix("loglik.csv");
        Geometry g = computeGeometry(l);
        const auto expected = fixtures::lines("primary_category.txt");
        const auto got = primaryTextCategory(g.centred, fixtures::lines("sources.txt"));
        QCOMPARE(got.size(), expected.size());
        for (size_t i = 0; i < got.size(); ++i) QCOMPARE(got[i], expected[i]);
        const Eigen::VectorXd mean = meanLogLikelihood(l);
        const Eigen::MatrixXd expectedMean = fixtures::matrix("mean_loglik.csv");
        QVERIFY(std::isnan(mean(5)) && std::isnan(mean(17)) && std::isnan(mean(23)));
        for (size_t i = 0; i < g.rows.size(); ++i) {
            QVERIFY(std::fabs(mean(static_cast<Eigen::Index>(g.rows[i])) -
                              expectedMean(static_cast<Eigen::Index>(i), 0)) < 1e-9);
        }
        QVERIFY_THROWS_EXCEPTION(InputError, primaryTextCategory(g.centred, {"a", "b"}));
    }

    void pcaMatchesScikitLearn() {
        Geometry g = computeGeometry(fixtures::matrix("loglik.csv"));
        const Eigen::MatrixXd expected = fixtures::matrix("pca_coordinates.csv");
        PcaResult exact = pca(g.centred, 2);
        QVERIFY(fixtures::maxDiffUpToSign(exact.coordinates, expected) < 1e-8);
        const Eigen::MatrixXd ev = fixtures::matrix("pca_explained_variance.csv");
        QVERIFY(std::fabs(exact.explainedVariance(0) - ev(0, 0)) < 1e-8 * ev(0, 0));
        QVERIFY(std::fabs(exact.explainedVariance(1) - ev(1, 0)) < 1e-8 * ev(0, 0));
        // Randomised PCA is an approximation: close, not equal (power iterations converge as
        // (sigma_13 / sigma_2)^15 here).
        PcaResult fast = randomizedPca(g.centred, 2, 42);
        const double scale = expected.cwiseAbs().maxCoeff();
        qInfo("randomised PCA: max deviation %.3g of %.3g",
              fixtures::maxDiffUpToSign(fast.coordinates, expected), scale);
        QVERIFY(fixtures::maxDiffUpToSign(fast.coordinates, expected) < 1e-4 * scale);
        PcaResult fastMore = randomizedPca(g.centred, 2, 42, 10, 30);
        QVERIFY(fixtures::maxDiffUpToSign(fastMore.coordinates, expected) < 1e-8);
        // The map of the "pca" method is the same PCA.
        ModelMap map = computeMap(fixtures::matrix("loglik.csv"), "pca");
        QVERIFY(fixtures::maxDiffUpToSign(map.xy, expected) < 1e-8);
    }

    void mdsMatchesNumpy() {
        Geometry g = computeGeometry(fixtures::matrix("loglik.csv"));
        const Eigen::MatrixXd expected = fixtures::matrix("mds_coordinates.csv");
        QVERIFY(fixtures::maxDiffUpToSign(classicalMds(klNatsPerText(g.centred)), expected) < 1e-8);
        ModelMap map = computeMap(fixtures::matrix("loglik.csv"), "mds");
        QVERIFY(fixtures::maxDiffUpToSign(map.xy, expected) < 1e-8);
        QVERIFY(map.paramsJson.find("\"method\":\"mds\"") != std::string::npos);
    }

    void procrustesMatchesScipy() {
        const Eigen::MatrixXd a = fixtures::matrix("procrustes_a.csv");
        const Eigen::MatrixXd b = fixtures::matrix("procrustes_b.csv");
        const Eigen::RowVectorXd ma = a.colwise().mean(), mb = b.colwise().mean();
        const Eigen::MatrixXd r = orthogonalProcrustes(a.rowwise() - ma, b.rowwise() - mb);
        QVERIFY((r - fixtures::matrix("procrustes_r.csv")).cwiseAbs().maxCoeff() < 1e-12);
        QVERIFY((procrustesAlign(a, b) - fixtures::matrix("procrustes_aligned.csv"))
                    .cwiseAbs()
                    .maxCoeff() < 1e-12);
        ModelMap m1, m2;
        m1.rows = m2.rows = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
        m1.xy = a;
        m2.xy = b;
        QVERIFY(alignMap(m1, m2));
        QVERIFY((m1.xy - fixtures::matrix("procrustes_aligned.csv")).cwiseAbs().maxCoeff() < 1e-12);
    }

    void badInputsGiveClearErrors() {
        Eigen::MatrixXd allNan = Eigen::MatrixXd::Constant(4, 5, kNaN);
        QVERIFY_THROWS_EXCEPTION(InputError, computeGeometry(allNan));
        Eigen::MatrixXd two = Eigen::MatrixXd::Random(2, 6).array() - 2.0;
        QVERIFY_THROWS_EXCEPTION(InputError, computeMap(two, "tsne"));
        QVERIFY_THROWS_EXCEPTION(InputError, computeMap(two, "mds"));
        Eigen::MatrixXd constant = Eigen::MatrixXd::Random(5, 6).array() - 2.0;
        constant.row(3).setConstant(-4.0);
        try {
            computeGeometry(constant);
            QFAIL("a constant row was accepted");
        } catch (const InputError& e) {
            QVERIFY(std::string(e.what()).find("row 3") != std::string::npos);
            QVERIFY(!e.fix().empty());
        }
        QVERIFY_THROWS_EXCEPTION(InputError, computeMap(Eigen::MatrixXd::Random(5, 6), "umap"));
        QVERIFY_THROWS_EXCEPTION(InputError, pcaAuto(Eigen::MatrixXd::Random(5, 6), 2, 1, "qr"));
    }
};

QTEST_GUILESS_MAIN(GeometryTest)
#include "tst_analysis_geometry.moc"

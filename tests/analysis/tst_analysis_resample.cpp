// Text resampling (P2): importance weights equal to numpy's, draws following p, the weighted
// estimator unbiased over many seeds (exact G from numpy), and the distinct-text list.
#include <QtTest>
#include <cmath>

#include "analysis/geometry.h"
#include "analysis/resample.h"
#include "analysis/tsne.h"
#include "fixtures.h"
#include "util/error.h"

using namespace llmap;

class ResampleTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void importanceMatchesNumpy() {
        const Eigen::MatrixXd q = fixtures::matrix("geometry_centred.csv");
        for (const std::string kind : {"variance", "kl"}) {
            const Eigen::VectorXd p = textImportance(q, kind);
            const Eigen::VectorXd expected = fixtures::matrix("importance_" + kind + ".csv").col(0);
            QVERIFY2((p - expected).cwiseAbs().maxCoeff() < 1e-12 * expected.maxCoeff(),
                     kind.c_str());
        }
        QVERIFY((textImportance(q, "uniform").array() == 1.0 / 120).all());
        QVERIFY_THROWS_EXCEPTION(InputError, textImportance(q, "entropy"));
    }

    void drawsFollowTheProbabilities() {
        const Eigen::MatrixXd q = fixtures::matrix("geometry_centred.csv");
        const Eigen::VectorXd p = textImportance(q, "variance");
        const size_t n = 200000;
        TextSample t = sampleTexts(p, n, 5);
        int total = 0;
        for (size_t i = 0; i < t.texts.size(); ++i) {
            const double expected = p(static_cast<Eigen::Index>(t.texts[i])) * n;
            QVERIFY(std::fabs(t.counts[i] - expected) < 5 * std::sqrt(expected) + 1);
            QVERIFY(std::fabs(t.weights(static_cast<Eigen::Index>(i)) -
                              std::sqrt(t.counts[i] /
                                        (n * p(static_cast<Eigen::Index>(t.texts[i]))))) < 1e-15);
            total += t.counts[i];
        }
        QCOMPARE(total, static_cast<int>(n));
        QVERIFY(std::is_sorted(t.texts.begin(), t.texts.end()));
        QVERIFY(sampleTexts(p, 50, 1).texts == sampleTexts(p, 50, 1).texts);
    }

    void weightedEstimatorIsUnbiased() {
        // sum_s w_s^2 (q_is - q_js)^2 over the draws is an unbiased estimate of G_ij.
        const Eigen::MatrixXd q = fixtures::matrix("geometry_centred.csv");
        const Eigen::MatrixXd g = fixtures::matrix("resample_g.csv");
        for (const std::string kind : {"variance", "kl", "uniform"}) {
            const Eigen::VectorXd p = textImportance(q, kind);
            const int seeds = 20000;
            Eigen::MatrixXd sum = Eigen::MatrixXd::Zero(g.rows(), g.cols());
            Eigen::MatrixXd sumSq = sum;
            for (int s = 0; s < seeds; ++s) {
                TextSample t = sampleTexts(p, 30, static_cast<uint64_t>(s));
                const Eigen::MatrixXd est =
                    squaredDistances(sampleColumns(q, t.texts) * t.weights.asDiagonal());
                sum += est;
                sumSq += est.cwiseProduct(est);
            }
            const Eigen::MatrixXd mean = sum / seeds;
            const Eigen::MatrixXd se =
                ((sumSq / seeds - mean.cwiseProduct(mean)).cwiseMax(0.0) / seeds).cwiseSqrt();
            double worstZ = 0;
            for (Eigen::Index i = 0; i < g.rows(); ++i) {
                for (Eigen::Index j = i + 1; j < g.cols(); ++j) {
                    worstZ = std::max(worstZ, std::fabs(mean(i, j) - g(i, j)) / se(i, j));
                }
            }
            qInfo("%s: relative error of the mean %.4f, worst |z| %.2f over %d pairs", kind.c_str(),
                  (mean - g).norm() / g.norm(), worstZ,
                  static_cast<int>(g.rows() * (g.rows() - 1) / 2));
            QVERIFY(worstZ < 5.0);
            // The mean is as far from G as Monte Carlo error allows, no further.
            QVERIFY((mean - g).norm() < 4.0 * se.norm());
        }
    }

    void rowCentredEstimatorFromRawScores() {
        // The full estimator needs only the sampled texts' raw scores: its bias is small next to
        // its spread, and importance sampling beats uniform sampling (P2).
        const Eigen::MatrixXd l = fixtures::matrix("loglik.csv");
        Geometry geo = computeGeometry(l);
        const Eigen::MatrixXd g = fixtures::matrix("resample_g.csv");
        Eigen::MatrixXd clipped = selectRows(l, geo.rows).array().max(geo.clipThreshold).matrix();
        double errVariance = 0, errUniform = 0;
        Eigen::MatrixXd mean = Eigen::MatrixXd::Zero(g.rows(), g.cols());
        const int seeds = 400;
        for (const std::string kind : {"variance", "uniform"}) {
            const Eigen::VectorXd p = textImportance(geo.centred, kind);
            double err = 0;
            for (int s = 0; s < seeds; ++s) {
                TextSample t = sampleTexts(p, 40, static_cast<uint64_t>(s));
                const Eigen::MatrixXd c =
                    resampledCoordinates(sampleColumns(clipped, t.texts), t.weights);
                err += distanceMatrixError(c, geo.centred) / seeds;
                if (kind == "variance") mean += squaredDistances(c) / seeds;
            }
            (kind == "variance" ? errVariance : errUniform) = err;
        }
        const double bias = (mean - g).norm() / g.norm();
        qInfo("mean error: variance %.4f, uniform %.4f; relative bias %.4f", errVariance,
              errUniform, bias);
        QVERIFY(bias < 0.25 * errVariance);
        QVERIFY(errVariance < errUniform);
    }

    void badInputs() {
        QVERIFY_THROWS_EXCEPTION(InputError, sampleTexts(Eigen::VectorXd::Ones(3) / 3, 0, 1));
        QVERIFY_THROWS_EXCEPTION(InputError,
                                 textImportance(Eigen::MatrixXd::Zero(4, 5), "variance"));
        QVERIFY_THROWS_EXCEPTION(InputError, resampledCoordinates(Eigen::MatrixXd::Ones(3, 4),
                                                                  Eigen::VectorXd::Ones(3)));
    }
};

QTEST_GUILESS_MAIN(ResampleTest)
#include "tst_analysis_resample.moc"

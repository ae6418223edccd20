// Clipping, double centring, KL and PCA against values computed by hand (exact fractions).
#include <QtTest>
#include <cmath>

#include "analysis/centering.h"
#include "analysis/geometry.h"
#include "analysis/kl.h"
#include "analysis/pca.h"
#include "util/error.h"

namespace {
Eigen::MatrixXd sample3x4() {
    Eigen::MatrixXd l(3, 4);
    // clang-format off
    l << -10, -20, -30, -40,
         -12, -18, -33, -41,
         -11, -25, -28, -36;
    // clang-format on
    return l;
}

void compareMatrices(const Eigen::MatrixXd& actual, const Eigen::MatrixXd& expected, double tol) {
    QCOMPARE(actual.rows(), expected.rows());
    QCOMPARE(actual.cols(), expected.cols());
    for (Eigen::Index i = 0; i < actual.rows(); ++i) {
        for (Eigen::Index j = 0; j < actual.cols(); ++j) {
            if (std::abs(actual(i, j) - expected(i, j)) > tol) {
                QFAIL(qPrintable(QStringLiteral("entry (%1,%2): %3, expected %4")
                                     .arg(i)
                                     .arg(j)
                                     .arg(actual(i, j), 0, 'g', 17)
                                     .arg(expected(i, j), 0, 'g', 17)));
            }
        }
    }
}
}  // namespace

class GeometryTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void quantileMatchesNumpyLinear() {
        // Sorted entries: -41, -40, -36, ...; numpy.percentile(L, 2): position 0.02 * 11 = 0.22,
        // so -41 + 0.22 * (-40 - -41) = -40.78.
        QVERIFY(std::abs(llmap::globalQuantile(sample3x4(), 0.02) - (-40.78)) < 1e-12);
        QCOMPARE(llmap::globalQuantile(sample3x4(), 0.0), -41.0);
        QCOMPARE(llmap::globalQuantile(sample3x4(), 1.0), -10.0);
        // Median of 12 values: mean of the 6th and 7th smallest (-28 and -25).
        QCOMPARE(llmap::globalQuantile(sample3x4(), 0.5), -26.5);
    }

    void clippingRaisesOnlyTheLowTail() {
        Eigen::MatrixXd clipped = llmap::clipBelow(sample3x4(), -40.78);
        Eigen::MatrixXd expected = sample3x4();
        expected(1, 3) = -40.78;
        compareMatrices(clipped, expected, 0.0);
    }

    void doubleCentringByHand() {
        // Row means -25, -26, -25; column means -11, -21, -91/3, -39; grand mean -76/3.
        Eigen::MatrixXd expected(3, 4);
        // clang-format off
        expected << 2.0 / 3, 2.0 / 3, 0, -4.0 / 3,
                   -1.0 / 3, 11.0 / 3, -2, -4.0 / 3,
                   -1.0 / 3, -13.0 / 3, 2, 8.0 / 3;
        // clang-format on
        Eigen::MatrixXd q = llmap::doubleCentre(sample3x4());
        compareMatrices(q, expected, 1e-12);
        QVERIFY(q.rowwise().sum().cwiseAbs().maxCoeff() < 1e-12);
        QVERIFY(q.colwise().sum().cwiseAbs().maxCoeff() < 1e-12);
    }

    void klByHand() {
        // ||q_i - q_j||^2 / (2N) with N = 4: 7/4, 23/4, 12.
        Eigen::MatrixXd expected(3, 3);
        // clang-format off
        expected << 0, 7.0 / 4, 23.0 / 4,
                    7.0 / 4, 0, 12,
                    23.0 / 4, 12, 0;
        // clang-format on
        Eigen::MatrixXd q = llmap::doubleCentre(sample3x4());
        compareMatrices(llmap::klNatsPerText(q), expected, 1e-12);
        // Bits per byte for texts of 100 bytes on average: divide by 100 ln 2.
        compareMatrices(llmap::klBitsPerByte(q, 100.0), expected / (100.0 * std::log(2.0)), 1e-12);
    }

    void pcaRecoversAKnownDecomposition() {
        // X = 3 u1 v1' + 1 u2 v2' with orthonormal, centred u's and orthonormal v's.
        Eigen::Vector4d u1(0.5, 0.5, -0.5, -0.5), u2(0.5, -0.5, 0.5, -0.5);
        Eigen::Vector3d v1(2.0 / 7, 3.0 / 7, 6.0 / 7), v2(3.0 / 7, -6.0 / 7, 2.0 / 7);
        Eigen::MatrixXd x = 3 * u1 * v1.transpose() + u2 * v2.transpose();
        x.rowwise() += Eigen::RowVector3d(5, -7, 11);  // a column offset PCA must remove
        llmap::PcaResult r = llmap::pca(x, 2);
        // Signs: the largest |entry| of each component is positive. v1's is +6/7, v2's is -6/7,
        // so the second component comes out as -v2 and its coordinates as -u2.
        Eigen::MatrixXd coords(4, 2);
        coords.col(0) = 3 * u1;
        coords.col(1) = -u2;
        compareMatrices(r.coordinates, coords, 1e-12);
        compareMatrices(r.components.row(0), v1.transpose(), 1e-12);
        compareMatrices(r.components.row(1), -v2.transpose(), 1e-12);
        QVERIFY(std::abs(r.explainedVariance(0) - 3.0) < 1e-12);  // 9 / (K - 1)
        QVERIFY(std::abs(r.explainedVariance(1) - 1.0 / 3) < 1e-12);
    }

    void geometryLeavesOutUnscoredRows() {
        Eigen::MatrixXd l(4, 4);
        l.topRows(3) = sample3x4();
        l.row(3) << -1, std::nan(""), -3, -4;
        llmap::Geometry g = llmap::computeGeometry(l, 0.0);
        QCOMPARE(g.rows, (std::vector<size_t>{0, 1, 2}));
        QVERIFY(!g.centred.array().isNaN().any());
        QCOMPARE(g.centred(0, 0), 2.0 / 3);
    }

    void refusesDegenerateInput() {
        Eigen::MatrixXd allNan = Eigen::MatrixXd::Constant(2, 3, std::nan(""));
        QVERIFY_THROWS_EXCEPTION(llmap::InputError, llmap::computeGeometry(allNan));
        QVERIFY_THROWS_EXCEPTION(llmap::InputError, llmap::pca(Eigen::MatrixXd::Zero(1, 3)));
    }
};

QTEST_GUILESS_MAIN(GeometryTest)
#include "tst_geometry.moc"

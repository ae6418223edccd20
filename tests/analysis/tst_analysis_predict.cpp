// Benchmark prediction: ridge predictions equal to scikit-learn's (GridSearchCV over Ridge with an
// inner KFold(5), given the same outer folds), Pearson / Spearman equal to scipy's, fold
// assignment rules and refusals.
#include <QtTest>
#include <cmath>
#include <set>

#include "analysis/ridge.h"
#include "fixtures.h"
#include "util/error.h"

using namespace llmap;

class PredictTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void ridgeMatchesScikitLearnGivenTheFolds() {
        const Eigen::MatrixXd x = fixtures::matrix("ridge_x.csv");
        const Eigen::MatrixXd y = fixtures::matrix("ridge_y.csv");
        const Eigen::MatrixXd folds = fixtures::matrix("ridge_folds.csv");
        const Eigen::MatrixXd expected = fixtures::matrix("ridge_predictions.csv");
        const Eigen::MatrixXd alphas = fixtures::matrix("ridge_alphas.csv");
        const Eigen::MatrixXd stats = fixtures::matrix("ridge_stats.csv");
        const Eigen::MatrixXd gram = x * x.transpose();
        for (Eigen::Index c = 0; c < folds.cols(); ++c) {
            const Eigen::Index b = c / 3;
            std::vector<int> fold;
            for (Eigen::Index i = 0; i < folds.rows(); ++i)
                fold.push_back(static_cast<int>(folds(i, c)));
            std::vector<double> chosen;
            const Eigen::VectorXd p =
                ridgeCvPredictions(gram, y.col(b), fold, defaultRidgeAlphas(), 5, &chosen);
            std::vector<double> pv, yv, ev;
            for (Eigen::Index i = 0; i < p.size(); ++i) {
                if (fold[static_cast<size_t>(i)] < 0) {
                    QVERIFY(std::isnan(p(i)));
                    continue;
                }
                pv.push_back(p(i));
                yv.push_back(y(i, b));
                QVERIFY2(std::fabs(p(i) - expected(i, c)) < 1e-6 * std::fabs(expected(i, c)),
                         qPrintable(QString("column %1 model %2: %3 vs %4")
                                        .arg(c)
                                        .arg(i)
                                        .arg(p(i), 0, 'g', 12)
                                        .arg(expected(i, c), 0, 'g', 12)));
            }
            for (size_t f = 0; f < chosen.size(); ++f) {
                QCOMPARE(chosen[f], alphas(static_cast<Eigen::Index>(f), c));
            }
            const Eigen::VectorXd pe =
                Eigen::Map<Eigen::VectorXd>(pv.data(), static_cast<Eigen::Index>(pv.size()));
            const Eigen::VectorXd ye =
                Eigen::Map<Eigen::VectorXd>(yv.data(), static_cast<Eigen::Index>(yv.size()));
            QVERIFY(std::fabs(pearsonR(pe, ye) - stats(c, 0)) < 1e-6);
            QVERIFY(std::fabs(spearmanRho(pe, ye) - stats(c, 1)) < 1e-6);
        }
    }

    void correlationsMatchScipyWithTies() {
        Eigen::VectorXd a(5), b(5);
        a << 1, 2, 2, 3, 5;
        b << 1, 3, 2, 4, 4;
        // scipy.stats.spearmanr / pearsonr of these vectors.
        QVERIFY(std::fabs(spearmanRho(a, b) - 0.9473684210526317) < 1e-14);
        QVERIFY(std::fabs(pearsonR(a, b) - 0.8344408667498866) < 1e-14);
    }

    void foldsAreBalancedAndGroupsStayWhole() {
        const auto f = kfoldAssignment(23, 5, 3);
        std::vector<int> count(5, 0);
        for (int v : f) ++count[static_cast<size_t>(v)];
        QCOMPARE(*std::max_element(count.begin(), count.end()) -
                     *std::min_element(count.begin(), count.end()),
                 1);
        QVERIFY(kfoldAssignment(23, 5, 3) == f);
        QVERIFY(kfoldAssignment(23, 5, 4) != f);
        std::vector<std::string> groups;
        for (int i = 0; i < 40; ++i) groups.push_back("g" + std::to_string(i % 9));
        const auto g = groupKfoldAssignment(groups, 5, 1);
        for (size_t i = 0; i < groups.size(); ++i) {
            for (size_t j = 0; j < groups.size(); ++j) {
                if (groups[i] == groups[j]) QCOMPARE(g[i], g[j]);
            }
        }
        QCOMPARE(std::set<int>(g.begin(), g.end()).size(), size_t(5));
    }

    void endToEndPlainAndGrouped() {
        const Eigen::MatrixXd x = fixtures::matrix("ridge_x.csv");
        const Eigen::MatrixXd y = fixtures::matrix("ridge_y.csv");
        const Eigen::MatrixXd groupIds = fixtures::matrix("ridge_groups.csv");
        RidgeCvOptions o;
        BenchmarkPrediction plain = predictBenchmarks(x, y, o);
        QCOMPARE(plain.pearson.rows(), 5);
        QVERIFY(std::isnan(plain.predictions(3, 1)));
        QVERIFY(std::isfinite(plain.predictions(3, 0)));
        QVERIFY(plain.meanPearson.allFinite() && plain.meanSpearman.allFinite());
        for (Eigen::Index i = 0; i < groupIds.rows(); ++i) {
            o.groups.push_back("family" + std::to_string(static_cast<int>(groupIds(i, 0))));
        }
        BenchmarkPrediction grouped = predictBenchmarks(x, y, o);
        QVERIFY(grouped.meanPearson.allFinite());
    }

    void badInputsGiveClearErrors() {
        const Eigen::MatrixXd x = fixtures::matrix("ridge_x.csv");
        const Eigen::MatrixXd y = fixtures::matrix("ridge_y.csv");
        RidgeCvOptions o;
        o.groups.assign(static_cast<size_t>(x.rows()), "one family");
        QVERIFY_THROWS_EXCEPTION(InputError, predictBenchmarks(x, y, o));
        Eigen::MatrixXd few = Eigen::MatrixXd::Constant(x.rows(), 1, std::nan(""));
        few.topRows(5).setOnes();
        QVERIFY_THROWS_EXCEPTION(InputError, predictBenchmarks(x, few, RidgeCvOptions{}));
        QVERIFY_THROWS_EXCEPTION(InputError, predictBenchmarks(x, y.topRows(10), RidgeCvOptions{}));
    }
};

QTEST_GUILESS_MAIN(PredictTest)
#include "tst_analysis_predict.moc"

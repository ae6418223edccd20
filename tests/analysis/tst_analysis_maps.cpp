// t-SNE against scikit-learn (joint probabilities, nearest neighbours, final KL divergence within
// 5 %, trustworthiness within 0.01), the exact and Barnes-Hut paths, the default (Barnes-Hut at
// every size, as scikit-learn's default), determinism for a seed and any thread count, refusals.
#include <QtTest>
#include <cmath>
#include <nlohmann/json.hpp>

#include "analysis/model_map.h"
#include "analysis/neighbours.h"
#include "analysis/parallel.h"
#include "analysis/tsne.h"
#include "fixtures.h"
#include "util/error.h"

using namespace llmap;

class MapsTest : public QObject {
    Q_OBJECT
private:
    // `name` in `reference` (a JSON of generate.py): input, scikit-learn's embedding and values.
    void compareWithScikitLearn(const std::string& name, const std::string& method,
                                const Eigen::MatrixXd& x, const std::string& reference) {
        const auto ref = nlohmann::json::parse(fixtures::text(reference))[name];
        const Eigen::MatrixXd skY = fixtures::matrix("tsne_" + name + "_sklearn_embedding.csv");
        QCOMPARE(skY.rows(), x.rows());
        // Our trustworthiness agrees with scikit-learn's on scikit-learn's own embedding.
        QVERIFY(std::fabs(trustworthiness(x, skY, 10) - ref["trustworthiness"].get<double>()) <
                1e-9);

        TsneOptions o;
        o.method = method;
        TsneResult r = tsne(x, o);
        QCOMPARE(r.method, method == "auto" ? std::string("barnes_hut") : method);
        QCOMPARE(r.embedding.rows(), x.rows());
        QVERIFY(r.embedding.allFinite());
        const double skKl = ref["kl_divergence"].get<double>();
        const double kl = method == "exact"
                              ? tsneKlDivergence(tsneJointProbabilities(x, 30), r.embedding)
                              : r.klDivergence;
        qInfo("%s: KL %.6f (scikit-learn %.6f), trustworthiness %.5f (scikit-learn %.5f)",
              name.c_str(), kl, skKl, trustworthiness(x, r.embedding, 10),
              ref["trustworthiness"].get<double>());
        QVERIFY(std::fabs(kl - skKl) <= 0.05 * skKl);
        QVERIFY(std::fabs(trustworthiness(x, r.embedding, 10) -
                          ref["trustworthiness"].get<double>()) <= 0.01);
    }

private Q_SLOTS:
    void jointProbabilitiesMatchScikitLearn() {
        const Eigen::MatrixXd x = fixtures::matrix("tsne_p_input.csv");
        const Eigen::MatrixXd expected = fixtures::matrix("tsne_p_expected.csv");
        const Eigen::MatrixXd p = tsneJointProbabilities(x, 5.0);
        QVERIFY((p - expected).cwiseAbs().maxCoeff() < 1e-6 * expected.maxCoeff());
        QVERIFY(std::fabs(p.sum() - 1.0) < 1e-9);
        // The nearest-neighbour P has the same total and is symmetric.
        Eigen::SparseMatrix<double> nn = tsneJointProbabilitiesNn(x, 5.0);
        QVERIFY(std::fabs(nn.sum() - 1.0) < 1e-12);
        QVERIFY((Eigen::MatrixXd(nn) - Eigen::MatrixXd(nn).transpose()).cwiseAbs().maxCoeff() <
                1e-15);
    }

    void nearestNeighbourPMatchesScikitLearn() {
        const Eigen::MatrixXd x = fixtures::matrix("tsne_p_input.csv");
        const Eigen::MatrixXd expected = fixtures::matrix("tsne_p_nn_expected.csv");
        const Eigen::MatrixXd p(tsneJointProbabilitiesNn(x, 5.0));
        QVERIFY((p - expected).cwiseAbs().maxCoeff() < 1e-6 * expected.maxCoeff());
    }

    void nearestNeighboursMatchScikitLearn() {
        // 600 points: several blocks of rows, so both halves of each block pair are used.
        const Eigen::MatrixXd x = fixtures::matrix("tsne_bh_input.csv");
        const Eigen::MatrixXd index = fixtures::matrix("tsne_bh_neighbours.csv");
        const Eigen::MatrixXd kth = fixtures::matrix("tsne_bh_kth_neighbour_distance.csv");
        const Neighbours nn = nearestNeighbours(x, 91);
        QCOMPARE(nn.k, Eigen::Index(91));
        for (Eigen::Index i = 0; i < x.rows(); ++i) {
            for (Eigen::Index j = 0; j < 91; ++j) {
                const auto at = static_cast<size_t>(i * 91 + j);
                QCOMPARE(nn.index[at], static_cast<int>(index(i, j)));
                // Squared distances, nearest first: each as computed from the rows directly.
                const double d = (x.row(i) - x.row(nn.index[at])).squaredNorm();
                QVERIFY(std::fabs(nn.distance[at] - d) <= 1e-9 * d);
                if (j > 0) QVERIFY(nn.distance[at] >= nn.distance[at - 1]);
            }
            QVERIFY(std::fabs(nn.distance[static_cast<size_t>(i * 91 + 90)] - kth(i, 0)) <=
                    1e-9 * kth(i, 0));
        }
        // k is capped at K - 1.
        QCOMPARE(nearestNeighbours(x.topRows(5), 91).k, Eigen::Index(4));
    }

    void exactMatchesScikitLearn() {
        compareWithScikitLearn("exact", "exact", fixtures::matrix("tsne_exact_input.csv"),
                               "tsne_reference.json");
    }
    void barnesHutMatchesScikitLearn() {
        compareWithScikitLearn("bh", "barnes_hut", fixtures::matrix("tsne_bh_input.csv"),
                               "tsne_reference.json");
    }
    // The default is Barnes-Hut at every size, as scikit-learn's; compared with its default at
    // 150 points and at 50 (the first 50 of the 150).
    void defaultMatchesScikitLearnsDefault() {
        const Eigen::MatrixXd x = fixtures::matrix("tsne_exact_input.csv");
        compareWithScikitLearn("default_150", "auto", x, "tsne_default_reference.json");
        compareWithScikitLearn("default_50", "auto", x.topRows(50), "tsne_default_reference.json");
    }

    void sameResultOnAnyNumberOfThreads() {
        const Eigen::MatrixXd bh = fixtures::matrix("tsne_bh_input.csv");
        const Eigen::MatrixXd small = fixtures::matrix("tsne_exact_input.csv");
        TsneOptions o;
        o.maxIterations = 300;
        TsneOptions exact = o;
        exact.method = "exact";
        std::vector<Eigen::MatrixXd> first;
        for (size_t threads : {1, 2, 3, 16}) {
            parallelThreads() = threads;
            const Neighbours nn = nearestNeighbours(bh, 91);
            std::vector<Eigen::MatrixXd> now = {tsne(bh, o).embedding, tsne(small, o).embedding,
                                                tsne(small, exact).embedding};
            now.push_back(Eigen::Map<const Eigen::VectorXd>(
                nn.distance.data(), static_cast<Eigen::Index>(nn.distance.size())));
            if (first.empty()) first = now;
            for (size_t a = 0; a < now.size(); ++a) {
                QVERIFY2((now[a] - first[a]).cwiseAbs().maxCoeff() == 0.0,
                         qPrintable(QString("result %1 on %2 threads").arg(a).arg(threads)));
            }
        }
        parallelThreads() = 0;
    }

    void deterministicForASeed() {
        const Eigen::MatrixXd x = fixtures::matrix("tsne_exact_input.csv");
        TsneOptions o;
        o.maxIterations = 300;
        o.init = "random";
        o.seed = 7;
        o.method = "barnes_hut";
        const Eigen::MatrixXd a = tsne(x, o).embedding;
        QVERIFY((a - tsne(x, o).embedding).cwiseAbs().maxCoeff() == 0.0);
        o.seed = 8;
        QVERIFY((a - tsne(x, o).embedding).cwiseAbs().maxCoeff() > 0.0);
    }

    void tsneMapStoresItsParameters() {
        const Eigen::MatrixXd l = fixtures::matrix("loglik.csv");
        MapOptions o;
        o.tsne.perplexity = 10;
        o.tsne.maxIterations = 500;
        ModelMap m = computeMap(l, "tsne", o);
        QCOMPARE(static_cast<size_t>(m.xy.rows()), m.rows.size());
        const auto params = nlohmann::json::parse(m.paramsJson);
        QCOMPARE(params["seed"].get<int>(), 42);
        QCOMPARE(params["perplexity"].get<double>(), 10.0);
        QCOMPARE(params["init"].get<std::string>(), std::string("pca"));
        QCOMPARE(params["max_iter"].get<int>(), 500);
    }

    void badInputsGiveClearErrors() {
        Eigen::MatrixXd x = Eigen::MatrixXd::Random(20, 4);
        TsneOptions o;
        o.perplexity = 20;  // >= K
        try {
            tsne(x, o);
            QFAIL("perplexity >= K was accepted");
        } catch (const InputError& e) {
            QVERIFY(std::string(e.what()).find("perplexity") != std::string::npos);
        }
        o.perplexity = 5;
        QVERIFY_THROWS_EXCEPTION(InputError, tsne(Eigen::MatrixXd::Random(2, 4), o));
        Eigen::MatrixXd withNan = x;
        withNan(3, 1) = std::nan("");
        QVERIFY_THROWS_EXCEPTION(InputError, tsne(withNan, o));
        o.init = "spectral";
        QVERIFY_THROWS_EXCEPTION(InputError, tsne(x, o));
        o.init = "pca";
        o.method = "barnes_hut";
        o.dimensions = 3;
        QVERIFY_THROWS_EXCEPTION(InputError, tsne(x, o));
    }
};

QTEST_GUILESS_MAIN(MapsTest)
#include "tst_analysis_maps.moc"

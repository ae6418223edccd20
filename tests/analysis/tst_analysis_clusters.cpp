// k-means, agglomerative clustering (scipy linkage matrices), DBSCAN, silhouette and nearest
// neighbours against scikit-learn / scipy (tests/oracle/analysis/generate.py).
#include <QtTest>
#include <cmath>
#include <nlohmann/json.hpp>

#include "analysis/clustering.h"
#include "analysis/hdbscan.h"
#include "fixtures.h"
#include "util/error.h"

using namespace llmap;

namespace {
std::vector<int> intLabels(const std::string& name) {
    const Eigen::MatrixXd m = fixtures::matrix(name);
    std::vector<int> out;
    for (Eigen::Index i = 0; i < m.rows(); ++i) out.push_back(static_cast<int>(m(i, 0)));
    return out;
}
}  // namespace

class ClustersTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void kmeansPlusPlusFindsScikitLearnsPartition() {
        const Eigen::MatrixXd x = fixtures::matrix("clusters_separated.csv");
        const auto expected = intLabels("kmeans_separated_labels.csv");
        for (uint64_t seed : {42u, 1u, 2u}) {
            KMeansResult r = kmeans(x, 4, seed);
            QCOMPARE(fixtures::adjustedRandIndex(r.labels, expected), 1.0);
        }
        // Seeded: the same seed gives the same result.
        QVERIFY(kmeans(x, 4, 9).labels == kmeans(x, 4, 9).labels);
    }

    void lloydFollowsScikitLearn() {
        const Eigen::MatrixXd y = fixtures::matrix("clusters_overlapping.csv");
        KMeansResult r = kmeansFrom(y, y.topRows(4));
        QVERIFY(r.labels == intLabels("kmeans_from_labels.csv"));
        QVERIFY((r.centres - fixtures::matrix("kmeans_from_centres.csv")).cwiseAbs().maxCoeff() <
                1e-10);
        const double inertia = fixtures::matrix("kmeans_from_inertia.csv")(0, 0);
        QVERIFY(std::fabs(r.inertia - inertia) < 1e-9 * inertia);
    }

    void agglomerativeMatchesScipyAndScikitLearn() {
        const Eigen::MatrixXd z = fixtures::matrix("clusters_overlapping.csv").topRows(60);
        for (const std::string method : {"ward", "average", "complete"}) {
            const Eigen::MatrixXd link = linkage(z, method);
            const Eigen::MatrixXd expected = fixtures::matrix("linkage_" + method + ".csv");
            QCOMPARE(link.rows(), expected.rows());
            QVERIFY2((link - expected).cwiseAbs().maxCoeff() < 1e-10, method.c_str());
            const auto labels = cutTree(link, 4);
            QCOMPARE(fixtures::adjustedRandIndex(
                         labels, intLabels("agglomerative_" + method + "_labels.csv")),
                     1.0);
        }
    }

    void dbscanMatchesScikitLearn() {
        const Eigen::MatrixXd w = fixtures::matrix("clusters_with_noise.csv");
        const auto labels = dbscan(w, 3.0, 5);
        const auto expected = intLabels("dbscan_labels.csv");
        QCOMPARE(fixtures::adjustedRandIndex(labels, expected), 1.0);
        for (size_t i = 0; i < labels.size(); ++i) QCOMPARE(labels[i] == -1, expected[i] == -1);
    }

    void hdbscanMatchesScikitLearn() {
        const Eigen::MatrixXd w = fixtures::matrix("clusters_with_noise.csv");
        auto labels = hdbscan(w, 5);
        auto expected = intLabels("hdbscan_labels.csv");
        QCOMPARE(fixtures::adjustedRandIndex(labels, expected), 1.0);
        for (size_t i = 0; i < labels.size(); ++i) QCOMPARE(labels[i] == -1, expected[i] == -1);
        const Eigen::MatrixXd y = fixtures::matrix("clusters_overlapping.csv");
        labels = hdbscan(y, 8, 3);
        expected = intLabels("hdbscan_overlapping_labels.csv");
        QCOMPARE(fixtures::adjustedRandIndex(labels, expected), 1.0);
        for (size_t i = 0; i < labels.size(); ++i) QCOMPARE(labels[i] == -1, expected[i] == -1);
        QVERIFY_THROWS_EXCEPTION(InputError, hdbscan(y, 1));
        QVERIFY_THROWS_EXCEPTION(InputError, hdbscan(y.topRows(5), 3, 6));
    }

    void silhouetteMatchesScikitLearn() {
        const auto ref = nlohmann::json::parse(fixtures::text("silhouette.json"));
        const Eigen::MatrixXd x = fixtures::matrix("clusters_separated.csv");
        QVERIFY(std::fabs(silhouetteScore(euclideanDistances(x),
                                          intLabels("silhouette_truth_labels.csv")) -
                          ref["separated_kmeans"].get<double>()) < 1e-10);
        const Eigen::MatrixXd w = fixtures::matrix("clusters_with_noise.csv");
        QVERIFY(std::fabs(silhouetteScore(euclideanDistances(w), intLabels("dbscan_labels.csv")) -
                          ref["noise_dbscan"].get<double>()) < 1e-10);
        QVERIFY_THROWS_EXCEPTION(InputError,
                                 silhouetteScore(euclideanDistances(x), std::vector<int>(90, 0)));
    }

    void nearestModelsByKl() {
        Eigen::MatrixXd kl(4, 4);
        kl << 0, 0.3, 0.1, 0.2, 0.3, 0, 0.5, 0.4, 0.1, 0.5, 0, 0.05, 0.2, 0.4, 0.05, 0;
        const auto nn = nearestModels(kl, 0, 2);
        QCOMPARE(nn.size(), size_t(2));
        QCOMPARE(nn[0].first, size_t(2));
        QCOMPARE(nn[0].second, 0.1);
        QCOMPARE(nn[1].first, size_t(3));
        QCOMPARE(nearestModels(kl, 1, 10).size(), size_t(3));
        QVERIFY_THROWS_EXCEPTION(InputError, nearestModels(kl, 4, 1));
    }

    void badInputsGiveClearErrors() {
        const Eigen::MatrixXd two = Eigen::MatrixXd::Random(2, 3);
        QVERIFY_THROWS_EXCEPTION(InputError, kmeans(two, 1));
        QVERIFY_THROWS_EXCEPTION(InputError, kmeans(Eigen::MatrixXd::Random(5, 3), 6));
        QVERIFY_THROWS_EXCEPTION(InputError, linkage(two, "ward"));
        QVERIFY_THROWS_EXCEPTION(InputError, linkage(Eigen::MatrixXd::Random(5, 3), "centroid"));
        QVERIFY_THROWS_EXCEPTION(InputError, dbscan(Eigen::MatrixXd::Random(5, 3), -1.0, 3));
        Eigen::MatrixXd nan = Eigen::MatrixXd::Random(5, 3);
        nan(1, 1) = std::nan("");
        QVERIFY_THROWS_EXCEPTION(InputError, kmeans(nan, 2));
    }
};

QTEST_GUILESS_MAIN(ClustersTest)
#include "tst_analysis_clusters.moc"

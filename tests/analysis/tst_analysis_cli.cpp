// llmap-cli map/cluster/kl on a project built from the oracle's matrix: CSV output equal to the
// numpy / scikit-learn references, results and parameters stored in the project, the stored clip
// threshold reused, and exit code 2 with a message for bad input.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <nlohmann/json.hpp>

#include "analysis/clustering.h"
#include "fixtures.h"
#include "store/project.h"
#include "text/text_set.h"
#include "util/csv.h"
#include "util/error.h"

using namespace llmap;

namespace {

struct Run {
    int code = -1;
    QString out, err;
};

Run cli(const QStringList& args) {
    QProcess p;
    p.start(QStringLiteral(LLMAP_CLI_PATH), args);
    p.waitForFinished(120000);
    return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

// A project holding the oracle's 40 x 120 matrix (two unscored models, one partly scored).
std::string makeProject(const QTemporaryDir& dir) {
    const Eigen::MatrixXd l = fixtures::matrix("loglik.csv");
    TextSet texts;
    const auto sources = fixtures::lines("sources.txt");
    for (Eigen::Index s = 0; s < l.cols(); ++s) {
        texts.ids.push_back("t" + std::to_string(s));
        texts.texts.push_back("text number " + std::to_string(s));
        texts.sources.push_back(sources[static_cast<size_t>(s)]);
    }
    const std::string path = dir.filePath("p.h5").toStdString();
    Project p = Project::create(path, texts, "imported");
    for (Eigen::Index i = 0; i < l.rows(); ++i) {
        const size_t row = p.addModel(
            {"m" + std::to_string(i), R"({"family":"f)" + std::to_string(i % 6) + R"("})"});
        std::vector<double> values;
        size_t first = 0;
        for (Eigen::Index s = 0; s < l.cols(); ++s) {
            if (std::isnan(l(i, s))) {
                if (!values.empty()) p.writeScores(row, first, values);
                values.clear();
                first = static_cast<size_t>(s) + 1;
            } else {
                values.push_back(l(i, s));
            }
        }
        if (!values.empty()) p.writeScores(row, first, values);
    }
    return path;
}

// A CSV with a header and ids in the first column -> the numbers.
Eigen::MatrixXd numbers(const QString& path, std::vector<std::string>* ids = nullptr) {
    CsvTable t = readCsv(path.toStdString());
    Eigen::MatrixXd m(static_cast<Eigen::Index>(t.rows.size() - 1),
                      static_cast<Eigen::Index>(t.rows[0].size() - 1));
    for (size_t r = 1; r < t.rows.size(); ++r) {
        if (ids) ids->push_back(t.rows[r][0]);
        for (size_t c = 1; c < t.rows[r].size(); ++c) {
            double v = 0;
            parseDouble(t.rows[r][c], v);
            m(static_cast<Eigen::Index>(r - 1), static_cast<Eigen::Index>(c - 1)) = v;
        }
    }
    return m;
}

}  // namespace

class CliTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void resultRoundTripInTheProject() {
        QTemporaryDir dir;
        const std::string path = makeProject(dir);
        Eigen::MatrixXd v(2, 3);
        v << 1, 2, 3, 4, std::nan(""), -6;
        {
            Project p = Project::open(path, true);
            QVERIFY(!p.readResult("x").has_value());
            QVERIFY(!p.clipThreshold().has_value());
            p.writeResult("x", Eigen::MatrixXd::Zero(1, 1), {"a"}, "{}");
            p.writeResult("x", v, {"a", "b"}, R"({"seed":7})", {"c1", "c2", "c3"});  // replaces
            p.setClipThreshold(-123.5);
            const std::vector<std::string> two{"a", "b"}, one{"a"};
            QVERIFY_THROWS_EXCEPTION(InputError, p.writeResult("bad/name", v, two, "{}"));
            QVERIFY_THROWS_EXCEPTION(Error, p.writeResult("y", v, one, "{}"));
        }
        Project p = Project::open(path);
        auto r = p.readResult("x");
        QVERIFY(r.has_value());
        QCOMPARE(r->values.rows(), 2);
        QCOMPARE(r->values(1, 2), -6.0);
        QVERIFY(std::isnan(r->values(1, 1)));
        QCOMPARE(r->rowIds, (std::vector<std::string>{"a", "b"}));
        QCOMPARE(r->columns, (std::vector<std::string>{"c1", "c2", "c3"}));
        QCOMPARE(r->paramsJson, std::string(R"({"seed":7})"));
        QCOMPARE(p.resultNames(), std::vector<std::string>{"x"});
        QCOMPARE(*p.clipThreshold(), -123.5);
    }

    void mapMethodsMatchReferences() {
        QTemporaryDir dir;
        const QString project = QString::fromStdString(makeProject(dir));
        const QString out = dir.filePath("map.csv");
        Run r = cli({"map", "--project", project, "--method", "pca", "--out", out});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.err.contains("left out 3 models"));
        std::vector<std::string> ids;
        Eigen::MatrixXd xy = numbers(out, &ids);
        QCOMPARE(ids.front(), std::string("m0"));
        QVERIFY(fixtures::maxDiffUpToSign(xy, fixtures::matrix("pca_coordinates.csv")) < 1e-8);

        const QString summary = dir.filePath("summary.csv");
        r = cli(
            {"map", "--project", project, "--method", "mds", "--out", out, "--summary", summary});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        {
            CsvTable t = readCsv(summary.toStdString());
            const auto expected = fixtures::lines("primary_category.txt");
            const Eigen::MatrixXd mean = fixtures::matrix("mean_loglik.csv");
            QCOMPARE(t.rows.size(), expected.size() + 1);
            for (size_t i = 0; i < expected.size(); ++i) {
                QCOMPARE(t.rows[i + 1][1], expected[i]);
                double v = 0;
                QVERIFY(parseDouble(t.rows[i + 1][2], v));
                QVERIFY(std::fabs(v - mean(static_cast<Eigen::Index>(i), 0)) < 1e-9);
            }
        }
        QVERIFY(fixtures::maxDiffUpToSign(numbers(out), fixtures::matrix("mds_coordinates.csv")) <
                1e-8);

        r = cli({"map", "--project", project, "--method", "tsne", "--perplexity", "10", "--seed",
                 "3", "--out", out});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QCOMPARE(numbers(out).rows(), 37);

        Project p = Project::open(project.toStdString());
        const double threshold = fixtures::matrix("geometry_threshold.csv")(0, 0);
        QVERIFY(std::fabs(*p.clipThreshold() - threshold) < 1e-12 * std::fabs(threshold));
        auto stored = p.readResult("map_tsne");
        QVERIFY(stored.has_value());
        const auto params = nlohmann::json::parse(stored->paramsJson);
        QCOMPARE(params["seed"].get<int>(), 3);
        QCOMPARE(params["perplexity"].get<double>(), 10.0);
        QCOMPARE(stored->rowIds.size(), size_t(37));
        QVERIFY(p.readResult("map_pca").has_value());
    }

    void alignKeepsTheStoredMapStill() {
        QTemporaryDir dir;
        const QString project = QString::fromStdString(makeProject(dir));
        const QString a = dir.filePath("a.csv"), b = dir.filePath("b.csv");
        QCOMPARE(cli({"map", "--project", project, "--method", "mds", "--out", a}).code, 0);
        // Same map again, aligned onto the stored one: identical up to rounding.
        Run r = cli({"map", "--project", project, "--method", "mds", "--align", "--out", b});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY((numbers(a) - numbers(b)).cwiseAbs().maxCoeff() < 1e-9);
        // A t-SNE map from a random start, aligned onto the stored one, lies closer to it than
        // the same map unaligned.
        const QString c = dir.filePath("c.csv");
        QCOMPARE(cli({"map", "--project", project, "--method", "tsne", "--perplexity", "8",
                      "--init", "random", "--seed", "1", "--out", a})
                     .code,
                 0);
        QCOMPARE(cli({"map", "--project", project, "--method", "tsne", "--perplexity", "8",
                      "--init", "random", "--seed", "2", "--no-store", "--out", b})
                     .code,
                 0);
        r = cli({"map", "--project", project, "--method", "tsne", "--perplexity", "8", "--init",
                 "random", "--seed", "2", "--align", "--out", c});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const double unaligned = (numbers(b) - numbers(a)).norm();
        const double aligned = (numbers(c) - numbers(a)).norm();
        QVERIFY(aligned < unaligned);
        // Distances within the map are kept.
        const Eigen::MatrixXd mb = numbers(b), mc = numbers(c);
        QVERIFY(std::fabs((mb.row(0) - mb.row(5)).norm() - (mc.row(0) - mc.row(5)).norm()) < 1e-9);
    }

    void clusterAndKl() {
        QTemporaryDir dir;
        const QString project = QString::fromStdString(makeProject(dir));
        const QString out = dir.filePath("c.csv"), tree = dir.filePath("tree.csv");
        Run r = cli({"cluster", "--project", project, "--method", "ward", "--k", "4",
                     "--dendrogram", tree, "--out", out});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.out.contains("silhouette"));
        QCOMPARE(numbers(out).rows(), 37);
        QCOMPARE(numbers(tree).rows(), 36);
        r = cli({"cluster", "--project", project, "--method", "kmeans", "--k", "4", "--out", out});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        for (const char* m : {"hdbscan", "dbscan", "average", "complete"}) {
            r = cli({"cluster", "--project", project, "--method", m, "--k", "3",
                     "--min-cluster-size", "4", "--eps", "500", "--out", out});
            QVERIFY2(r.code == 0, qPrintable(r.err));
            QCOMPARE(numbers(out).rows(), 37);
        }
        const QString kl = dir.filePath("kl.csv");
        r = cli({"kl", "--project", project, "--out", kl});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const Eigen::MatrixXd m = numbers(kl);
        const Eigen::MatrixXd expected = fixtures::matrix("kl_nats.csv");
        QVERIFY((m - expected).cwiseAbs().maxCoeff() < 1e-10 * expected.maxCoeff());
        r = cli({"kl", "--project", project, "--model", "m0", "--neighbours", "3", "--out", kl});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        std::vector<std::string> ids;
        const Eigen::MatrixXd nn = numbers(kl, &ids);
        QCOMPARE(nn.rows(), 3);
        const auto expectedNn = nearestModels(expected, 0, 3);
        QVERIFY(std::fabs(nn(0, 0) - expectedNn[0].second) < 1e-10 * expectedNn[0].second);
        Project p = Project::open(project.toStdString());
        QVERIFY(p.readResult("clusters_ward").has_value());
        QVERIFY(p.readResult("clusters_ward_dendrogram").has_value());
        QVERIFY(p.readResult("kl_nats").has_value());
    }

    void predictFromABenchmarkCsv() {
        QTemporaryDir dir;
        const QString project = QString::fromStdString(makeProject(dir));
        const QString bench = dir.filePath("bench.csv"), out = dir.filePath("pred.csv");
        {
            QFile f(bench);
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write("model,mmlu,arc\n");
            for (int i = 0; i < 40; ++i) {
                f.write(QString("m%1,%2,%3\n")
                            .arg(i)
                            .arg(40 + (i * 37) % 11)
                            .arg(i == 4 ? QString() : QString::number(30 + (i * 13) % 7))
                            .toUtf8());
            }
        }
        Run r = cli(
            {"predict", "--project", project, "--benchmarks", bench, "--out", out, "--seeds", "2"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.out.contains("mmlu: Pearson r"));
        std::vector<std::string> ids;
        const Eigen::MatrixXd pred = numbers(out, &ids);
        QCOMPARE(pred.rows(), 37);
        QCOMPARE(pred.cols(), 2);
        QVERIFY(std::isnan(pred(4, 1)) && std::isfinite(pred(4, 0)));
        r = cli({"predict", "--project", project, "--benchmarks", bench, "--out", out, "--group-by",
                 "family", "--seeds", "1"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        {
            Project p = Project::open(project.toStdString());
            const auto stored = p.readResult("predict");
            QVERIFY(stored.has_value());
            QCOMPARE(nlohmann::json::parse(stored->paramsJson)["group_by"].get<std::string>(),
                     std::string("family"));
        }

        r = cli({"predict", "--project", project, "--benchmarks", bench, "--out", out, "--group-by",
                 "licence"});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains("licence"), qPrintable(r.err));
        {
            QFile f(bench);
            QVERIFY(f.open(QIODevice::Append));
            f.write("gpt-unknown,1,2\n");
        }
        r = cli({"predict", "--project", project, "--benchmarks", bench, "--out", out});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains("gpt-unknown"));
        QVERIFY(r.err.contains("bench.csv:42"));
    }

    void resampleListsTheTextsANewModelNeeds() {
        QTemporaryDir dir;
        const QString project = QString::fromStdString(makeProject(dir));
        const QString out = dir.filePath("texts.csv");
        Run r = cli({"resample", "--project", project, "--n", "60", "--seed", "4", "--repeats", "3",
                     "--out", out});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(r.out.contains("||G~ - G||/||G||"));
        std::vector<std::string> ids;
        const Eigen::MatrixXd t = numbers(out, &ids);
        QVERIFY(t.rows() > 10 && t.rows() <= 60);
        QCOMPARE(t.col(1).sum(), 60.0);  // counts add up to the draws
        for (Eigen::Index i = 0; i < t.rows(); ++i) {
            QCOMPARE(ids[static_cast<size_t>(i)], "t" + std::to_string(static_cast<int>(t(i, 0))));
            QVERIFY(std::fabs(t(i, 2) - std::sqrt(t(i, 1) / (60 * t(i, 3)))) < 1e-12 * t(i, 2));
        }
        Project p = Project::open(project.toStdString());
        const auto params = nlohmann::json::parse(p.readResult("resample")->paramsJson);
        QCOMPARE(params["seed"].get<int>(), 4);
        QVERIFY(params["relative_error_G"].get<double>() > 0);
        r = cli({"resample", "--project", project, "--n", "0", "--out", out});
        QCOMPARE(r.code, 2);
    }

    void badInputExitsWithTwo() {
        QTemporaryDir dir;
        const QString project = QString::fromStdString(makeProject(dir));
        const QString out = dir.filePath("x.csv");
        Run r = cli({"map", "--project", project, "--method", "umap", "--out", out});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains("use --method pca, mds or tsne"));
        r = cli(
            {"map", "--project", project, "--method", "tsne", "--perplexity", "37", "--out", out});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains("perplexity"));
        r = cli({"cluster", "--project", project, "--method", "kmeans", "--k", "99", "--out", out});
        QCOMPARE(r.code, 2);
        r = cli({"kl", "--project", project, "--model", "nope", "--out", out});
        QCOMPARE(r.code, 2);
        QVERIFY(r.err.contains("nope"));
        r = cli({"map", "--project", project, "--seed", "x", "--out", out});
        QCOMPARE(r.code, 2);
        QVERIFY(!QFile::exists(out));
    }
};

QTEST_GUILESS_MAIN(CliTest)
#include "tst_analysis_cli.moc"

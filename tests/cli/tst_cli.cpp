// llmap-cli as a user runs it: good input end to end, every bad input with exit code 2 and a
// message that names the file and the problem, and a failed import that leaves the project intact.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>
#include "cli_runner.h"

#include "store/project.h"
#include "util/csv.h"

namespace {

using Run = llmap::test::CliRun;

Run cli(const QStringList& args) {
    return llmap::test::runCli(args);
}

void write(const QString& path, const std::string& content) {
    std::ofstream(path.toStdString(), std::ios::binary) << content;
}

const char* kTexts =
    "{\"id\":\"a\",\"text\":\"alpha text\",\"source\":\"s1\"}\n"
    "{\"id\":\"b\",\"text\":\"beta text\",\"source\":\"s1\"}\n"
    "{\"id\":\"c\",\"text\":\"gamma text\",\"source\":\"s2\"}\n"
    "{\"id\":\"d\",\"text\":\"delta text\",\"source\":\"s2\"}\n";
const char* kMatrix =
    "model,a,b,c,d\n"
    "m1,-10,-20,-30,-40\n"
    "m2,-12,-18,-33,-41\n"
    "m3,-11,-25,-28,-36\n";

}  // namespace

class CliTest : public QObject {
    Q_OBJECT
private:
    QTemporaryDir dir_;
    QString path(const char* name) const { return dir_.filePath(QString::fromLatin1(name)); }

    // Imports `matrix` into a fresh project and returns the run.
    Run importMatrix(const std::string& matrix, const char* project = "bad.h5") {
        write(path("texts.jsonl"), kTexts);
        write(path("m.csv"), matrix);
        QFile::remove(path(project));
        return cli({"import", "--project", path(project), "--matrix", path("m.csv"), "--texts",
                    path("texts.jsonl")});
    }

    void expectBadInput(const Run& r, const QString& mentions) {
        if (r.code != 2 || !r.err.contains(mentions)) {
            QFAIL(qPrintable(QStringLiteral("exit %1, stderr: %2 (expected exit 2 mentioning '%3')")
                                 .arg(r.code)
                                 .arg(r.err, mentions)));
        }
        QCOMPARE(r.err.trimmed().count(QLatin1Char('\n')), 0);  // one line
    }

private Q_SLOTS:
    void helpAndVersion() {
        Run h = cli({"--help"});
        QCOMPARE(h.code, 0);
        for (const char* c : {"import", "info", "map", "export"})
            QVERIFY(h.out.contains(QLatin1String(c)));
        Run v = cli({"--version"});
        QCOMPARE(v.code, 0);
        QVERIFY(v.out.startsWith(QStringLiteral("llmap-cli ")));
        QCOMPARE(cli({"import", "--help"}).code, 0);
        QCOMPARE(cli({}).code, 2);
        expectBadInput(cli({"frobnicate"}), QStringLiteral("unknown command"));
        expectBadInput(cli({"info"}), QStringLiteral("--project is required"));
        expectBadInput(cli({"info", "--project", "x.h5", "--bogus"}),
                       QStringLiteral("unknown option --bogus"));
    }

    void importInfoMapExport() {
        Run r = importMatrix(kMatrix, "good.h5");
        QVERIFY2(r.code == 0, qPrintable(r.err));
        Run info = cli({"info", "--project", path("good.h5")});
        QCOMPARE(info.code, 0);
        QVERIFY(info.out.contains(QStringLiteral("3 (3 fully scored)")));
        QVERIFY(info.out.contains(QStringLiteral("texts       4")));

        QCOMPARE(
            cli({"map", "--project", path("good.h5"), "--method", "pca", "--out", path("c.csv")})
                .code,
            0);
        llmap::CsvTable coords = llmap::readCsv(path("c.csv").toStdString());
        QCOMPARE(coords.rows.size(), size_t(4));
        QCOMPARE(coords.rows[0], (std::vector<std::string>{"model", "x", "y"}));

        // KL after clipping at the 2nd percentile (-41 becomes -40.78), by exact fractions:
        // KL(m1,m2) = 140363/80000, KL(m1,m3) = 23/4, KL(m2,m3) = 942763/80000 nats per text.
        QCOMPARE(
            cli({"export", "--project", path("good.h5"), "--what", "kl", "--out", path("kl.csv")})
                .code,
            0);
        llmap::CsvTable kl = llmap::readCsv(path("kl.csv").toStdString());
        QCOMPARE(kl.rows.size(), size_t(4));
        QCOMPARE(kl.rows[0][1], std::string("m1"));
        QCOMPARE(kl.rows[2][0], std::string("m2"));
        const double expected[3][3] = {{0, 140363.0 / 80000, 23.0 / 4},
                                       {140363.0 / 80000, 0, 942763.0 / 80000},
                                       {23.0 / 4, 942763.0 / 80000, 0}};
        for (int i = 0; i < 3; ++i) {
            for (int j = 0; j < 3; ++j) {
                QVERIFY(std::abs(std::stod(kl.rows[i + 1][j + 1]) - expected[i][j]) < 1e-9);
            }
        }
        // Bits per byte: nats per text / (mean bytes * ln 2); the texts average 9.75 bytes.
        QCOMPARE(cli({"export", "--project", path("good.h5"), "--what", "kl", "--unit", "bits",
                      "--out", path("klb.csv")})
                     .code,
                 0);
        llmap::CsvTable klb = llmap::readCsv(path("klb.csv").toStdString());
        QVERIFY(std::abs(std::stod(klb.rows[1][3]) - 23.0 / 4 / (9.75 * std::log(2.0))) < 1e-9);

        // Scores come back as they went in.
        QCOMPARE(cli({"export", "--project", path("good.h5"), "--what", "scores", "--out",
                      path("s.csv")})
                     .code,
                 0);
        llmap::CsvTable scores = llmap::readCsv(path("s.csv").toStdString());
        QCOMPARE(scores.rows.size(), size_t(4));
        QCOMPARE(scores.rows[2], (std::vector<std::string>{"m2", "-12", "-18", "-33", "-41"}));
    }

    void exampleFiftyModels() {
        const QString dir = QStringLiteral(LLMAP_EXAMPLE_DIR);
        Run r = cli({"import", "--project", path("example.h5"), "--matrix",
                     dir + "/example-scores.csv", "--texts", dir + "/example-texts.jsonl",
                     "--metadata", dir + "/example-models.csv"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(cli({"info", "--project", path("example.h5")})
                    .out.contains(QStringLiteral("50 (50 fully scored)")));
        QCOMPARE(cli({"export", "--project", path("example.h5"), "--what", "coords", "--out",
                      path("co.csv")})
                     .code,
                 0);
        llmap::CsvTable coords = llmap::readCsv(path("co.csv").toStdString());
        QCOMPARE(coords.rows.size(), size_t(51));
        QCOMPARE(coords.rows[0],
                 (std::vector<std::string>{"model", "x", "y", "family", "parameters", "version"}));
        QCOMPARE(coords.rows[1][3], std::string("orca"));
        QCOMPARE(cli({"export", "--project", path("example.h5"), "--what", "kl", "--out",
                      path("ekl.csv")})
                     .code,
                 0);
        QCOMPARE(llmap::readCsv(path("ekl.csv").toStdString()).rows.size(), size_t(51));
    }

    void badMatrices() {
        expectBadInput(cli({"import", "--project", path("x.h5"), "--matrix", path("missing.csv"),
                            "--texts", path("missing.jsonl")}),
                       path("missing.jsonl") + QStringLiteral(": cannot open"));
        write(path("texts.jsonl"), kTexts);
        expectBadInput(cli({"import", "--project", path("x.h5"), "--matrix", path("missing.csv"),
                            "--texts", path("texts.jsonl")}),
                       path("missing.csv") + QStringLiteral(": cannot open"));
        expectBadInput(importMatrix("model,a,b,c,d\nm1,-1,-2,-3,-4\nm2,-1,-2,-3\n"),
                       QStringLiteral("m.csv:3: row has 4 fields, the header has 5"));
        expectBadInput(importMatrix("model,a,b,c,d\nm1,-1,-2,oops,-4\n"),
                       QStringLiteral("m.csv:2, column 4 (text c): \"oops\" is not a number"));
        expectBadInput(importMatrix("model,a,b,c,d\nm1,-1,NaN,-3,-4\n"),
                       QStringLiteral("column 3 (text b): NaN is not a log-likelihood"));
        expectBadInput(importMatrix(""), QStringLiteral("m.csv: the file is empty"));
        expectBadInput(
            importMatrix("model,a,b,c\nm1,-1,-2,-3\n"),
            QStringLiteral("the header has 3 text columns but the text set has 4 texts"));
        expectBadInput(importMatrix("model,a,b,c,d\nm1,-1,2,-3,-4\n"),
                       QStringLiteral("log-likelihoods are <= 0"));
        expectBadInput(importMatrix("model,b,a,c,d\nm1,-1,-2,-3,-4\n"),
                       QStringLiteral("another order"));
        expectBadInput(importMatrix("model,a,b,c,d\nm1,-1,-2,-3,-4\nm1,-1,-2,-3,-4\n"),
                       QStringLiteral("appears twice"));
        expectBadInput(importMatrix("model,a,b,c,d\nm1,\"-1,-2,-3,-4\n"),
                       QStringLiteral("never closed"));
    }

    void badTextsAndProjects() {
        write(path("m.csv"), kMatrix);
        write(path("t.jsonl"), "{\"text\": \"ok\"}\n{not json}\n");
        expectBadInput(cli({"import", "--project", path("y.h5"), "--matrix", path("m.csv"),
                            "--texts", path("t.jsonl")}),
                       path("t.jsonl") + QStringLiteral(":2: not a JSON object"));
        write(path("t.jsonl"), "{\"txt\": \"ok\"}\n");
        expectBadInput(cli({"import", "--project", path("y.h5"), "--matrix", path("m.csv"),
                            "--texts", path("t.jsonl")}),
                       QStringLiteral("no string field \"text\""));
        write(path("notes.h5"), "plain text");
        expectBadInput(cli({"info", "--project", path("notes.h5")}),
                       QStringLiteral("not an HDF5 file"));
        expectBadInput(cli({"info", "--project", path("nothing.h5")}),
                       QStringLiteral("no such file"));
        QVERIFY(!QFile::exists(path("y.h5")));  // nothing was created by a failed import
    }

    void failedImportLosesNothing() {
        QVERIFY(importMatrix(kMatrix, "keep.h5").code == 0);
        write(path("more.csv"), "model,a,b,c,d\nm4,-1,-2,-3,-4\nm5,-1,x,-3,-4\n");
        expectBadInput(cli({"import", "--project", path("keep.h5"), "--matrix", path("more.csv"),
                            "--texts", path("texts.jsonl")}),
                       QStringLiteral("not a number"));
        // A model already in the project is refused as a whole import.
        write(path("dup.csv"), "model,a,b,c,d\nm9,-1,-2,-3,-4\nm1,-1,-2,-3,-4\n");
        expectBadInput(cli({"import", "--project", path("keep.h5"), "--matrix", path("dup.csv"),
                            "--texts", path("texts.jsonl")}),
                       QStringLiteral("already in the project"));
        // Another text set is refused, naming both hashes.
        write(path("other.jsonl"),
              "{\"id\":\"a\",\"text\":\"x\"}\n{\"id\":\"b\",\"text\":\"y\"}\n"
              "{\"id\":\"c\",\"text\":\"z\"}\n{\"id\":\"d\",\"text\":\"w\"}\n");
        write(path("new.csv"), "model,a,b,c,d\nm7,-1,-2,-3,-4\n");
        expectBadInput(cli({"import", "--project", path("keep.h5"), "--matrix", path("new.csv"),
                            "--texts", path("other.jsonl")}),
                       QStringLiteral("another text set"));
        {
            llmap::Project p = llmap::Project::open(path("keep.h5").toStdString());
            QCOMPARE(p.modelCount(), size_t(3));
            QCOMPARE(p.scoreRow(2)[3], -36.0);
        }
        // A good second import appends.
        QCOMPARE(cli({"import", "--project", path("keep.h5"), "--matrix", path("new.csv"),
                      "--texts", path("texts.jsonl")})
                     .code,
                 0);
        QCOMPARE(llmap::Project::open(path("keep.h5").toStdString()).modelCount(), size_t(4));
    }

    void annotateAddsFields() {
        QVERIFY(importMatrix(kMatrix, "note.h5").code == 0);
        write(path("meta.csv"), "model,family,parameters\nm2,llama,7000000000\nm1,gpt2,\n");
        Run r = cli({"annotate", "--project", path("note.h5"), "--metadata", path("meta.csv")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        {
            llmap::Project p = llmap::Project::open(path("note.h5").toStdString());
            QCOMPARE(p.models()[1].metadataJson,
                     std::string(R"({"family":"llama","parameters":7000000000})"));
            QCOMPARE(p.models()[0].metadataJson, std::string(R"({"family":"gpt2"})"));
            QCOMPARE(p.models()[2].metadataJson, std::string("{}"));
        }
        // An unknown model changes nothing.
        write(path("bad.csv"), "model,family\nm1,opt\nm9,bloom\n");
        expectBadInput(
            cli({"annotate", "--project", path("note.h5"), "--metadata", path("bad.csv")}),
            QStringLiteral("the model \"m9\" is not in the project"));
        llmap::Project p = llmap::Project::open(path("note.h5").toStdString());
        QCOMPARE(p.models()[0].metadataJson, std::string(R"({"family":"gpt2"})"));
    }

    void outputErrors() {
        QVERIFY(importMatrix(kMatrix, "out.h5").code == 0);
        expectBadInput(cli({"export", "--project", path("out.h5"), "--what", "everything", "--out",
                            path("e.csv")}),
                       QStringLiteral("unknown --what"));
        expectBadInput(
            cli({"map", "--project", path("out.h5"), "--method", "umap", "--out", path("e.csv")}),
            QStringLiteral("unknown map method"));
        expectBadInput(
            cli({"map", "--project", path("out.h5"), "--out", path("no/such/dir/c.csv")}),
            QStringLiteral("cannot write the file"));
    }
};

QTEST_GUILESS_MAIN(CliTest)
#include "tst_cli.moc"

// llmap-cli texts build | info: output, reproducibility, and exit code 2 with a one-line message on
// bad input.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include "cli_runner.h"
#include <fstream>

#include "text/text_loaders.h"
#include "util/compressed_file.h"

namespace {

using Run = llmap::test::CliRun;

Run cli(const QStringList& args) { return llmap::test::runCli(args); }

void writeFile(const QString& path, const std::string& bytes) {
    std::ofstream out(path.toStdString(), std::ios::binary);
    out << bytes;
}

}  // namespace

class TextsCliTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        QDir(dir_.path()).mkpath("speeches");
        // Speeches: 2 files of 2,100 bytes -> 1024 + 1024 + 52: 4 kept chunks.
        writeFile(dir_.filePath("speeches/one.txt"), std::string(2100, 's'));
        writeFile(dir_.filePath("speeches/two.txt"), std::string(2100, 't'));
        // Lines: 6 documents of 300+ bytes, one in Cyrillic (2-byte characters).
        std::string lines;
        for (int i = 0; i < 5; ++i) lines += std::string(300 + i, 'l') + "\n";
        for (int i = 0; i < 200; ++i) lines += "\xD0\x96";
        writeFile(dir_.filePath("lines.txt"), lines + "\n");
        // CSV with a "body" column, compressed.
        writeFile(dir_.filePath("rows.csv.gz"),
                  llmap::gzipCompress("body\n\"" + std::string(500, 'c') + ",\"\n" +
                                      std::string(280, 'd') + "\n"));
    }

    void buildAndInfo() {
        const QString out = dir_.filePath("set.jsonl.gz");
        Run r = cli({"texts", "build", "--out", out, "--seed", "3", "--count", "7",
                     "speech:3=" + dir_.filePath("speeches"), "lines=" + dir_.filePath("lines.txt"),
                     "--format", "lines"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        llmap::TextSet set = llmap::loadTextSet(out.toStdString());
        QCOMPARE(set.size(), size_t(7));
        QCOMPARE(std::count(set.sources.begin(), set.sources.end(), "speech"), 3L);
        QCOMPARE(std::count(set.sources.begin(), set.sources.end(), "lines"), 4L);
        QVERIFY(r.out.contains(QString::fromStdString(set.contentHash())));
        QVERIFY(r.err.contains("speech"));

        // Same inputs and seed: the same bytes; another seed: another set.
        const QStringList sources = {"speech:3=" + dir_.filePath("speeches"),
                                     "lines=" + dir_.filePath("lines.txt"), "--format", "lines"};
        const QString again = dir_.filePath("again.jsonl.gz");
        QCOMPARE(cli(QStringList{"texts", "build", "--out", again, "--seed", "3", "--count", "7"} +
                     sources)
                     .code,
                 0);
        QCOMPARE(llmap::readInputFile(again.toStdString()),
                 llmap::readInputFile(out.toStdString()));
        QFile a(out), b(again);
        QVERIFY(a.open(QIODevice::ReadOnly) && b.open(QIODevice::ReadOnly));
        QCOMPARE(a.readAll(), b.readAll());
        const QString other = dir_.filePath("other.jsonl.gz");
        QCOMPARE(cli(QStringList{"texts", "build", "--out", other, "--seed", "4", "--count", "7"} +
                     sources)
                     .code,
                 0);
        QVERIFY(llmap::loadTextSet(other.toStdString()).contentHash() != set.contentHash());

        // A stratified subset of 3: shares 3*3/7 = 1.29 (speech), 3*4/7 = 1.71 (lines) -> 1 and 2.
        const QString quick = dir_.filePath("quick.jsonl");
        Run sub =
            cli({"texts", "subset", "--texts", out, "--out", quick, "--count", "3", "--seed", "1"});
        QVERIFY2(sub.code == 0, qPrintable(sub.err));
        llmap::TextSet q = llmap::loadTextsJsonl(quick.toStdString());
        QCOMPARE(std::count(q.sources.begin(), q.sources.end(), "speech"), 1L);
        QCOMPARE(std::count(q.sources.begin(), q.sources.end(), "lines"), 2L);
        for (size_t i = 0; i < q.size(); ++i) {
            const auto at = std::find(set.ids.begin(), set.ids.end(), q.ids[i]);
            QVERIFY(at != set.ids.end());
            QCOMPARE(set.texts[size_t(at - set.ids.begin())], q.texts[i]);
        }
        QCOMPARE(cli({"texts", "subset", "--texts", out, "--out", quick, "--count", "8"}).code, 2);

        Run info = cli({"texts", "info", "--texts", out});
        QVERIFY2(info.code == 0, qPrintable(info.err));
        QVERIFY(info.out.contains("texts    7"));
        QVERIFY(info.out.contains("hash     " + QString::fromStdString(set.contentHash())));
        QVERIFY(info.out.contains("sources  2"));
        size_t minBytes = SIZE_MAX, maxBytes = 0;
        for (const auto& t : set.texts) {
            minBytes = std::min(minBytes, t.size());
            maxBytes = std::max(maxBytes, t.size());
        }
        QVERIFY(info.out.contains(QString("min %1,").arg(minBytes)));
        QVERIFY(info.out.contains(QString("max %1").arg(maxBytes)));
    }

    void buildFromCsvKeepsEverything() {
        const QString out = dir_.filePath("csv.jsonl");
        Run r = cli({"texts", "build", "--out", out, "--csv-column", "body",
                     "rows=" + dir_.filePath("rows.csv.gz")});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        llmap::TextSet set = llmap::loadTextsJsonl(out.toStdString());
        QCOMPARE(set.texts,
                 (std::vector<std::string>{std::string(500, 'c') + ",", std::string(280, 'd')}));
        QCOMPARE(set.ids,
                 (std::vector<std::string>{"rows:rows.csv.gz#0@0", "rows:rows.csv.gz#1@0"}));
        Run info =
            cli({"texts", "info", "--texts", dir_.filePath("rows.csv.gz"), "--csv-column", "body"});
        QVERIFY2(info.code == 0, qPrintable(info.err));
        QVERIFY(info.out.contains("texts    2"));
    }

    void badInputExitsTwo_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mention");
        const QString out = dir_.filePath("never.jsonl");
        writeFile(dir_.filePath("latin1.txt"), std::string(300, 'a') + "\xE9t\xE9");
        writeFile(dir_.filePath("empty.txt"), "");
        writeFile(dir_.filePath("short.txt"), "only a few bytes");
        QTest::newRow("missing file")
            << QStringList{"texts", "build", "--out", out, "x=" + dir_.filePath("nope.txt")}
            << "nope.txt";
        QTest::newRow("invalid UTF-8")
            << QStringList{"texts", "build", "--out", out, "x=" + dir_.filePath("latin1.txt")}
            << "not valid UTF-8";
        QTest::newRow("empty file")
            << QStringList{"texts", "build", "--out", out, "x=" + dir_.filePath("empty.txt")}
            << "no chunk longer than 256 bytes";
        QTest::newRow("too short")
            << QStringList{"texts", "build", "--out", out, "x=" + dir_.filePath("short.txt")}
            << "short.txt";
        QTest::newRow("count too large") << QStringList{"texts",
                                                        "build",
                                                        "--out",
                                                        out,
                                                        "--count",
                                                        "99",
                                                        "s=" + dir_.filePath("speeches")}
                                         << "have only 4";
        QTest::newRow("bad count") << QStringList{"texts",
                                                  "build",
                                                  "--out",
                                                  out,
                                                  "--count",
                                                  "ten",
                                                  "s=" + dir_.filePath("speeches")}
                                   << "--count";
        QTest::newRow("no source") << QStringList{"texts", "build", "--out", out} << "no source";
        QTest::newRow("no --out") << QStringList{"texts", "build", "s=" + dir_.filePath("speeches")}
                                  << "--out";
        QTest::newRow("unknown format") << QStringList{"texts",
                                                       "build",
                                                       "--out",
                                                       out,
                                                       "--format",
                                                       "pdf",
                                                       "s=" + dir_.filePath("speeches")}
                                        << "unknown document format";
        QTest::newRow("unknown subcommand")
            << QStringList{"texts", "merge"} << "unknown subcommand";
        QTest::newRow("info missing")
            << QStringList{"texts", "info", "--texts", dir_.filePath("gone.jsonl")} << "gone.jsonl";
        QTest::newRow("info empty")
            << QStringList{"texts", "info", "--texts", dir_.filePath("empty.txt")}
            << "holds no texts";
        QTest::newRow("info invalid UTF-8")
            << QStringList{"texts", "info", "--texts", dir_.filePath("latin1.txt")} << "line 1";
    }

    void badInputExitsTwo() {
        QFETCH(QStringList, args);
        QFETCH(QString, mention);
        Run r = cli(args);
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(mention), qPrintable(r.err));
        QCOMPARE(r.err.trimmed().count('\n'), 0);  // one line
        QVERIFY(!QFile::exists(dir_.filePath("never.jsonl")));
    }

private:
    QTemporaryDir dir_;
};

QTEST_GUILESS_MAIN(TextsCliTest)
#include "tst_texts_cli.moc"

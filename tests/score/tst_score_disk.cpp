// A full disk: llmap-cli score runs with a file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored, so a
// write past it fails with EFBIG as on a full disk) on a project that holds one finished model;
// the limit leaves room for the next model's row but not for its per-token values. The run must
// stop with a message that says the disk is full and how to go on, the project must still open
// with every finished row, and running the same command again without the limit must complete it
// with the values of an unhindered run.
#include <signal.h>
#include <sys/resource.h>

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <filesystem>
#include <random>

#include "score_fixtures.h"
#include "store/project.h"
#include "text/text_loaders.h"

using score_fixtures::relativelyClose;
using score_fixtures::runCli;

namespace {

QStringList scoreArgs(const QString& project) {
    return {"score",
            "--project",
            project,
            "--model",
            QString::fromStdString(fixtures::modelDir("gpt2_small")),
            QString::fromStdString(fixtures::modelDir("llama_mha_untied")),
            "--device",
            "cpu",
            "--token-logprobs",
            "--flush-seconds",
            "0"};
}

score_fixtures::CliRun runWithFileSizeLimit(const QStringList& args, rlim_t limit) {
    QProcess p;
    p.setChildProcessModifier([limit] {
        ::signal(SIGXFSZ, SIG_IGN);
        const rlimit r{limit, limit};
        ::setrlimit(RLIMIT_FSIZE, &r);
    });
    p.start(LLMAP_CLI_PATH, args);
    score_fixtures::CliRun r;
    if (!p.waitForFinished(300000)) {
        p.kill();
        p.waitForFinished();
        r.err = "timed out";
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.err = p.readAllStandardError().toStdString();
    return r;
}

bool complete(const std::vector<double>& row) {
    for (double v : row)
        if (std::isnan(v)) return false;
    return true;
}

void expectSameRow(const llmap::Project& got, const llmap::Project& want, size_t row) {
    const auto a = got.scoreRow(row), b = want.scoreRow(row);
    QCOMPARE(got.tokenRow(row), want.tokenRow(row));
    for (size_t t = 0; t < a.size(); ++t) QVERIFY(relativelyClose(a[t], b[t], 1e-5));
    const auto pa = got.allTokenLogProbs(row), pb = want.allTokenLogProbs(row);
    QCOMPARE(pa.size(), pb.size());
    for (size_t i = 0; i < pa.size(); ++i) QVERIFY(std::abs(pa[i] - pb[i]) <= 1e-4);
}

}  // namespace

class ScoreDiskTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void fullDiskKeepsTheProject() {
        QTemporaryDir dir;
        const QString texts = dir.filePath("texts.jsonl");
        llmap::writeTextsJsonl(score_fixtures::mixedOracleTexts(40, 3, 7), texts.toStdString());
        const QString refPath = dir.filePath("reference.h5");
        auto r = runCli(QStringList{scoreArgs(refPath)} << "--texts" << texts);
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        const auto ref = llmap::Project::open(refPath.toStdString());
        int64_t firstTokens = 0;
        for (int32_t n : ref.tokenRow(0)) firstTokens += n;

        const QString path = dir.filePath("full.h5");
        r = runCli(QStringList{scoreArgs(path).mid(0, 5)} << "--texts" << texts << "--device"
                                                          << "cpu"
                                                          << "--token-logprobs");
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        const auto finished = static_cast<rlim_t>(std::filesystem::file_size(path.toStdString()));
        // The store claims 1 MB of headroom before each write, and twice the size of a model's
        // per-token values (4 bytes each) before creating them: the second model's row fits in the
        // limit (a few kB), its values (about as many as the first model's) do not.
        const rlim_t limit = finished + (1 << 20) + 4 * static_cast<rlim_t>(firstTokens);
        r = runWithFileSizeLimit(scoreArgs(path), limit);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.find("the disk is full") != std::string::npos, r.err.c_str());
        QVERIFY2(r.err.find("run the same command again") != std::string::npos, r.err.c_str());
        QVERIFY2(r.err.find("gpt2_small: already scored") != std::string::npos, r.err.c_str());
        QVERIFY(std::filesystem::file_size(path.toStdString()) <= limit);
        {
            const auto p = llmap::Project::open(path.toStdString());
            QVERIFY(p.modelCount() >= 1);
            QCOMPARE(p.models()[0].id, std::string("gpt2_small"));
            QVERIFY(complete(p.scoreRow(0)));
            expectSameRow(p, ref, 0);
            if (p.modelCount() > 1) QVERIFY(!complete(p.scoreRow(1)));
        }

        r = runCli(scoreArgs(path));
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        QVERIFY2(r.err.find("gpt2_small: already scored") != std::string::npos, r.err.c_str());
        const auto p = llmap::Project::open(path.toStdString());
        QCOMPARE(p.modelCount(), size_t(2));
        for (size_t row = 0; row < 2; ++row) {
            QVERIFY(complete(p.scoreRow(row)));
            expectSameRow(p, ref, row);
        }
    }
};

QTEST_GUILESS_MAIN(ScoreDiskTest)
#include "tst_score_disk.moc"

// Crash safety: llmap-cli score is killed with SIGKILL at random (seeded) moments while it scores
// two fixture models. After every kill the project opens, every value it holds equals the value of
// an uninterrupted run (finished rows stay finished), and re-running completes it with the same
// values. A moment is a count of the run's writes to the project as seen from here, not a time, so
// the kills fall inside the scoring however loaded the machine is.
#include <signal.h>
#include <sys/stat.h>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <chrono>
#include <cmath>
#include <random>
#include <thread>

#include "score_fixtures.h"
#include "store/project.h"
#include "text/text_loaders.h"

using score_fixtures::relativelyClose;
using score_fixtures::runCli;

namespace {

constexpr uint32_t kSeed = 20251126;
constexpr int kKills = 6;
// A run is killed once the project has changed a seeded number of times, up to this many; a run
// from nothing changes it several hundred times (a flush after each of about 400 batches), so most
// kills fall inside a row.
constexpr int kMostChangesBeforeKill = 150;

QStringList scoreArgs(const QString& project) {
    return {"score",
            "--project",
            project,
            "--model",
            QString::fromStdString(fixtures::modelDir("gpt2_small")),
            QString::fromStdString(fixtures::modelDir("llama_mha_untied")),
            "--device",
            "cpu",
            "--threads",
            "1",
            "--batch-tokens",
            "512",
            "--flush-seconds",
            "0"};
}

// The project file's modification time and size: a change is one write or more.
std::pair<int64_t, int64_t> fileStamp(const QString& path) {
    struct stat st {};
    if (::stat(path.toLocal8Bit().constData(), &st) != 0) return {-1, -1};
    return {static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
            static_cast<int64_t>(st.st_size)};
}

struct Matrix {
    std::vector<std::vector<double>> loglik;
    std::vector<std::vector<int32_t>> tokens;
    std::vector<std::string> ids;
};

Matrix read(const QString& path) {
    const auto p = llmap::Project::open(path.toStdString());
    Matrix m;
    for (size_t r = 0; r < p.modelCount(); ++r) {
        m.ids.push_back(p.models()[r].id);
        m.loglik.push_back(p.scoreRow(r));
        m.tokens.push_back(p.tokenRow(r));
    }
    return m;
}

bool complete(const std::vector<double>& row) {
    for (double v : row)
        if (std::isnan(v)) return false;
    return true;
}

}  // namespace

class ScoreCrashTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void survivesKills() {
        QTemporaryDir dir;
        const QString texts = dir.filePath("texts.jsonl");
        llmap::writeTextsJsonl(score_fixtures::mixedOracleTexts(400, 12, kSeed),
                               texts.toStdString());

        const QString refPath = dir.filePath("reference.h5");
        const auto started = std::chrono::steady_clock::now();
        auto r = runCli(QStringList{scoreArgs(refPath)} << "--texts" << texts);
        const double fullSeconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        const Matrix ref = read(refPath);
        QCOMPARE(ref.ids.size(), size_t(2));
        qInfo("uninterrupted run: %.1f s", fullSeconds);

        std::mt19937 rng(kSeed);
        std::uniform_int_distribution<int> changesBeforeKill(1, kMostChangesBeforeKill);
        const QString path = dir.filePath("killed.h5");
        llmap::Project::create(path.toStdString(), score_fixtures::mixedOracleTexts(400, 12, kSeed),
                               "full");
        int kills = 0, partialRows = 0;
        std::vector<bool> finished(2, false);
        for (int attempt = 0; kills < kKills && attempt < 4 * kKills; ++attempt) {
            const int killAt = changesBeforeKill(rng);
            auto stamp = fileStamp(path);
            int changes = 0;
            QProcess p;
            p.start(LLMAP_CLI_PATH, scoreArgs(path));
            QVERIFY(p.waitForStarted());
            bool exited = false;
            while (changes < killAt) {
                if (p.waitForFinished(1) || p.state() == QProcess::NotRunning) {
                    exited = true;
                    break;
                }
                const auto now = fileStamp(path);
                if (now != stamp) {
                    stamp = now;
                    ++changes;
                }
            }
            if (!exited) {
                ::kill(static_cast<pid_t>(p.processId()), SIGKILL);
                p.waitForFinished();
                ++kills;
            }
            const Matrix m = read(path);  // opens after every kill
            for (size_t row = 0; row < m.ids.size(); ++row) {
                QCOMPARE(m.ids[row], ref.ids[row]);
                if (finished[row]) QVERIFY2(complete(m.loglik[row]), "a finished row lost values");
                for (size_t t = 0; t < m.loglik[row].size(); ++t) {
                    if (std::isnan(m.loglik[row][t])) continue;
                    QVERIFY(relativelyClose(m.loglik[row][t], ref.loglik[row][t], 1e-5));
                    QCOMPARE(m.tokens[row][t], ref.tokens[row][t]);
                }
                finished[row] = complete(m.loglik[row]);
                size_t kept = 0;
                for (double v : m.loglik[row]) kept += std::isnan(v) ? 0 : 1;
                if (kept > 0 && !finished[row]) ++partialRows;
            }
            if (exited) {  // finished before the kill: start again from nothing
                QCOMPARE(p.exitCode(), 0);
                QFile::remove(path);
                llmap::Project::create(path.toStdString(),
                                       score_fixtures::mixedOracleTexts(400, 12, kSeed), "full");
                finished.assign(2, false);
            }
        }
        qInfo("%d kills, %d rows in progress kept their flushed scores", kills, partialRows);
        QVERIFY2(kills >= kKills, "too few runs were killed");
        QVERIFY2(partialRows > 0, "no kill hit a row in progress");

        r = runCli(scoreArgs(path));
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        const Matrix m = read(path);
        QCOMPARE(m.ids, ref.ids);
        for (size_t row = 0; row < m.ids.size(); ++row) {
            QVERIFY(complete(m.loglik[row]));
            for (size_t t = 0; t < m.loglik[row].size(); ++t) {
                QVERIFY(relativelyClose(m.loglik[row][t], ref.loglik[row][t], 1e-5));
                QCOMPARE(m.tokens[row][t], ref.tokens[row][t]);
            }
        }
    }
};

QTEST_GUILESS_MAIN(ScoreCrashTest)
#include "tst_score_crash.moc"

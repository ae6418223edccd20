// Cluster runs without a scheduler: the packing of models into array tasks (hand-computed
// layouts), the manifest file, 'plan', 'score --manifest' (task index from the option or from
// SLURM_ARRAY_TASK_ID, idempotent), 'merge --shard-dir' (streams, skips and names corrupt and
// foreign shards, can run again) and the job scripts of 'slurm submit --dry-run'.
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "cli_runner.h"
#include "score/manifest.h"
#include "score/shard.h"
#include "store/project.h"
#include "util/error.h"

namespace {
namespace fs = std::filesystem;
using llmap::PlannedModel;

PlannedModel model(const char* id, double seconds) {
    PlannedModel m;
    m.id = id;
    m.folder = std::string("/m/") + id;
    m.seconds = seconds;
    return m;
}

std::vector<std::vector<std::string>> ids(const std::vector<std::vector<PlannedModel>>& tasks) {
    std::vector<std::vector<std::string>> out;
    for (const auto& t : tasks) {
        out.emplace_back();
        for (const auto& m : t) out.back().push_back(m.id);
    }
    return out;
}

void write(const QString& path, const std::string& content) {
    std::ofstream(path.toStdString(), std::ios::binary) << content;
}

QString readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? QString::fromUtf8(f.readAll()) : QString();
}

// Texts of 40, 36 and 44 bytes: 120 bytes, so 30 estimated tokens.
const char* kTexts =
    "{\"text\":\"The quick brown fox jumps over the dogs.\"}\n"
    "{\"text\":\"def add(a, b):\\n    return a + b + cd\"}\n"
    "{\"text\":\"It was the best of times, the worst of time.\"}\n";

llmap::test::CliRun cli(const QStringList& args, const QStringList& env = {}) {
    QProcess p;
    QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
    e.remove(QStringLiteral("SLURM_ARRAY_TASK_ID"));
    e.remove(QStringLiteral("JOB_COMPLETION_INDEX"));
    for (const QString& kv : env)
        e.insert(kv.section(QLatin1Char('='), 0, 0), kv.section(QLatin1Char('='), 1));
    p.setProcessEnvironment(e);
    p.start(QStringLiteral(LLMAP_CLI_PATH), args);
    p.waitForFinished(240000);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1,
            QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

#define EXPECT_CODE(run, want)                                                               \
    do {                                                                                     \
        const auto& r_ = (run);                                                              \
        if (r_.code != (want)) {                                                             \
            QFAIL(qPrintable(QStringLiteral("exit %1 (expected %2)\nstdout: %3\nstderr: %4") \
                                 .arg(r_.code)                                               \
                                 .arg(want)                                                  \
                                 .arg(r_.out, r_.err)));                                     \
        }                                                                                    \
    } while (0)

}  // namespace

class ClusterTest : public QObject {
    Q_OBJECT
private:
    QTemporaryDir dir_;
    QString path(const QString& name) const { return dir_.filePath(name); }

private Q_SLOTS:
    void estimateIsLoadPlusTwoFlopsPerParameterAndToken() {
        // 10 s + 2 * 1e9 * 1e6 / 1e13 s = 10 + 200
        QCOMPARE(llmap::estimateSeconds(1000000000, 1e6, 1e13, 10), 210.0);
        QCOMPARE(llmap::estimateSeconds(0, 1e6, 1e13, 7), 7.0);
    }

    void packsLargestFirstIntoFirstFittingTask() {
        // Largest first: 100 alone (over 60); 50 -> new; 30 -> new (80 > 60); 20 (c) -> with 30;
        // 20 (d) fits nowhere (120, 70, 70) -> new; 10 -> with 50 (exactly 60).
        const auto tasks = llmap::packTasks({model("a", 50), model("b", 30), model("c", 20),
                                             model("d", 20), model("e", 10), model("f", 100)},
                                            60);
        const std::vector<std::vector<std::string>> expected{{"f"}, {"a", "e"}, {"b", "c"}, {"d"}};
        QCOMPARE(ids(tasks), expected);
    }

    void packSecondsZeroGivesOneModelPerTask() {
        const auto tasks = llmap::packTasks({model("x", 1), model("y", 3), model("z", 2)}, 0);
        const std::vector<std::vector<std::string>> expected{{"y"}, {"z"}, {"x"}};
        QCOMPARE(ids(tasks), expected);
    }

    void manifestRoundTripsAndNamesTheBadLine() {
        llmap::Manifest m;
        m.project = "/data/p.h5";
        m.shardDir = "/data/p.shards";
        m.tokens = 1234.5;
        m.flops = 2e13;
        m.overheadSeconds = 10;
        m.packSeconds = 3600;
        PlannedModel a = model("org/a", 12.25);
        a.parameters = 1000000;
        m.tasks = {{a, model("b", 1)}, {model("c", 2)}};
        const std::string file = path(QStringLiteral("m.tsv")).toStdString();
        llmap::writeManifest(file, m);
        const llmap::Manifest back = llmap::readManifest(file);
        QCOMPARE(back.project, m.project);
        QCOMPARE(back.shardDir, m.shardDir);
        QCOMPARE(back.tokens, 1234.5);
        QCOMPARE(back.flops, 2e13);
        QCOMPARE(back.tasks.size(), size_t(2));
        QCOMPARE(back.tasks[0][0].id, std::string("org/a"));
        QCOMPARE(back.tasks[0][0].parameters, int64_t(1000000));
        QCOMPARE(back.tasks[0][0].seconds, 12.25);
        QCOMPARE(back.tasks[1][0].folder, std::string("/m/c"));

        std::ifstream in(file);
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        write(path(QStringLiteral("bad.tsv")), text + "7\tz\t1\t1\t/m/z\n");  // task 7 of 2
        try {
            llmap::readManifest(path(QStringLiteral("bad.tsv")).toStdString());
            QFAIL("a task index past the last task was accepted");
        } catch (const llmap::InputError& e) {
            QVERIFY2(QString::fromStdString(e.message()).contains(QStringLiteral("bad.tsv:13")),
                     e.message().c_str());
        }
        // A damaged count must not size anything: 10^12 tasks for three model lines, and numbers
        // past what an integer holds, are refused with the line.
        for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
                 {"# tasks\t2", "# tasks\t1000000000000"},
                 {"# tasks\t2", "# tasks\t1e300"},
                 {"\t1000000\t", "\t1e300\t"}}) {
            std::string damaged = text;
            QVERIFY2(damaged.find(from) != std::string::npos, from.c_str());
            damaged.replace(damaged.find(from), from.size(), to);
            write(path(QStringLiteral("damaged.tsv")), damaged);
            try {
                llmap::readManifest(path(QStringLiteral("damaged.tsv")).toStdString());
                QFAIL(("accepted: " + to).c_str());
            } catch (const llmap::InputError& e) {
                QVERIFY2(
                    QString::fromStdString(e.message()).contains(QStringLiteral("damaged.tsv")),
                    e.message().c_str());
            }
        }
        write(path(QStringLiteral("notone.tsv")), "model,a\n");
        QVERIFY_THROWS_EXCEPTION(
            llmap::InputError,
            llmap::readManifest(path(QStringLiteral("notone.tsv")).toStdString()));
    }

    void planScoreMergeEndToEnd() {
        const QString models = path(QStringLiteral("models"));
        QDir().mkpath(models);
        for (const char* m : {"gpt2-prose-s0-tiny", "llama-code-s0-tiny"}) {
            fs::copy(fs::path(LLMAP_TEST_DATA) / "../../resources/models" / m,
                     fs::path(models.toStdString()) / m, fs::copy_options::recursive);
        }
        QDir().mkpath(path(QStringLiteral("models/not-a-model")));  // no config.json: not listed
        write(path(QStringLiteral("texts.jsonl")), kTexts);
        const QString project = path(QStringLiteral("p.h5")),
                      manifest = path(QStringLiteral("p.tsv"));

        EXPECT_CODE(cli({"plan", "--project", project, "--texts",
                         path(QStringLiteral("texts.jsonl")), "--models", models, "--out", manifest,
                         "--pack-seconds", "0", "--flops", "1e9", "--overhead-seconds", "5"}),
                    0);
        const llmap::Manifest m = llmap::readManifest(manifest.toStdString());
        QCOMPARE(m.tasks.size(), size_t(2));
        QCOMPARE(m.tokens, 30.0);  // 120 bytes / 4, nothing scored yet
        QCOMPARE(m.shardDir, path(QStringLiteral("p.shards")).toStdString());
        for (const auto& t : m.tasks) {
            QCOMPARE(t.size(), size_t(1));
            QVERIFY(t[0].parameters > 10000);
            const double expected = 5 + 2.0 * t[0].parameters * 30 / 1e9;  // 6 digits written
            QVERIFY2(std::abs(t[0].seconds - expected) <= 1e-5 * expected,
                     qPrintable(QString::number(t[0].seconds)));
        }
        QVERIFY(m.tasks[0][0].parameters >= m.tasks[1][0].parameters);  // largest first

        // Task index from SLURM_ARRAY_TASK_ID; a second run of the same task does nothing.
        EXPECT_CODE(cli({"score", "--manifest", manifest, "--device", "cpu"},
                        {QStringLiteral("SLURM_ARRAY_TASK_ID=1")}),
                    0);
        const QString shard1 =
            QString::fromStdString(m.shardDir + "/" + llmap::shardFileName(m.tasks[1][0].id));
        QVERIFY(QFile::exists(shard1));
        const auto before = fs::last_write_time(shard1.toStdString());
        const auto again = cli({"score", "--manifest", manifest, "--task-index", "1"});
        EXPECT_CODE(again, 0);
        QVERIFY2(again.err.contains(QStringLiteral("already scored, skipped")),
                 qPrintable(again.err));
        QVERIFY(fs::last_write_time(shard1.toStdString()) == before);
        EXPECT_CODE(cli({"score", "--manifest", manifest, "--task-index", "0", "--device", "cpu"}),
                    0);
        const auto past = cli({"score", "--manifest", manifest, "--task-index", "2"});
        EXPECT_CODE(past, 2);
        QVERIFY(past.err.contains(QStringLiteral("0..1")));
        EXPECT_CODE(cli({"score", "--manifest", manifest}), 2);  // no index at all

        // A corrupt file and a shard of another text set in the folder: named, skipped, exit 2.
        const QString shards = QString::fromStdString(m.shardDir);
        write(shards + QStringLiteral("/truncated.shard.h5"), "\x89HDF\r\n\x1a\n truncated");
        write(path(QStringLiteral("other.jsonl")), "{\"text\":\"Another set entirely.\"}\n");
        EXPECT_CODE(
            cli({"score", "--project", path(QStringLiteral("o.h5")), "--texts",
                 path(QStringLiteral("other.jsonl")), "--shard-out", path(QStringLiteral("o")),
                 "--device", "cpu", "--model", models + QStringLiteral("/llama-code-s0-tiny")}),
            0);
        QVERIFY(QFile::copy(path(QStringLiteral("o/llama-code-s0-tiny.shard.h5")),
                            shards + QStringLiteral("/foreign.shard.h5")));
        const auto merge = cli({"merge", "--project", project, "--shard-dir", shards});
        EXPECT_CODE(merge, 2);
        const QString tail = merge.err.section(QStringLiteral("skipped, not merged:"), 1);
        QVERIFY2(tail.contains(QStringLiteral("truncated.shard.h5")) &&
                     tail.contains(QStringLiteral("foreign.shard.h5")),
                 qPrintable(merge.err));
        QVERIFY(merge.err.contains(QStringLiteral("another text set")));
        {
            const llmap::Project p = llmap::Project::open(project.toStdString());
            QCOMPARE(p.modelCount(), size_t(2));
            for (const auto& task : m.tasks) {
                const auto row = p.findModel(task[0].id);
                QVERIFY(row.has_value());
                const llmap::Shard s =
                    llmap::readShard(m.shardDir + "/" + llmap::shardFileName(task[0].id));
                QCOMPARE(p.scoreRow(*row), s.loglik);
                QCOMPARE(p.tokenRow(*row), s.tokens);
            }
        }
        // Again (as a re-submitted merge job does): the merged shards are recognised, not refused.
        QFile::remove(shards + QStringLiteral("/truncated.shard.h5"));
        QFile::remove(shards + QStringLiteral("/foreign.shard.h5"));
        const auto remerge = cli({"merge", "--project", project, "--shard-dir", shards});
        EXPECT_CODE(remerge, 0);
        QVERIFY(remerge.err.contains(QStringLiteral("2 already there")));

        // Everything is scored now: a new plan has nothing left to do.
        const auto replan = cli({"plan", "--project", project, "--models", models, "--out",
                                 path(QStringLiteral("q.tsv"))});
        EXPECT_CODE(replan, 0);
        QVERIFY2(replan.out.startsWith(QStringLiteral("0 tasks for 0 models (2 already scored")),
                 qPrintable(replan.out));
    }

    void submitDryRunWritesFilledScripts() {
        llmap::Manifest m;
        m.project = path(QStringLiteral("d.h5")).toStdString();
        m.shardDir = path(QStringLiteral("d.shards")).toStdString();
        m.flops = 1e13;
        m.tasks = {{model("a", 1)}, {model("b", 1)}, {model("c", 1)}};
        const QString manifest = path(QStringLiteral("d.tsv"));
        llmap::writeManifest(manifest.toStdString(), m);
        EXPECT_CODE(cli({"slurm", "submit", "--manifest", manifest, "--cpu", "--parallel", "2",
                         "--dry-run"}),
                    0);
        const QString array = readAll(manifest + QStringLiteral(".slurm/array-1.sbatch"));
        const QString merge = readAll(manifest + QStringLiteral(".slurm/merge-1.sbatch"));
        QVERIFY2(array.contains(QStringLiteral("#SBATCH --array=0-2%2\n")), qPrintable(array));
        QVERIFY(array.contains(QStringLiteral("score --manifest \"") + manifest +
                               QStringLiteral("\"")));
        QVERIFY(array.contains(QStringLiteral("--device cpu")));
        QVERIFY(!array.contains(QStringLiteral("--gres")));
        QVERIFY(merge.contains(QStringLiteral("#SBATCH --dependency=afterok:ARRAY_JOB_ID\n")));
        QVERIFY(merge.contains(QStringLiteral("#SBATCH --kill-on-invalid-dep=yes\n")));
        QVERIFY(
            merge.contains(QStringLiteral("--shard-dir \"") + QString::fromStdString(m.shardDir)));
        const QRegularExpression field(QStringLiteral("@[A-Z_]+@"));
        QVERIFY(!array.contains(field) && !merge.contains(field));

        EXPECT_CODE(
            cli({"slurm", "submit", "--manifest", manifest, "--indices", "1,3", "--dry-run"}), 2);
        EXPECT_CODE(
            cli({"slurm", "submit", "--manifest", manifest, "--indices", "0,2", "--dry-run"}), 0);
        const QString gpu = readAll(manifest + QStringLiteral(".slurm/array-1.sbatch"));
        QVERIFY2(gpu.contains(QStringLiteral("#SBATCH --array=0,2\n")) &&
                     gpu.contains(QStringLiteral("--gres=gpu:1")) &&
                     gpu.contains(QStringLiteral("--device cuda")),
                 qPrintable(gpu));
        write(path(QStringLiteral("t.sbatch")), "#!/bin/sh\n#SBATCH --array=@ARRAY@\n@NOPE@\n");
        const auto unknown = cli({"slurm", "submit", "--manifest", manifest, "--array-template",
                                  path(QStringLiteral("t.sbatch")), "--dry-run"});
        EXPECT_CODE(unknown, 2);
        QVERIFY(unknown.err.contains(QStringLiteral("@NOPE@")));
    }
};

QTEST_GUILESS_MAIN(ClusterTest)
#include "tst_cluster.moc"

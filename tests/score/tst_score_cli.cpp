// llmap-cli score: creating a project from a text set, agreement with transformers, re-runs that
// skip finished rows, and bad input (another text set, no text set, unknown device, another
// convention, a broken model folder among good ones).
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>

#include "score_fixtures.h"
#include "store/project.h"
#include "text/text_loaders.h"

using score_fixtures::closeToOracle;
using score_fixtures::oracleModel;
using score_fixtures::oracleTexts;
using score_fixtures::runCli;

namespace {

QString model(const char* name) {
    return QString::fromStdString(fixtures::modelDir(name));
}

void expectRowMatchesOracle(const llmap::Project& project, const std::string& id,
                            const std::string& convention) {
    const auto row = project.findModel(id);
    QVERIFY2(row.has_value(), id.c_str());
    const auto values = project.scoreRow(*row);
    const auto tokens = project.tokenRow(*row);
    const auto entry = oracleModel(id);
    for (size_t i = 0; i < values.size(); ++i) {
        QVERIFY2(closeToOracle(values[i], entry["texts"][i]["ll_" + convention].get<double>()),
                 qPrintable(QString("%1 text %2: %3").arg(id.c_str()).arg(i).arg(values[i])));
        QCOMPARE(tokens[i],
                 static_cast<int32_t>(entry["texts"][i]["ids_" + convention].size()) - 1);
    }
}

}  // namespace

class ScoreCliTest : public QObject {
    Q_OBJECT
private:
    QTemporaryDir dir_;
    QString texts_;

private Q_SLOTS:
    void initTestCase() {
        texts_ = dir_.filePath("texts.jsonl");
        llmap::writeTextsJsonl(oracleTexts(), texts_.toStdString());
    }

    void createsScoresAndSkips() {
        const QString project = dir_.filePath("p.h5");
        auto r = runCli({"score", "--project", project, "--texts", texts_, "--model",
                         model("gpt2_small"), model("llama_mha_untied"), "--device", "cpu",
                         "--convention", "paper"});
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        QVERIFY2(r.err.find("texts") != std::string::npos, r.err.c_str());  // progress line
        {
            const auto p = llmap::Project::open(project.toStdString());
            QCOMPARE(p.convention(), std::string("paper"));
            QCOMPARE(p.modelCount(), size_t(2));
            expectRowMatchesOracle(p, "gpt2_small", "paper");
            expectRowMatchesOracle(p, "llama_mha_untied", "paper");
        }
        // Again, without --texts: the finished rows are skipped.
        r = runCli({"score", "--project", project, "--model", model("gpt2_small"), "--device",
                    "cpu", "--convention", "paper"});
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        QVERIFY2(r.err.find("gpt2_small: already scored") != std::string::npos, r.err.c_str());
    }

    // --device all where no GPU is visible scores on the CPU, as auto does.
    void everyGpuWithoutOneIsTheCpu() {
        qputenv("CUDA_VISIBLE_DEVICES", "");
        const QString project = dir_.filePath("all.h5");
        const auto r = runCli({"score", "--project", project, "--texts", texts_, "--model",
                               model("gpt2_small"), "--device", "all"});
        qunsetenv("CUDA_VISIBLE_DEVICES");
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        QVERIFY2(r.err.find("device cpu") != std::string::npos, r.err.c_str());
        const auto p = llmap::Project::open(project.toStdString());
        expectRowMatchesOracle(p, "gpt2_small", "full");
    }

    // --token-logprobs: every token's log-probability in the project, as transformers gives it.
    void tokenLogProbs() {
        const QString project = dir_.filePath("per_token.h5");
        auto r = runCli({"score", "--project", project, "--texts", texts_, "--model",
                         model("gpt_neox_parallel_rot25"), "--device", "cpu", "--token-logprobs"});
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        const auto p = llmap::Project::open(project.toStdString());
        const auto row = p.findModel("gpt_neox_parallel_rot25");
        QVERIFY(row.has_value());
        const auto entry = oracleModel("gpt_neox_parallel_rot25");
        for (size_t i = 0; i < 2; ++i) {  // the texts with transformers' per-token values
            const auto want = entry["texts"][i]["per_token_full"].get<std::vector<double>>();
            const auto got = p.tokenLogProbs(*row, i);
            QCOMPARE(got.size(), want.size());
            for (size_t t = 0; t < want.size(); ++t)
                QVERIFY(std::abs(got[t] - want[t]) <= 1e-4 * std::abs(want[t]) + 2e-5);
        }
        r = runCli({"score", "--texts", texts_, "--shard-out", dir_.filePath("shards"), "--model",
                    model("gpt2_small"), "--device", "cpu", "--token-logprobs"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.find("--token-logprobs") != std::string::npos, r.err.c_str());
    }

    void refusesAnotherTextSet() {
        const QString project = dir_.filePath("other.h5");
        auto r = runCli({"score", "--project", project, "--texts", texts_, "--model",
                         model("gpt2_small"), "--device", "cpu"});
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        auto fewer = oracleTexts();
        fewer.texts.pop_back();
        fewer.ids.pop_back();
        fewer.sources.pop_back();
        const QString other = dir_.filePath("fewer.jsonl");
        llmap::writeTextsJsonl(fewer, other.toStdString());
        r = runCli({"score", "--project", project, "--texts", other, "--model", model("gpt2_small"),
                    "--device", "cpu"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.find(oracleTexts().contentHash()) != std::string::npos, r.err.c_str());
        QVERIFY2(r.err.find(fewer.contentHash()) != std::string::npos, r.err.c_str());
    }

    void refusesBadOptions() {
        const QString project = dir_.filePath("bad.h5");
        auto r = runCli({"score", "--project", project, "--model", model("gpt2_small")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.find("--texts") != std::string::npos, r.err.c_str());
        r = runCli({"score", "--project", project, "--texts", texts_, "--model",
                    model("gpt2_small"), "--device", "tpu"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.find("tpu") != std::string::npos, r.err.c_str());
        QVERIFY(!QFile::exists(project));
        r = runCli({"score", "--project", project, "--texts", texts_, "--model",
                    model("gpt2_small"), "--batch-tokens", "many"});
        QCOMPARE(r.exitCode, 2);
        // A project of the other convention.
        r = runCli({"score", "--project", project, "--texts", texts_, "--model",
                    model("gpt2_small"), "--device", "cpu", "--convention", "full"});
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        r = runCli({"score", "--project", project, "--model", model("llama_mha_untied"), "--device",
                    "cpu", "--convention", "paper"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(
            r.err.find("\"full\"") != std::string::npos && r.err.find("paper") != std::string::npos,
            r.err.c_str());
    }

    void brokenModelAmongGoodOnes() {
        const std::filesystem::path broken = dir_.filePath("broken_model").toStdString();
        fixtures::copyModel("qwen2_gqa_tied", broken);
        std::filesystem::remove(broken / "model.safetensors");
        const QString project = dir_.filePath("mixed.h5");
        const auto r = runCli({"score", "--project", project, "--texts", texts_, "--model",
                               model("gpt2_small"), QString::fromStdString(broken.string()),
                               model("qwen3_gqa_headdim12_tied"), "--device", "cpu"});
        QVERIFY(r.exitCode != 0);
        QVERIFY2(r.err.find(broken.string() + " failed") != std::string::npos, r.err.c_str());
        QVERIFY2(r.err.find("1 of 3 models failed") != std::string::npos, r.err.c_str());
        const auto p = llmap::Project::open(project.toStdString());
        QCOMPARE(p.modelCount(), size_t(2));
        QCOMPARE(p.completeRows().size(), size_t(2));
        expectRowMatchesOracle(p, "gpt2_small", "full");
        expectRowMatchesOracle(p, "qwen3_gqa_headdim12_tied", "full");
    }
};

QTEST_GUILESS_MAIN(ScoreCliTest)
#include "tst_score_cli.moc"

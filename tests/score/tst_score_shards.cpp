// llmap-cli score --shard-out and llmap-cli merge: one small file per model without the texts,
// merged rows that agree with transformers, and shards of another text set or convention refused.
#include <QTemporaryDir>
#include <QtTest>

#include "score/shard.h"
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
}  // namespace

class ScoreShardsTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void shardsAndMerge() {
        QTemporaryDir dir;
        const QString texts = dir.filePath("texts.jsonl");
        llmap::writeTextsJsonl(oracleTexts(), texts.toStdString());
        auto fewer = oracleTexts();
        fewer.texts.pop_back();
        fewer.ids.pop_back();
        fewer.sources.pop_back();
        const QString fewerTexts = dir.filePath("fewer.jsonl");
        llmap::writeTextsJsonl(fewer, fewerTexts.toStdString());

        const QString shards = dir.filePath("shards");
        auto r = runCli({"score", "--shard-out", shards, "--texts", texts, "--model",
                         model("gpt2_small"), model("llama_mha_untied"), "--device", "cpu"});
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        const QString gpt2 = shards + "/gpt2_small.shard.h5";
        const QString llama = shards + "/llama_mha_untied.shard.h5";
        QVERIFY(QFile::exists(gpt2) && QFile::exists(llama));
        QCOMPARE(QDir(shards).entryList(QDir::Files).size(), 2);  // no work files left
        // No texts inside.
        const std::string bytes = fixtures::readBytes(gpt2.toStdString());
        QVERIFY(bytes.find("mitochondria") == std::string::npos);
        const llmap::Shard shard = llmap::readShard(gpt2.toStdString());
        QCOMPARE(shard.textSetHash, oracleTexts().contentHash());
        QCOMPARE(shard.convention, std::string("full"));
        QVERIFY(shard.model.metadataJson.find("\"model_type\":\"gpt2\"") != std::string::npos);
        QCOMPARE(shard.provenance.size(), size_t(1));

        r = runCli({"score", "--shard-out", shards, "--texts", texts, "--model",
                    model("gpt2_small"), "--device", "cpu"});
        QVERIFY2(r.exitCode == 0 && r.err.find("already scored") != std::string::npos,
                 r.err.c_str());

        // Shards of another text set and of the other convention.
        const QString otherSet = dir.filePath("other_set");
        r = runCli({"score", "--shard-out", otherSet, "--texts", fewerTexts, "--model",
                    model("qwen2_gqa_tied"), "--device", "cpu"});
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        const QString otherConvention = dir.filePath("other_convention");
        r = runCli({"score", "--shard-out", otherConvention, "--texts", texts, "--model",
                    model("qwen2_gqa_tied"), "--device", "cpu", "--convention", "paper"});
        QVERIFY2(r.exitCode == 0, r.err.c_str());

        const QString project = dir.filePath("p.h5");
        llmap::Project::create(project.toStdString(), oracleTexts(), "full");
        r = runCli({"merge", "--project", project, gpt2, otherSet + "/qwen2_gqa_tied.shard.h5",
                    otherConvention + "/qwen2_gqa_tied.shard.h5", llama});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.find(fewer.contentHash()) != std::string::npos &&
                     r.err.find(oracleTexts().contentHash()) != std::string::npos,
                 r.err.c_str());
        QVERIFY2(r.err.find("\"paper\" scores") != std::string::npos, r.err.c_str());
        QVERIFY2(r.err.find("merged 2 of 4 shards") != std::string::npos, r.err.c_str());
        {
            const auto p = llmap::Project::open(project.toStdString());
            QCOMPARE(p.modelCount(), size_t(2));
            for (const char* id : {"gpt2_small", "llama_mha_untied"}) {
                const auto row = p.findModel(id);
                QVERIFY(row.has_value());
                const auto values = p.scoreRow(*row);
                const auto tokens = p.tokenRow(*row);
                const auto entry = oracleModel(id);
                for (size_t i = 0; i < values.size(); ++i) {
                    QVERIFY(closeToOracle(values[i], entry["texts"][i]["ll_full"].get<double>()));
                    QCOMPARE(tokens[i],
                             static_cast<int32_t>(entry["texts"][i]["ids_full"].size()) - 1);
                }
            }
            QVERIFY(p.provenance().size() >= 2);
        }
        // The same shard again (a merge job run twice): recognised as merged, nothing changes.
        r = runCli({"merge", "--project", project, gpt2});
        QCOMPARE(r.exitCode, 0);
        QVERIFY2(r.err.find("1 already there") != std::string::npos, r.err.c_str());
        // Other scores for a model already scored: refused.
        llmap::Shard changed = llmap::readShard(gpt2.toStdString());
        changed.loglik[0] -= 1;
        const QString other = dir.filePath("changed.shard.h5");
        llmap::writeShard(other.toStdString(), changed);
        r = runCli({"merge", "--project", project, other});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.find("already scored") != std::string::npos, r.err.c_str());
        // Not a shard at all.
        r = runCli({"merge", "--project", project, texts});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.find("not an HDF5 file") != std::string::npos, r.err.c_str());
    }
};

QTEST_GUILESS_MAIN(ScoreShardsTest)
#include "tst_score_shards.moc"

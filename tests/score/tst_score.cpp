// The scoring library against Hugging Face transformers: every fixture model under both
// conventions, per-token log-probabilities, batch invariance, halving the batch on out-of-memory,
// resume after cancellation, empty and over-long texts (truncation recorded per text), and the
// refusals (unknown device, CUDA without CUDA, convention mismatch, broken folder).
#include <ATen/ATen.h>

#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "score/device_pool.h"
#include "score/scorer.h"
#include "score_fixtures.h"
#include "store/project.h"

using fixtures::expectInputError;
using fixtures::oracle;
using score_fixtures::closeToOracle;
using score_fixtures::oracleTexts;
using score_fixtures::relativelyClose;

namespace {

llmap::ScoreOptions cpuOptions(const std::string& convention) {
    llmap::ScoreOptions o;
    o.device = "cpu";
    o.dtype = "fp32";
    o.convention = convention;
    return o;
}

// Two texts a batch, written at once: many batches, so a cancel lands between two of them.
llmap::ScoreOptions smallBatchOptions() {
    llmap::ScoreOptions o = cpuOptions("full");
    o.maxBatchTexts = 2;
    o.maxPadding = 1;
    o.flushSeconds = 0;
    return o;
}

struct Scored {
    std::vector<double> loglik;
    std::vector<int32_t> tokens;
    std::vector<int8_t> truncated;
    std::vector<std::vector<float>> perToken;  // when asked for
    llmap::ScoreResult result;
    nlohmann::json provenance;
};

Scored scoreFresh(const QTemporaryDir& dir, const std::string& file, const llmap::TextSet& texts,
                  const std::string& model, const llmap::ScoreOptions& options) {
    auto project = llmap::Project::create(dir.filePath(QString::fromStdString(file)).toStdString(),
                                          texts, options.convention);
    Scored s;
    s.result = llmap::scoreModel(project, fixtures::modelDir(model), options);
    s.loglik = project.scoreRow(s.result.row);
    s.tokens = project.tokenRow(s.result.row);
    s.truncated = project.truncatedRow(s.result.row);
    for (size_t i = 0; options.tokenLogProbs && i < texts.size(); ++i)
        s.perToken.push_back(project.tokenLogProbs(s.result.row, i));
    s.provenance = nlohmann::json::parse(project.provenance().back());
    return s;
}

// Every per-token value of a fixture model against transformers' (full convention): the values
// transformers gives for the oracle's first two texts, and for every text the count and a sum
// equal to transformers' log-likelihood.
void expectPerTokenMatchesOracle(const Scored& s, const std::string& model) {
    const auto entry = score_fixtures::oracleModel(model);
    QCOMPARE(s.perToken.size(), entry["texts"].size());
    int compared = 0;
    for (size_t i = 0; i < s.perToken.size(); ++i) {
        const auto& t = entry["texts"][i];
        QCOMPARE(static_cast<int32_t>(s.perToken[i].size()), s.tokens[i]);
        QCOMPARE(s.perToken[i].size(), t["ids_full"].size() - 1);
        double sum = 0;
        for (float v : s.perToken[i]) sum += v;
        QVERIFY2(
            closeToOracle(sum, t["ll_full"].get<double>()),
            qPrintable(QString("%1 text %2: per-token sum %3").arg(model.c_str()).arg(i).arg(sum)));
        if (!t.contains("per_token_full") || !t["per_token_full"].is_array()) continue;
        const auto want = t["per_token_full"].get<std::vector<double>>();
        QCOMPARE(s.perToken[i].size(), want.size());
        for (size_t k = 0; k < want.size(); ++k) {
            QVERIFY2(std::abs(s.perToken[i][k] - want[k]) <= 1e-4 * std::abs(want[k]) + 2e-5,
                     qPrintable(QString("%1 text %2 token %3: %4 vs transformers %5")
                                    .arg(model.c_str())
                                    .arg(i)
                                    .arg(k)
                                    .arg(s.perToken[i][k], 0, 'g', 9)
                                    .arg(want[k], 0, 'g', 9)));
        }
        ++compared;
    }
    QVERIFY(compared >= 2);
}

// Cancels the run once `after` progress reports have arrived.
class CancelAfter : public llmap::ProgressSink {
public:
    CancelAfter(llmap::CancelToken& token, int after) : token_(token), after_(after) {}
    void onProgress(const llmap::ScoreProgress& p) override {
        last = p;
        if (++seen_ >= after_) token_.cancel();
    }
    llmap::ScoreProgress last;

private:
    llmap::CancelToken& token_;
    int after_;
    int seen_ = 0;
};

// The app's pattern: scoring on a worker thread, Cancel pressed on the GUI thread. The first
// report after a scored batch holds the worker until the other thread has cancelled.
class HoldAtFirstBatch : public llmap::ProgressSink {
public:
    void onProgress(const llmap::ScoreProgress& p) override {
        std::unique_lock<std::mutex> lock(mutex_);
        last_ = p;
        if (p.textsDone == 0 || held_) return;
        held_ = true;
        changed_.notify_all();
        changed_.wait(lock, [this] { return released_; });
    }
    // Waits for the held report and returns the texts it counted.
    size_t waitUntilHeld() {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [this] { return held_; });
        return last_.textsDone;
    }
    void release() {
        std::lock_guard<std::mutex> lock(mutex_);
        released_ = true;
        changed_.notify_all();
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    llmap::ScoreProgress last_;
    bool held_ = false, released_ = false;
};

void addModelRows() {
    QTest::addColumn<std::string>("model");
    QTest::addColumn<int>("index");
    const auto o = oracle();
    for (size_t i = 0; i < o["models"].size(); ++i) {
        const std::string name = o["models"][i]["name"];
        QTest::newRow(name.c_str()) << name << static_cast<int>(i);
    }
}

}  // namespace

class ScoreTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void agreesWithTransformers_data() { addModelRows(); }
    void agreesWithTransformers() {
        QFETCH(std::string, model);
        QFETCH(int, index);
        const auto entry = oracle()["models"][static_cast<size_t>(index)];
        const auto texts = oracleTexts();
        QTemporaryDir dir;
        for (const std::string convention : {"full", "paper"}) {
            const Scored s =
                scoreFresh(dir, convention + ".h5", texts, model, cpuOptions(convention));
            QCOMPARE(s.result.textsScored, texts.size());
            QVERIFY(s.result.truncatedTexts.empty());
            for (size_t i = 0; i < texts.size(); ++i) {
                const auto& t = entry["texts"][i];
                const double want = t["ll_" + convention].get<double>();
                const auto ids = t["ids_" + convention].get<std::vector<int>>();
                if (!closeToOracle(s.loglik[i], want)) {
                    QFAIL(qPrintable(QString("%1 text %2: %3 vs transformers %4")
                                         .arg(convention.c_str())
                                         .arg(i)
                                         .arg(s.loglik[i], 0, 'g', 10)
                                         .arg(want, 0, 'g', 10)));
                }
                QCOMPARE(s.tokens[i], static_cast<int32_t>(ids.size()) - 1);
            }
        }
    }

    void batchInvariance_data() { addModelRows(); }
    void batchInvariance() {
        QFETCH(std::string, model);
        const auto texts = oracleTexts();
        QTemporaryDir dir;
        auto one = cpuOptions("full");
        one.maxBatchTexts = 1;
        one.batchTokens = 1 << 20;
        auto eight = one;
        eight.maxBatchTexts = 8;
        eight.maxPadding = 1;  // batches of very different lengths: padding must not leak
        const auto automatic = cpuOptions("full");
        const Scored a = scoreFresh(dir, "one.h5", texts, model, one);
        const Scored b = scoreFresh(dir, "eight.h5", texts, model, eight);
        const Scored c = scoreFresh(dir, "auto.h5", texts, model, automatic);
        for (size_t i = 0; i < texts.size(); ++i) {
            QVERIFY2(relativelyClose(a.loglik[i], b.loglik[i], 1e-5),
                     qPrintable(QString("text %1: batch 1 %2, batch 8 %3")
                                    .arg(i)
                                    .arg(a.loglik[i], 0, 'g', 12)
                                    .arg(b.loglik[i], 0, 'g', 12)));
            QVERIFY2(relativelyClose(a.loglik[i], c.loglik[i], 1e-5),
                     qPrintable(QString("text %1: batch 1 %2, automatic %3")
                                    .arg(i)
                                    .arg(a.loglik[i], 0, 'g', 12)
                                    .arg(c.loglik[i], 0, 'g', 12)));
            QCOMPARE(a.tokens[i], c.tokens[i]);
        }
    }

    void tokenLogProbs_data() { addModelRows(); }
    void tokenLogProbs() {
        QFETCH(std::string, model);
        auto options = cpuOptions("full");
        options.tokenLogProbs = true;
        QTemporaryDir dir;
        const Scored s = scoreFresh(dir, "p.h5", oracleTexts(), model, options);
        expectPerTokenMatchesOracle(s, model);
        QVERIFY(s.provenance["token_logprobs"].get<bool>());
    }

    // A row scored without per-token values is scored again when they are asked for; the flat
    // layout (offsets) follows the token counts.
    void tokenLogProbsAddedLater() {
        const auto texts = oracleTexts();
        QTemporaryDir dir;
        const std::string path = dir.filePath("p.h5").toStdString();
        const std::string model = "qwen2_gqa_tied";
        {
            auto project = llmap::Project::create(path, texts, "full");
            llmap::scoreModel(project, fixtures::modelDir(model), cpuOptions("full"));
            QVERIFY(!project.hasTokenLogProbs(0));
            QVERIFY(project.tokenLogProbs(0, 0).empty());
        }
        auto project = llmap::Project::open(path, true);
        auto options = cpuOptions("full");
        options.tokenLogProbs = true;
        const auto r = llmap::scoreModel(project, fixtures::modelDir(model), options);
        QCOMPARE(r.textsScored, texts.size());
        const auto offsets = project.tokenLogProbOffsets(0);
        const auto tokens = project.tokenRow(0);
        QCOMPARE(offsets.size(), texts.size() + 1);
        for (size_t i = 0; i < texts.size(); ++i)
            QCOMPARE(offsets[i + 1] - offsets[i], int64_t(tokens[i]));
        Scored s;
        s.loglik = project.scoreRow(0);
        s.tokens = tokens;
        for (size_t i = 0; i < texts.size(); ++i) s.perToken.push_back(project.tokenLogProbs(0, i));
        expectPerTokenMatchesOracle(s, model);
        QCOMPARE(project.allTokenLogProbs(0).size(), size_t(offsets.back()));
        // Now complete: nothing is scored again.
        QCOMPARE(llmap::scoreModel(project, fixtures::modelDir(model), options).textsScored,
                 size_t(0));
    }

    // LLMAP_SCORE_OOM_ABOVE_TOKENS makes batches above 240 padded tokens fail as out of memory
    // (the longest text has 115): the batch is halved until it fits, and the scores are those of
    // transformers and of an unhindered run.
    void halvesBatchOnOutOfMemory() {
        const auto texts = oracleTexts();
        const std::string model = "llama_mha_untied";
        const auto entry = score_fixtures::oracleModel(model);
        auto options = cpuOptions("full");
        options.batchTokens = 4096;
        options.maxPadding = 1;
        QTemporaryDir dir;
        const Scored plain = scoreFresh(dir, "plain.h5", texts, model, options);
        QCOMPARE(plain.result.outOfMemoryHalvings, 0);
        qputenv("LLMAP_SCORE_OOM_ABOVE_TOKENS", "240");
        const Scored halved = scoreFresh(dir, "halved.h5", texts, model, options);
        qputenv("LLMAP_SCORE_OOM_ABOVE_TOKENS", "50");  // not even one text fits
        bool failed = false;
        try {
            scoreFresh(dir, "none.h5", texts, model, options);
        } catch (const llmap::Error& e) {
            failed = std::string(e.what()).find("out of memory") != std::string::npos;
        }
        qunsetenv("LLMAP_SCORE_OOM_ABOVE_TOKENS");
        QVERIFY(failed);
        QCOMPARE(halved.result.outOfMemoryHalvings, 3);  // 22 texts -> 11 -> 5 -> 2 per batch
        QVERIFY(halved.result.batchTokens < options.batchTokens);
        QCOMPARE(halved.provenance["out_of_memory_halvings"].get<int>(), 3);
        QCOMPARE(halved.provenance["batch_tokens"].get<int64_t>(), halved.result.batchTokens);
        QCOMPARE(halved.result.textsScored, texts.size());
        for (size_t i = 0; i < texts.size(); ++i) {
            QVERIFY(closeToOracle(halved.loglik[i], entry["texts"][i]["ll_full"].get<double>()));
            QVERIFY(relativelyClose(halved.loglik[i], plain.loglik[i], 1e-5));
            QCOMPARE(halved.tokens[i], plain.tokens[i]);
        }
    }

    void resumesAfterCancel() {
        const auto texts = oracleTexts();
        const auto entry = score_fixtures::oracleModel("llama_mha_untied");
        QTemporaryDir dir;
        const std::string path = dir.filePath("p.h5").toStdString();
        const auto options = smallBatchOptions();
        size_t scoredBefore = 0;
        {
            auto project = llmap::Project::create(path, texts, "full");
            llmap::CancelToken token;
            CancelAfter sink(token, 4);  // the first report, then three batches
            const auto r = llmap::scoreModel(project, fixtures::modelDir("llama_mha_untied"),
                                             options, &sink, &token);
            QVERIFY(r.cancelled);
            QCOMPARE(r.textsScored, size_t(6));
        }
        {
            const auto project = llmap::Project::open(path);
            for (double v : project.scoreRow(0)) scoredBefore += std::isnan(v) ? 0 : 1;
            QCOMPARE(scoredBefore, size_t(6));
        }
        auto project = llmap::Project::open(path, true);
        const auto r = llmap::scoreModel(project, fixtures::modelDir("llama_mha_untied"), options);
        QVERIFY(!r.cancelled);
        QCOMPARE(r.textsSkipped, scoredBefore);
        QCOMPARE(r.textsScored, texts.size() - scoredBefore);
        QCOMPARE(project.modelCount(), size_t(1));
        const auto resumed = project.scoreRow(0);
        const Scored whole = scoreFresh(dir, "whole.h5", texts, "llama_mha_untied", options);
        for (size_t i = 0; i < texts.size(); ++i) {
            QVERIFY(closeToOracle(resumed[i], entry["texts"][i]["ll_full"].get<double>()));
            QVERIFY(relativelyClose(resumed[i], whole.loglik[i], 1e-5));
        }
        // A finished row is skipped without loading the model.
        const auto again =
            llmap::scoreModel(project, fixtures::modelDir("llama_mha_untied"), options);
        QCOMPARE(again.textsScored, size_t(0));
        QCOMPARE(again.textsSkipped, texts.size());
    }

    // Cancel pressed on another thread: once while the worker waits (the cancel must stop it
    // before the next batch), once while it runs on (under ThreadSanitizer, the tsan preset, an
    // unsynchronised token or progress would be reported).
    void cancelFromAnotherThread_data() {
        QTest::addColumn<bool>("whileHeld");
        QTest::newRow("while the worker waits") << true;
        QTest::newRow("while the worker runs") << false;
    }
    void cancelFromAnotherThread() {
        QFETCH(bool, whileHeld);
        const auto texts = oracleTexts();
        QTemporaryDir dir;
        const std::string path = dir.filePath("p.h5").toStdString();
        const auto options = smallBatchOptions();
        HoldAtFirstBatch sink;
        llmap::CancelToken token;
        llmap::ScoreResult result;
        size_t doneAtHold = 0;
        {
            auto project = llmap::Project::create(path, texts, "full");
            std::thread worker([&] {
                result = llmap::scoreModel(project, fixtures::modelDir("llama_mha_untied"), options,
                                           &sink, &token);
            });
            doneAtHold = sink.waitUntilHeld();
            if (whileHeld) token.cancel();
            sink.release();
            if (!whileHeld) token.cancel();
            worker.join();
        }
        QVERIFY(doneAtHold > 0 && doneAtHold < texts.size());
        if (whileHeld) {
            QVERIFY(result.cancelled);
            QCOMPARE(result.textsScored, doneAtHold);
        } else {
            QVERIFY(result.textsScored >= doneAtHold);
            QCOMPARE(result.cancelled, result.textsScored < texts.size());
        }
        const auto project = llmap::Project::open(path);
        size_t stored = 0;
        for (double v : project.scoreRow(0)) stored += std::isnan(v) ? 0 : 1;
        QCOMPARE(stored, result.textsScored);
    }

    void reportsProgress() {
        const auto texts = oracleTexts();
        QTemporaryDir dir;
        auto project = llmap::Project::create(dir.filePath("p.h5").toStdString(), texts, "full");
        llmap::CancelToken never;
        CancelAfter sink(never, 1 << 30);
        const auto r = llmap::scoreModel(project, fixtures::modelDir("gpt2_small"),
                                         cpuOptions("full"), &sink, &never);
        QCOMPARE(sink.last.model, std::string("gpt2_small"));
        QCOMPARE(sink.last.textsDone, texts.size());
        QCOMPARE(sink.last.textsTotal, texts.size());
        int64_t tokens = 0;
        const auto gpt2 = score_fixtures::oracleModel("gpt2_small");
        for (const auto& t : gpt2["texts"]) tokens += int64_t(t["ids_plain"].size());
        QCOMPARE(sink.last.tokensDone, tokens);
        QCOMPARE(r.tokensScored, tokens);
        QVERIFY(sink.last.tokensPerSecond > 0);
        const auto prov = nlohmann::json::parse(project.provenance().back());
        QCOMPARE(prov["device"].get<std::string>(), std::string("cpu"));
        QCOMPARE(prov["dtype"].get<std::string>(), std::string("float32"));
        QVERIFY(prov.contains("libtorch_version") && prov.contains("llmap_version"));
        QVERIFY(prov["tokens_per_second"].get<double>() > 0);
    }

    // Nothing to score gives log 1 = 0 over 0 tokens, under both conventions.
    void emptyTexts() {
        llmap::TextSet texts{{"a", "b", "c"}, {"", "Hello world", ""}, {"", "", ""}, {}};
        QTemporaryDir dir;
        for (const std::string convention : {"full", "paper"}) {
            for (const char* model : {"llama_mha_untied", "gpt2_small"}) {
                const Scored s = scoreFresh(dir, convention + model + ".h5", texts, model,
                                            cpuOptions(convention));
                QCOMPARE(s.loglik[0], 0.0);
                QCOMPARE(s.tokens[0], 0);
                QCOMPARE(s.loglik[2], 0.0);
                QVERIFY(s.loglik[1] < 0);
                QVERIFY(s.tokens[1] > 0);
            }
        }
    }

    void textLongerThanContext() {
        const auto ref = nlohmann::json::parse(
            fixtures::readBytes(std::string(LLMAP_TEST_DATA) + "/score/long_texts.json"));
        llmap::TextSet texts;
        texts.texts.push_back("short");
        for (const auto& t : ref["texts"]) texts.texts.push_back(t["text"]);
        for (size_t i = 0; i < texts.size(); ++i) {
            texts.ids.push_back(std::to_string(i));
            texts.sources.push_back("");
        }
        QTemporaryDir dir;
        for (const std::string convention : {"full", "paper"}) {
            const Scored s =
                scoreFresh(dir, convention + ".h5", texts, "gpt2_small", cpuOptions(convention));
            QCOMPARE(s.result.truncatedTexts, (std::vector<size_t>{1, 2}));
            QCOMPARE(s.truncated, (std::vector<int8_t>{0, 1, 1}));
            for (size_t i = 1; i < texts.size(); ++i) {
                const auto& t = ref["texts"][i - 1];
                QCOMPARE(s.tokens[i], ref["context"].get<int32_t>() - 1);
                QVERIFY2(closeToOracle(s.loglik[i], t["ll_" + convention].get<double>()),
                         qPrintable(QString::number(s.loglik[i], 'g', 10)));
            }
        }
    }

    void refusesUnknownDevice() {
        auto o = cpuOptions("full");
        o.device = "tpu";
        expectInputError([&] { llmap::validateScoreOptions(o); }, "tpu");
        o.device = "cpu";
        o.dtype = "fp8";
        expectInputError([&] { llmap::validateScoreOptions(o); }, "fp8");
        o.dtype = "fp32";
        o.convention = "half";
        expectInputError([&] { llmap::validateScoreOptions(o); }, "half");
        o.convention = "full";
        o.maxPadding = 1.5;
        expectInputError([&] { llmap::validateScoreOptions(o); }, "between 0 and 1");
        o.maxPadding = std::nan("");
        expectInputError([&] { llmap::validateScoreOptions(o); }, "between 0 and 1");
    }

    void cudaOnlyWithCuda() {
        auto o = cpuOptions("full");
        o.device = "cuda:0";
        if (!at::hasCUDA()) {
            expectInputError([&] { llmap::validateScoreOptions(o); }, "or use --device cpu");
            return;
        }
        QTemporaryDir dir;
        const Scored s = scoreFresh(dir, "gpu.h5", oracleTexts(), "gpt2_small", o);
        const auto m = score_fixtures::oracleModel("gpt2_small");
        for (size_t i = 0; i < s.loglik.size(); ++i)
            QVERIFY(closeToOracle(s.loglik[i], m["texts"][i]["ll_full"].get<double>()));
    }

    void refusesOtherConvention() {
        QTemporaryDir dir;
        auto project =
            llmap::Project::create(dir.filePath("p.h5").toStdString(), oracleTexts(), "paper");
        expectInputError(
            [&] {
                llmap::scoreModel(project, fixtures::modelDir("gpt2_small"), cpuOptions("full"));
            },
            "\"paper\" scores; \"full\" was asked for");
        QCOMPARE(project.modelCount(), size_t(0));
    }

    void refusesBrokenFolder() {
        QTemporaryDir dir;
        const std::filesystem::path broken = dir.filePath("broken").toStdString();
        fixtures::copyModel("gpt2_small", broken);
        std::filesystem::remove(broken / "config.json");
        auto project =
            llmap::Project::create(dir.filePath("p.h5").toStdString(), oracleTexts(), "full");
        expectInputError([&] { llmap::scoreModel(project, broken.string(), cpuOptions("full")); },
                         "config.json");
        QCOMPARE(project.modelCount(), size_t(0));
        // A folder whose config asks for a layer the weights lack fails when the weights load,
        // before any row is added.
        const std::filesystem::path deeper = dir.filePath("deeper").toStdString();
        fixtures::copyModel("gpt2_small", deeper);
        auto config = nlohmann::json::parse(fixtures::readBytes(deeper / "config.json"));
        config["n_layer"] = 3;
        fixtures::writeBytes(deeper / "config.json", config.dump());
        expectInputError([&] { llmap::scoreModel(project, deeper.string(), cpuOptions("full")); },
                         "h.2");
        QCOMPARE(project.modelCount(), size_t(0));
    }

    void severalDevicesFromOneQueue() {
        // Two workers (the CPU twice, standing in for two GPUs) take the fixture models from one
        // queue; every row lands in the project with transformers' values and the shards are gone.
        const auto o = oracle();
        const auto texts = oracleTexts();
        QTemporaryDir dir;
        const std::string path = dir.filePath("pool.h5").toStdString();
        auto project = llmap::Project::create(path, texts, "full");
        std::vector<llmap::PoolJob> jobs;
        for (const auto& m : o["models"]) jobs.push_back({fixtures::modelDir(m["name"]), ""});
        QVERIFY(jobs.size() >= 3);
        class Recorder : public llmap::PoolListener {
        public:
            llmap::ProgressSink* sinkFor(size_t) override { return nullptr; }
            void onStarted(size_t, const std::string& device) override {
                started.push_back(device);
            }
            void onFinished(size_t job, const llmap::PoolOutcome&) override {
                finished.push_back(job);
            }
            std::vector<std::string> started;
            std::vector<size_t> finished;
        } recorder;
        llmap::CancelToken cancel;
        const std::string work = path + ".scoring";
        const auto outcomes = llmap::scoreOnDevices(&project, texts, jobs, {"cpu", "cpu"},
                                                    cpuOptions("full"), work, &recorder, cancel);
        QCOMPARE(outcomes.size(), jobs.size());
        QCOMPARE(recorder.started.size(), jobs.size());
        QCOMPARE(recorder.finished.size(), jobs.size());
        QCOMPARE(project.modelCount(), jobs.size());
        for (size_t m = 0; m < jobs.size(); ++m) {
            QVERIFY2(!outcomes[m].failed, outcomes[m].error.c_str());
            const auto entry = o["models"][m];
            const auto row = project.findModel(entry["name"].get<std::string>());
            QVERIFY(row.has_value());
            QCOMPARE(*row, outcomes[m].result.row);
            const auto loglik = project.scoreRow(*row);
            for (size_t i = 0; i < texts.size(); ++i)
                QVERIFY(closeToOracle(loglik[i], entry["texts"][i]["ll_full"].get<double>()));
        }
        QVERIFY(std::filesystem::is_empty(work));
        // A second run finds every row complete and scores nothing.
        const auto again = llmap::scoreOnDevices(&project, texts, jobs, {"cpu", "cpu"},
                                                 cpuOptions("full"), work, nullptr, cancel);
        for (const auto& outcome : again) {
            QCOMPARE(outcome.result.textsScored, size_t(0));
            QCOMPARE(outcome.result.textsSkipped, texts.size());
        }
        // A model that fails is reported; the others are scored.
        QTemporaryDir other;
        auto second = llmap::Project::create(other.filePath("p.h5").toStdString(), texts, "full");
        const std::vector<llmap::PoolJob> mixed = {{dir.filePath("missing").toStdString(), ""},
                                                   jobs[0]};
        const auto some =
            llmap::scoreOnDevices(&second, texts, mixed, {"cpu", "cpu"}, cpuOptions("full"),
                                  other.filePath("w").toStdString(), nullptr, cancel);
        QVERIFY(some[0].failed && some[0].inputError);
        QVERIFY(!some[1].failed);
        QCOMPARE(second.modelCount(), size_t(1));
        // Per-token values cannot travel in shards.
        auto perToken = cpuOptions("full");
        perToken.tokenLogProbs = true;
        expectInputError(
            [&] {
                llmap::scoreOnDevices(&second, texts, jobs, {"cpu", "cpu"}, perToken, work, nullptr,
                                      cancel);
            },
            "per-token");
    }

    void modelIds() {
        QCOMPARE(llmap::defaultModelId("/x/models--org--name/snapshots/abc123"),
                 std::string("org/name"));
        QCOMPARE(llmap::defaultModelId("/x/y/gpt2_small/"), std::string("gpt2_small"));
    }
};

QTEST_GUILESS_MAIN(ScoreTest)
#include "tst_score.moc"

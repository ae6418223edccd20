// Every engine fixture against Hugging Face transformers, driven by the oracle files: each
// tests/data/model/oracle*.json with a "models" array (written by tests/oracle/model/generate*.py)
// adds its models here, with no code per family. Per model: the family the engine recognises, the
// log-likelihoods under both conventions and the per-token values in fp32, bf16 against
// transformers' bf16 and fp32, and batch invariance (each text alone against the whole batch
// right-padded with ids outside the vocabulary). What is specific to a family (refusals, older
// config forms) stays in tst_model_engine, tst_families_a, tst_families_b and their peers.
#include <QtTest>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine_checks.h"
#include "fixture_files.h"
#include "model/causal_lm.h"

namespace fs = std::filesystem;

namespace {

using engine_checks::batch;
using engine_checks::idsOf;
using engine_checks::sums;

// The oracle files, sorted by name so the rows keep their order.
std::vector<fs::path> oracleFiles() {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(fixtures::modelDir(""))) {
        const std::string name = entry.path().filename().string();
        if (name.rfind("oracle", 0) == 0 && entry.path().extension() == ".json") {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

nlohmann::json readJson(const fs::path& file) {
    return nlohmann::json::parse(fixtures::readBytes(file));
}

// One data row per model of every oracle file: the file and the model's index in it.
void addModelRows() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("index");
    int rows = 0;
    for (const auto& file : oracleFiles()) {
        const auto o = readJson(file);
        if (!o.contains("models")) continue;
        for (size_t i = 0; i < o["models"].size(); ++i) {
            const std::string name = o["models"][i]["name"];
            QTest::newRow(name.c_str())
                << QString::fromStdString(file.string()) << static_cast<int>(i);
            ++rows;
        }
    }
    QVERIFY2(rows >= 50, "the oracle files were not found");
}

nlohmann::json fetchModel() {
    QFETCH(QString, file);
    QFETCH(int, index);
    return readJson(file.toStdString())["models"][static_cast<size_t>(index)];
}

}  // namespace

class FamiliesTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void fp32_data() { addModelRows(); }

    void fp32() {
        const auto model = fetchModel();
        const auto lm = llmap::CausalLM::load(fixtures::modelDir(model["name"]));
        QCOMPARE(lm->spec().family, model["model_type"].get<std::string>());
        engine_checks::compareWithOracle(*lm, model);
    }

    void bfloat16_data() { addModelRows(); }

    void bfloat16() {
        // Measured, not a precision claim: bf16 has 8 significant bits. The bound guards against
        // a broken bf16 path (tens of nats off); the worst differences are printed.
        const auto model = fetchModel();
        llmap::LoadOptions options;
        options.dtype = "bfloat16";
        const auto lm = llmap::CausalLM::load(fixtures::modelDir(model["name"]), options);
        QCOMPARE(lm->dtype(), at::kBFloat16);
        const auto full = sums(*lm, idsOf(model, "ids_full"));
        double vsBf16 = 0, vsFp32 = 0;
        for (size_t i = 0; i < full.size(); ++i) {
            const double ref16 = model["texts"][i]["ll_full_bf16"];
            const double ref32 = model["texts"][i]["ll_full"];
            vsBf16 = std::max(vsBf16, std::abs(full[i] - ref16) / std::abs(ref16));
            vsFp32 = std::max(vsFp32, std::abs(full[i] - ref32) / std::abs(ref32));
        }
        qInfo("bf16: max relative difference %.3g vs transformers bf16, %.3g vs fp32", vsBf16,
              vsFp32);
        QVERIFY(vsBf16 < 0.02);
        QVERIFY(vsFp32 < 0.02);
    }

    void batchInvariance_data() { addModelRows(); }

    void batchInvariance() {
        // The scoring engine's promise: 1e-5 relative in fp32 (padding changes the shapes of the
        // matrix products, hence their rounding). Padding ids outside the vocabulary never reach
        // the embedding.
        const auto model = fetchModel();
        const auto lm = llmap::CausalLM::load(fixtures::modelDir(model["name"]));
        const auto seqs = idsOf(model, "ids_full");
        auto [ids, mask] = batch(seqs);
        ids.masked_fill_(mask.logical_not(), 1 << 30);
        const at::Tensor together = lm->nextTokenLogProbs(ids, mask).to(at::kDouble).sum(1);
        double worst = 0;
        for (size_t i = 0; i < seqs.size(); ++i) {
            const double alone = sums(*lm, {seqs[i]})[0];
            const double d = std::abs(alone - together[static_cast<int64_t>(i)].item<double>());
            worst = std::max(worst, d / std::max(std::abs(alone), 1.0));
        }
        qInfo("max |batched - alone| %.3g relative", worst);
        QVERIFY(worst < 1e-5);
    }
};

QTEST_GUILESS_MAIN(FamiliesTest)
#include "tst_families.moc"

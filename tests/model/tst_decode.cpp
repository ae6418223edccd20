// Incremental decoding (CausalLM::decodeStep, the key/value cache) against the full forward pass:
// for every fixture model folder and GGUF file, the logits after a prompt of three tokens and
// then after each further token equal forward()'s at that position (fp32, 1e-5; the gated
// DeltaNet, whose chunked and step-by-step forms round differently, within twice transformers' own
// gap). Covers sliding windows, ALiBi, latent attention, soft-capping, learned positions and the
// models that recompute the prefix instead (LongRoPE).
#include <QtTest>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <vector>

#include "fixture_files.h"
#include "lcg_ids.h"
#include "model/causal_lm.h"

namespace fs = std::filesystem;

namespace {

// Every fixture model: the folders under tests/data/model (and its families_* folders) and the
// model GGUF files under tests/data/gguf (not the dequant*.gguf cases).
std::vector<std::string> fixtureModels() {
    std::vector<std::string> out;
    const fs::path root = fs::path(LLMAP_TEST_DATA) / "model";
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        if (entry.is_regular_file() && entry.path().filename() == "config.json")
            out.push_back(entry.path().parent_path().string());
    }
    for (const auto& entry : fs::directory_iterator(fs::path(LLMAP_TEST_DATA) / "gguf")) {
        const bool dequantCases = entry.path().stem().string().rfind("dequant", 0) == 0;
        if (entry.path().extension() == ".gguf" && !dequantCases)
            out.push_back(entry.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

// transformers' own largest |decode - forward| on these ids, where the fixture's generator (or,
// for a GGUF file, the GGUF generator) recorded it (models whose recurrence runs chunked over a
// text and step by step when decoding, so that the two round differently); 0 otherwise.
double transformersDecodeGap(const fs::path& model) {
    const fs::path gguf = fs::path(LLMAP_TEST_DATA) / "gguf";
    if (model.extension() == ".gguf") {
        // The GGUF generators' oracle_*.json records name their file.
        for (const auto& entry : fs::directory_iterator(gguf)) {
            const std::string name = entry.path().filename().string();
            if (name.rfind("oracle", 0) != 0 || entry.path().extension() != ".json") continue;
            const auto oracle = nlohmann::json::parse(fixtures::readBytes(entry.path()));
            for (const auto& record : oracle.value("models", nlohmann::json::array())) {
                if (record.is_object() && record.value("file", "") == model.filename().string())
                    return record.value("decode_gap_20", 0.0);
            }
        }
        return 0;
    }
    const fs::path models = fs::path(LLMAP_TEST_DATA) / "model";
    const std::string folder = model.parent_path().filename().string();
    if (!fs::exists(models / ("oracle_" + folder + ".json"))) return 0;
    const nlohmann::json oracle = fixtures::oracleOf(folder);
    const std::string name = fs::relative(model, models).string();
    for (const auto& record : oracle.value("models", nlohmann::json::array())) {
        if (record.is_object() && record.value("name", "") == name)
            return record.value("decode_gap_20", 0.0);
    }
    return 0;
}

}  // namespace

class DecodeTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void cacheEqualsForward_data() {
        QTest::addColumn<QString>("path");
        for (const auto& p : fixtureModels()) {
            const std::string name = fs::relative(p, LLMAP_TEST_DATA).string();
            QTest::newRow(name.c_str()) << QString::fromStdString(p);
        }
    }

    void cacheEqualsForward() {
        QFETCH(QString, path);
        const auto lm = llmap::CausalLM::load(path.toStdString());
        // 20 tokens: past every sliding window of the fixtures (5 to 9), within the 24 tokens of
        // the LongRoPE fixture's short factors and every learned-position table.
        const int64_t context = lm->spec().context;  // 0: no limit (ALiBi)
        const int64_t T = context > 0 ? std::min<int64_t>(20, context) : 20, prompt = 3;
        const at::Tensor ids = lcgIds(12345, 2, T, lm->spec().vocab);
        const at::Tensor full = lm->forward(ids, at::ones_like(ids)).to(at::kFloat);
        llmap::DecodeState state;
        double worst = 0, noise = 0;
        for (int64_t p = prompt; p <= T; ++p) {
            const int64_t from = p == prompt ? 0 : p - 1;
            const at::Tensor step = lm->decodeStep(state, ids.narrow(1, from, p - from));
            QCOMPARE(state.length, p);
            const at::Tensor expected = full.select(1, p - 1);
            QCOMPARE(step.sizes(), expected.sizes());
            worst = std::max(worst, (step - expected).abs().max().item<double>());
            // The rounding noise of fp32 itself: forward() of the prefix alone.
            const at::Tensor prefix = ids.narrow(1, 0, p);
            const at::Tensor alone = lm->forward(prefix, at::ones_like(prefix)).to(at::kFloat);
            noise = std::max(noise, (alone.select(1, p - 1) - expected).abs().max().item<double>());
        }
        const double scale = full.abs().max().item<double>();
        const double reference = transformersDecodeGap(path.toStdString());
        qInfo(
            "%s: max |decode - forward| %.3g, forward of the prefix alone %.3g (logits up to "
            "%.3g)%s, %s",
            qPrintable(path), worst, noise, scale,
            reference > 0
                ? qPrintable(QString(", transformers' own gap %1").arg(reference, 0, 'g', 3))
                : "",
            lm->decodesWithCache(T) ? "cache" : "cache, then recomputed prefix");
        // 1e-5 relative to the logits, or (Gemma's large residual streams) within a few times
        // the difference fp32 rounding makes between two forward passes of the same tokens, or
        // (the gated DeltaNet) within twice transformers' own gap between its two forms.
        QVERIFY2(worst <= std::max({1e-5 * std::max(1.0, scale), 4 * noise, 2 * reference}),
                 qPrintable(QString::number(worst)));
    }

    void longRopePastShortContext() {
        // Past 24 tokens the fixture's LongRoPE switches to its long factors for every position:
        // the cache is dropped and the prefix recomputed, equal to forward() of the prefix.
        const auto lm =
            llmap::CausalLM::load(fixtures::modelDir("families_b/phi3_longrope_window9_rot50"));
        QVERIFY(lm->decodesWithCache(24));
        QVERIFY(!lm->decodesWithCache(25));
        const at::Tensor ids = lcgIds(12345, 2, 30, lm->spec().vocab);
        llmap::DecodeState state;
        double worst = 0;
        for (int64_t p = 1; p <= 30; ++p) {
            const at::Tensor step = lm->decodeStep(state, ids.narrow(1, p - 1, 1));
            const at::Tensor prefix = ids.narrow(1, 0, p);
            const at::Tensor alone = lm->forward(prefix, at::ones_like(prefix)).to(at::kFloat);
            worst = std::max(worst, (step - alone.select(1, p - 1)).abs().max().item<double>());
        }
        QVERIFY2(worst <= 1e-5, qPrintable(QString::number(worst)));
    }

    void refusesMismatchedBatch() {
        const auto lm = llmap::CausalLM::load(fixtures::modelDir("llama_mha_untied"));
        llmap::DecodeState state;
        lm->decodeStep(state, lcgIds(12345, 2, 1, 10));
        fixtures::expectInputError([&] { lm->decodeStep(state, lcgIds(12345, 3, 1, 10)); },
                                   "batch");
    }
};

QTEST_GUILESS_MAIN(DecodeTest)
#include "tst_decode.moc"

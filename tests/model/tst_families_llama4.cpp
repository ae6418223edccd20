// What is particular to the Llama 4, Ministral-3 and ERNIE-4.5-MoE engines
// (tests/oracle/model/generate_families_llama4.py; tst_families checks every fixture against
// transformers): the settings each config asks for, each mechanism actually changing the scores
// (so that the fixtures test it), and the refusal of config values the engine does not run.
#include <QTemporaryDir>
#include <QtTest>
#include <functional>
#include <nlohmann/json.hpp>

#include "engine_checks.h"
#include "fixture_files.h"
#include "model/causal_lm.h"
#include "model/registry.h"
#include "util/error.h"

namespace fs = std::filesystem;

namespace {

using fixtures::editConfig;

nlohmann::json oracleLlama4() {
    return nlohmann::json::parse(
        fixtures::readBytes(fixtures::modelDir("oracle_families_llama4.json")));
}

const nlohmann::json& modelNamed(const nlohmann::json& oracle, const std::string& name) {
    for (const auto& m : oracle["models"]) {
        if (m["name"] == "families_llama4/" + name) return m;
    }
    throw std::runtime_error("no oracle model " + name);
}

nlohmann::json configOf(const std::string& name) {
    return nlohmann::json::parse(
        fixtures::readBytes(fixtures::modelDir("families_llama4/" + name + "/config.json")));
}

llmap::ArchSpec specOf(const std::string& name) {
    return llmap::archSpecFromConfig(configOf(name), name + "/config.json");
}

const std::string kChunked = "llama4_text_chunk5_qknorm_temp_top1_llama3";
const std::string kLayerTypes = "llama4_text_layer_types_chunk4";
const std::string kMinistral = "ministral3_yarn_beta_window6_gqa";
const std::string kErnie = "ernie4_5_moe_bias_shared2_top2_start1";

}  // namespace

class FamiliesLlama4Test : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void specsAsConfigured() {
        auto s = specOf(kChunked);
        QCOMPARE(s.family, std::string("llama4_text"));
        QCOMPARE(s.attentionChunk, int64_t(5));
        // no_rope_layer_interval 2: layers 1 and 3 without rotary, attending to everything.
        QCOMPARE(s.noRopeLayers, (std::vector<bool>{false, true, false, true}));
        QCOMPARE(s.chunkedLayers, (std::vector<bool>{true, false, true, false}));
        QVERIFY(s.qkNorm && s.qkNormRopeLayersOnly && s.qkNormAfterRotary);
        QCOMPARE(s.queryTemperatureFloor, int64_t(4));
        QCOMPARE(s.queryTemperatureBeta, 0.5);
        QVERIFY(s.queryTemperatureNoRopeOnly && s.moeScaleInput && s.moeExpertsInputMajor);
        QCOMPARE(s.intermediate, int64_t(40));  // intermediate_size_mlp, for the dense layers
        QCOMPARE(s.moeIntermediate, int64_t(16));
        QCOMPARE(s.rope.scaling, llmap::RopeScaling::Llama3);
        s = specOf("llama4_text_chunk7_noqknorm_notemp_top2_step2_bias_tied");
        QCOMPARE(s.denseMlpLayers, (std::vector<bool>{true, false, true, false}));
        QVERIFY(!s.qkNorm && s.queryTemperatureBeta == 0.0 && s.qkvBias && s.oBias);
        s = specOf("llama4_text_nochunk_moe_layers0_mqa_temp3");
        QCOMPARE(s.attentionChunk, int64_t(0));
        QCOMPARE(s.denseMlpLayers, (std::vector<bool>{false, true, true}));
        s = specOf(kLayerTypes);
        QCOMPARE(s.chunkedLayers, (std::vector<bool>{false, true, true}));
        s = specOf(kMinistral);
        QCOMPARE(s.family, std::string("ministral3"));
        QCOMPARE(s.queryTemperatureBeta, 0.3);
        QCOMPARE(s.queryTemperatureFloor, int64_t(8));
        QCOMPARE(s.queryTemperatureOffset, int64_t(0));
        QVERIFY(!s.queryTemperatureNoRopeOnly && !s.ropeShortFactor.empty());
        s = specOf(kErnie);
        QCOMPARE(s.family, std::string("ernie4_5_moe"));
        QCOMPARE(s.denseMlpLayers, (std::vector<bool>{true, false, false}));
        QCOMPARE(s.sharedIntermediate, int64_t(32));
        QVERIFY(s.moeSharedBias && s.mlpBias && s.lmHeadBias == "lm_head.bias");
        s = specOf("ernie4_5_moe_noshared_top1_interval2_end2_untied");
        QCOMPARE(s.denseMlpLayers, (std::vector<bool>{true, false, true, true}));
        QVERIFY(s.moeShared.empty());
    }

    void mechanismsMatter_data() {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("edit");  // JSON object merged into config.json
        const QString chunked = QString::fromStdString(kChunked);
        QTest::newRow("chunks") << chunked
                                << R"({"attention_chunk_size": null, "layer_types": null})";
        QTest::newRow("qk norm") << chunked << R"({"use_qk_norm": false})";
        QTest::newRow("temperature") << chunked << R"({"attn_temperature_tuning": false})";
        QTest::newRow("layer_types")
            << QString::fromStdString(kLayerTypes) << R"({"layer_types": null})";
        QTest::newRow("shared experts")
            << QString::fromStdString(kErnie) << R"({"moe_num_shared_experts": 0})";
    }

    void mechanismsMatter() {
        // With the mechanism switched off in config.json the scores move away from
        // transformers' (which had it on): the fixture tests the mechanism.
        QFETCH(QString, name);
        QFETCH(QString, edit);
        QTemporaryDir tmp;
        const fs::path d = fs::path(tmp.path().toStdString()) / name.toStdString();
        fixtures::copyModel("families_llama4/" + name.toStdString(), d);
        const nlohmann::json patch = nlohmann::json::parse(edit.toStdString());
        editConfig(d, [&](nlohmann::json& c) { c.merge_patch(patch); });
        const auto lm = llmap::CausalLM::load(d.string());
        const auto oracle = oracleLlama4();
        const auto& model = modelNamed(oracle, name.toStdString());
        const double worst = engine_checks::worstRelativeGap(*lm, model);
        qInfo("without it: %.3g relative", worst);
        QVERIFY2(worst > 1e-3, "switching it off changes nothing");
    }

    void badInput() {
        const auto refused = [](const std::string& name,
                                const std::function<void(nlohmann::json&)>& edit,
                                const std::string& needle) {
            nlohmann::json c = configOf(name);
            edit(c);
            fixtures::expectOneLine([&] { llmap::archSpecFromConfig(c, name + "/config.json"); },
                                    "config.json", needle);
        };
        refused(
            kChunked, [](nlohmann::json& c) { c["attention_chunk_size"] = 0; },
            "attention_chunk_size");
        refused(
            kChunked, [](nlohmann::json& c) { c["floor_scale"] = 0; }, "floor_scale");
        refused(
            kChunked,
            [](nlohmann::json& c) {
                c["moe_layers"] = {0, 9};
            },
            "moe_layers");
        refused(
            kChunked,
            [](nlohmann::json& c) {
                c["interleave_moe_layer_step"] = 0;
                c.erase("moe_layers");
            },
            "interleave_moe_layer_step");
        refused(
            kChunked,
            [](nlohmann::json& c) {
                c["no_rope_layers"] = {1, 2, 1, 1};
            },
            "no_rope_layers");
        refused(
            kLayerTypes,
            [](nlohmann::json& c) {
                c["layer_types"] = {"full_attention", "sliding_attention", "full_attention"};
            },
            "layer_types");
        refused(
            kLayerTypes, [](nlohmann::json& c) { c["attention_chunk_size"] = nullptr; },
            "attention_chunk_size");
        refused(
            kErnie, [](nlohmann::json& c) { c["moe_layer_interval"] = 0; }, "moe_layer_interval");
        refused(
            kErnie, [](nlohmann::json& c) { c["moe_k"] = 9; }, "moe_k");
        refused(
            kErnie, [](nlohmann::json& c) { c["moe_norm_min"] = 0.0; }, "moe_norm_min");
    }
};

QTEST_GUILESS_MAIN(FamiliesLlama4Test)
#include "tst_families_llama4.moc"

// What the SmolLM3, OLMo-3, EXAONE-4, Seed-OSS, ERNIE-4.5 and HunYuan (dense) configs mean beyond
// the fixtures of tests/oracle/model/generate_families_dense.py (whose scores tst_families checks):
// the defaults transformers derives when layer_types, no_rope_layers or head_dim are left out,
// NTK-alpha rotary, and the refusals of settings the engine does not run.
#include <QtTest>
#include <cmath>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fixture_files.h"
#include "model/registry.h"
#include "util/error.h"

namespace {

const std::string kWhere = "families_dense/config.json";

llmap::ArchSpec specOf(const nlohmann::json& c) {
    return llmap::archSpecFromConfig(c, kWhere);
}

// `c` must be refused with one InputError, on one line, naming config.json and `needle`.
void expectRefused(const nlohmann::json& c, const std::string& needle) {
    fixtures::expectOneLine([&] { specOf(c); }, "config.json", needle);
}

std::vector<bool> flags(std::initializer_list<int> v) {
    std::vector<bool> out;
    for (int x : v) out.push_back(x != 0);
    return out;
}

}  // namespace

class FamiliesDenseTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void smollm3NopeAndWindows() {
        auto c = fixtures::fixtureConfig("families_dense/smollm3_nope_every2_gqa_tied");
        // no_rope_layers: 1 rotates, 0 does not; without it every no_rope_layer_interval-th
        // layer has no rotary.
        QCOMPARE(specOf(c).noRopeLayers, flags({0, 1, 0, 1}));
        c.erase("no_rope_layers");
        c.erase("layer_types");
        c["no_rope_layer_interval"] = 3;
        QCOMPARE(specOf(c).noRopeLayers, flags({0, 0, 1, 0}));
        QCOMPARE(specOf(c).slidingWindow, std::vector<int64_t>(4, 0));
        QVERIFY(specOf(c).tiedEmbeddings);

        c = fixtures::fixtureConfig("families_dense/smollm3_nope_list_window5_bias_untied");
        QCOMPARE(specOf(c).noRopeLayers, flags({1, 0, 0, 1}));
        QCOMPARE(specOf(c).slidingWindow, (std::vector<int64_t>{5, 0, 0, 5}));
        // Without layer_types the layers without rotary slide, given use_sliding_window.
        c.erase("layer_types");
        QCOMPARE(specOf(c).slidingWindow, (std::vector<int64_t>{5, 0, 0, 5}));
        c["use_sliding_window"] = false;
        QCOMPARE(specOf(c).slidingWindow, std::vector<int64_t>(4, 0));
        c["no_rope_layers"] = {1, 0, 2, 1};
        expectRefused(c, "no_rope_layers entry 2 is 2, not 0 or 1");
        c["no_rope_layers"] = {1, 0, 1};
        expectRefused(c, "no_rope_layers must give a 0 or 1 for each of the 4 layers");
        c = fixtures::fixtureConfig("families_dense/smollm3_layer_types_window4_headdim12");
        c["sliding_window"] = nullptr;
        expectRefused(c, "sliding_window must be a positive number of tokens");
        c = fixtures::fixtureConfig("families_dense/smollm3_layer_types_window4_headdim12");
        c["layer_types"][1] = "chunked_attention";
        expectRefused(c, "layer_types entry 1 is \"chunked_attention\"");
    }

    void olmo3LayerTypesAndRotary() {
        auto c = fixtures::fixtureConfig("families_dense/olmo3_default_layers_window5_gqa");
        c.erase("layer_types");  // by default all but every fourth layer slide
        llmap::ArchSpec s = specOf(c);
        QCOMPARE(s.slidingWindow, (std::vector<int64_t>{5, 5, 5, 0}));
        QCOMPARE(s.localRopeLayers, flags({1, 1, 1, 0}));
        QVERIFY(s.noRopeLayers.empty());

        c = fixtures::fixtureConfig("families_dense/olmo3_yarn_full_bias_tied");
        s = specOf(c);
        QCOMPARE(s.rope.theta, 10000.0);
        QCOMPARE(s.localRope.theta, 500.0);
        QCOMPARE(s.ropeShortFactor.size(), size_t(4));  // YaRN's divisors on the full layers
        // The flat form of transformers 4.57: rope_scaling on the full layers, one rope_theta.
        c.erase("rope_parameters");
        c["rope_theta"] = 2000.0;
        c["rope_scaling"] = {{"rope_type", "linear"}, {"factor", 2.0}};
        s = specOf(c);
        QCOMPARE(s.rope.theta, 2000.0);
        QCOMPARE(s.rope.factor, 2.0);
        QCOMPARE(s.localRope.theta, 2000.0);
        QCOMPARE(s.localRope.factor, 1.0);
        c = fixtures::fixtureConfig("families_dense/olmo3_yarn_full_bias_tied");
        c["rope_parameters"]["sliding_attention"] = c["rope_parameters"]["full_attention"];
        expectRefused(c, "YaRN on the sliding-attention layers is not supported");
    }

    void exaone4NopeOnGlobalLayers() {
        auto c = fixtures::fixtureConfig("families_dense/exaone4_window5_pattern2_nope_gqa");
        llmap::ArchSpec s = specOf(c);
        QCOMPARE(s.slidingWindow, (std::vector<int64_t>{5, 0, 5, 0}));
        QCOMPARE(s.noRopeLayers, flags({0, 1, 0, 1}));
        c.erase("layer_types");  // from sliding_window_pattern
        c["sliding_window_pattern"] = 3;
        s = specOf(c);
        QCOMPARE(s.slidingWindow, (std::vector<int64_t>{5, 5, 0, 5}));
        QCOMPARE(s.noRopeLayers, flags({0, 0, 1, 0}));
        c["sliding_window_pattern"] = "LLLG";
        expectRefused(c, "sliding_window_pattern \"LLLG\" without layer_types");
        // Without a sliding window every layer is global and rotates.
        s = specOf(fixtures::fixtureConfig("families_dense/exaone4_nowindow_llama3_tied"));
        QCOMPARE(s.slidingWindow, std::vector<int64_t>(3, 0));
        QVERIFY(s.noRopeLayers.empty());
        c = fixtures::fixtureConfig("families_dense/exaone4_layer_types_window3_mha");
        c["sliding_window"] = nullptr;
        expectRefused(c, "sliding_window must be a positive number of tokens");
    }

    void seedOssAndErnieDefaults() {
        auto c = fixtures::fixtureConfig("families_dense/seed_oss_qkv_bias_gqa");
        c.erase("head_dim");  // SeedOssConfig's default, not hidden_size / heads
        c.erase("attention_bias");
        llmap::ArchSpec s = specOf(c);
        QCOMPARE(s.headDim, int64_t(128));
        QVERIFY(s.qkvBias && !s.oBias);
        c["head_dim"] = nullptr;
        QCOMPARE(specOf(c).headDim, int64_t(8));

        c = fixtures::fixtureConfig("families_dense/ernie4_5_tied_gqa");
        c.erase("rope_parameters");
        c.erase("tie_word_embeddings");
        s = specOf(c);
        QCOMPARE(s.rope.theta, 500000.0);
        QVERIFY(s.tiedEmbeddings && s.rotaryInterleaved);
    }

    void hunyuanNtkAlpha() {
        auto c = fixtures::fixtureConfig("families_dense/hunyuan_v1_dense_ntk_alpha_bias_tied");
        llmap::ArchSpec s = specOf(c);
        QVERIFY(s.qkNorm && s.qkNormAfterRotary);
        QCOMPARE(s.rope.theta, 10000.0 * std::pow(50.0, 8.0 / 6.0));
        QVERIFY(s.rope.scaling == llmap::RopeScaling::None);
        c["rope_parameters"].erase("alpha");
        expectRefused(c, "rope type \"dynamic\" without an alpha");
        c["rope_parameters"]["alpha"] = -2.0;
        expectRefused(c, "absurd config: NTK alpha");
    }
};

QTEST_GUILESS_MAIN(FamiliesDenseTest)
#include "tst_families_dense.moc"

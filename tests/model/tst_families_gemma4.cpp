// What the Gemma-4 configs mean beyond the fixtures of
// tests/oracle/model/generate_families_gemma4.py (whose scores tst_families checks and whose
// decoding tst_decode checks): the Hub's form of the per-layer shapes (global_head_dim and
// num_global_key_value_heads instead of per_layer_config), the defaults transformers derives
// (layer pattern, last layer full, rotaries, global head dim 512), which layers share keys and
// values, and the refusals of settings the engine does not run.
#include <QTemporaryDir>
#include <QtTest>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine_checks.h"
#include "fixture_files.h"
#include "model/causal_lm.h"
#include "model/registry.h"
#include "util/error.h"

namespace fs = std::filesystem;

namespace {

const std::string kWhere = "families_gemma4/config.json";

nlohmann::json configOf(const std::string& name) {
    return nlohmann::json::parse(
        fixtures::readBytes(fixtures::modelDir("families_gemma4/" + name) + "/config.json"));
}

llmap::ArchSpec specOf(const nlohmann::json& c) {
    return llmap::archSpecFromConfig(c, kWhere);
}

nlohmann::json oracleGemma4() {
    return nlohmann::json::parse(
        fixtures::readBytes(fixtures::modelDir("oracle_families_gemma4.json")));
}

const nlohmann::json& modelNamed(const nlohmann::json& oracle, const std::string& name) {
    for (const auto& m : oracle["models"]) {
        if (m["name"] == "families_gemma4/" + name) return m;
    }
    throw std::runtime_error("no oracle model " + name);
}

// Every text's "full" log-likelihood of the model in `dir` equals transformers' for `model`.
void expectOracleScores(const fs::path& dir, const nlohmann::json& model) {
    const auto lm = llmap::CausalLM::load(dir.string());
    const auto full = engine_checks::sums(*lm, engine_checks::idsOf(model, "ids_full"));
    for (size_t i = 0; i < full.size(); ++i) {
        const double want = model["texts"][i]["ll_full"];
        QVERIFY2(engine_checks::close(full[i], want), qPrintable(QString("%1 text %2: %3 vs %4")
                                                                     .arg(dir.string().c_str())
                                                                     .arg(i)
                                                                     .arg(full[i])
                                                                     .arg(want)));
    }
}

// `c` must be refused with one InputError, on one line, naming config.json and `needle`.
void expectRefused(const nlohmann::json& c, const std::string& needle) {
    fixtures::expectOneLine([&] { specOf(c); }, "config.json", needle);
}

using Ints = std::vector<int64_t>;

}  // namespace

class FamiliesGemma4Test : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // The shapes, sharing and rotaries the fixtures' configs mean.
    void layerShapes() {
        auto s = specOf(configOf("gemma4_text_ple_kvshare_doublewide"));
        QCOMPARE(s.layerHeadDims, (Ints{8, 16, 8, 16}));
        QCOMPARE(s.kvSourceLayers, (Ints{0, 1, 0, 1}));
        QCOMPARE(s.layerIntermediates, (Ints{48, 48, 96, 96}));
        QCOMPARE(s.slidingWindow, (Ints{5, 0, 5, 0}));
        // Proportional rotary over a quarter of a 16-channel head: 2 of 8 pairs turn.
        QCOMPARE(s.rope.dim, int64_t(16));
        QCOMPARE(s.rope.unrotatedPairs, int64_t(6));
        QCOMPARE(s.localRope.dim, int64_t(8));
        QCOMPARE(s.localRope.unrotatedPairs, int64_t(0));
        QCOMPARE(s.perLayerInputDim, int64_t(8));

        s = specOf(configOf("gemma4_text_k_eq_v_moe_bias_untied"));
        QCOMPARE(s.layerKvHeads, (Ints{2, 1, 1}));
        QCOMPARE(s.valueFromKeyLayers, (std::vector<bool>{false, true, true}));
        QVERIFY(s.expertsBesideMlp && s.experts == 4 && s.expertsPerToken == 2);
        QCOMPARE(s.rope.scaling, llmap::RopeScaling::Linear);
        QCOMPARE(s.rope.unrotatedPairs, int64_t(3));

        // The wrapper reads its image, video and audio placeholders as the padding token.
        s = specOf(configOf("gemma4_wrapper_k_eq_v_untied"));
        QCOMPARE(s.placeholderIds, (Ints{318, 314, 315}));  // audio, image, video
        QCOMPARE(s.placeholderPad, int64_t(1));

        // The default pattern: every sixth layer full, and the last.
        s = specOf(configOf("gemma4_text_pattern6_gelu_mha_ple"));
        QCOMPARE(s.slidingWindow, (Ints{3, 3, 3, 3, 3, 0, 0}));

        // Without per_layer_config or global_head_dim the full layers have 512-channel heads.
        auto c = configOf("gemma4_text_last_sliding_kvshare1");
        c.erase("per_layer_config");
        QCOMPARE(specOf(c).layerHeadDims, (Ints{512, 16, 512}));
        // Without rope_parameters: base 1e4 on sliding layers, proportional 1e6 over a quarter.
        c.erase("rope_parameters");
        s = specOf(c);
        QCOMPARE(s.rope.theta, 1e6);
        QCOMPARE(s.rope.unrotatedPairs, int64_t(256 - 64));
        QCOMPARE(s.localRope.theta, 1e4);
    }

    // The Hub's configs give global_head_dim and num_global_key_value_heads, transformers 5
    // saves per_layer_config; a last sliding layer is made full.
    void hubForms() {
        QTemporaryDir tmp;
        const fs::path root = tmp.path().toStdString();
        const auto o = oracleGemma4();

        fs::path d = root / "global_head_dim";
        fixtures::copyModel("families_gemma4/gemma4_text_k_eq_v_moe_bias_untied", d);
        fixtures::editConfig(d, [](nlohmann::json& c) {
            c.erase("per_layer_config");
            c["global_head_dim"] = 12;
            c["num_global_key_value_heads"] = 1;
        });
        expectOracleScores(d, modelNamed(o, "gemma4_text_k_eq_v_moe_bias_untied"));

        d = root / "wrapper_global_head_dim";
        fixtures::copyModel("families_gemma4/gemma4_wrapper_ple_moe_tied", d);
        fixtures::editConfig(d, [](nlohmann::json& c) {
            c["text_config"].erase("per_layer_config");
            c["text_config"]["global_head_dim"] = 16;
        });
        expectOracleScores(d, modelNamed(o, "gemma4_wrapper_ple_moe_tied"));

        d = root / "last_sliding";
        fixtures::copyModel("families_gemma4/gemma4_text_last_sliding_kvshare1", d);
        fixtures::editConfig(d, [](nlohmann::json& c) {
            c["layer_types"] = {"full_attention", "sliding_attention", "sliding_attention"};
        });
        expectOracleScores(d, modelNamed(o, "gemma4_text_last_sliding_kvshare1"));
    }

    // As transformers' wrapper does, an image placeholder reads as the padding token (id 1): every
    // later position scores as if the text held 1 there. The caller's ids are left as given.
    void placeholdersReadAsPadding() {
        const auto lm = llmap::CausalLM::load(
            fixtures::modelDir("families_gemma4/gemma4_wrapper_k_eq_v_untied"));
        std::vector<int64_t> seq = engine_checks::idsOf(
            modelNamed(oracleGemma4(), "gemma4_wrapper_k_eq_v_untied"), "ids_full")[0];
        QVERIFY(seq.size() > 4);
        const int64_t pos = 2, T = static_cast<int64_t>(seq.size());
        seq[pos] = 314;  // the image placeholder
        auto [withPlaceholder, mask] = engine_checks::batch({seq});
        seq[pos] = 1;
        const at::Tensor withPad = engine_checks::batch({seq}).first;
        const at::Tensor given = withPlaceholder.clone();
        const at::Tensor a =
            lm->nextTokenLogProbs(withPlaceholder, mask).narrow(1, pos, T - 1 - pos);
        const at::Tensor b = lm->nextTokenLogProbs(withPad, mask).narrow(1, pos, T - 1 - pos);
        QVERIFY(at::equal(a, b));
        QVERIFY(at::equal(withPlaceholder, given));
    }

    void refusals() {
        auto c = configOf("gemma4_text_ple_kvshare_doublewide");
        c["use_bidirectional_attention"] = "all";
        expectRefused(c, "use_bidirectional_attention \"all\"");

        c = configOf("gemma4_text_ple_kvshare_doublewide");
        c["rope_parameters"]["full_attention"]["rope_type"] = "yarn";
        expectRefused(c, "rope_parameters.full_attention.rope_type \"yarn\" is not supported");
        c = configOf("gemma4_text_ple_kvshare_doublewide");
        c["rope_parameters"].erase("sliding_attention");
        expectRefused(c, "rope_parameters.sliding_attention is missing");

        c = configOf("gemma4_text_ple_kvshare_doublewide");
        c["per_layer_config"]["1"]["intermediate_size"] = 64;
        expectRefused(c, "per_layer_config.1.intermediate_size is not supported");
        c = configOf("gemma4_text_ple_kvshare_doublewide");
        c["per_layer_config"]["3"]["head_dim"] = 32;
        expectRefused(c, "full_attention layers differ in head_dim");

        c = configOf("gemma4_text_ple_kvshare_doublewide");
        c["num_kv_shared_layers"] = 4;
        expectRefused(c, "num_kv_shared_layers 4 must lie in [0, 4)");
        c["num_kv_shared_layers"] = 3;  // layer 0 alone produces keys and values: no full one
        expectRefused(c, "layer 1 has no earlier layer of its kind");

        c = configOf("gemma4_text_ple_kvshare_doublewide");
        c["vocab_size_per_layer_input"] = 100;
        expectRefused(c, "vocab_size_per_layer_input 100 is smaller than vocab_size 320");

        c = configOf("gemma4_text_k_eq_v_moe_bias_untied");
        c.erase("num_experts");
        expectRefused(c, "enable_moe_block needs positive num_experts");

        c = configOf("gemma4_wrapper_k_eq_v_untied");
        c["text_config"]["pad_token_id"] = nullptr;
        expectRefused(c, "text_config.pad_token_id must be a token id");
        c.erase("text_config");
        expectRefused(c, "(model_type gemma4) has no text_config object");
    }
};

QTEST_GUILESS_MAIN(FamiliesGemma4Test)
#include "tst_families_gemma4.moc"

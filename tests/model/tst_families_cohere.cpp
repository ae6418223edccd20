// What is specific to the Granite, GraniteMoE, Cohere, Cohere-2, GLM-4 and Apertus engines beyond
// the oracle comparison every fixture gets (tests/oracle/model/generate_families_cohere.py): config
// forms the fixtures do not use (Cohere-2's sliding_window_pattern, GLM-4's and Apertus's defaults)
// and the config values the engine refuses.
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
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
using fixtures::expectOneLine;

}  // namespace

class FamiliesCohereTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void supported() {
        const auto types = llmap::supportedModelTypes();
        for (const char* t : {"apertus", "cohere", "cohere2", "glm4", "granite", "granitemoe"})
            QVERIFY2(std::count(types.begin(), types.end(), t) == 1, t);
    }

    void cohere2SlidingWindowPattern() {
        // Without layer_types every sliding_window_pattern-th layer attends fully and without
        // rotary: the fixture's layer_types written as a pattern scores the same.
        QTemporaryDir tmp;
        const fs::path d = fs::path(tmp.path().toStdString()) / "m";
        fixtures::copyModel("families_cohere/cohere2_pattern_window5", d);
        editConfig(d, [](auto& c) {
            c.erase("layer_types");
            c["sliding_window_pattern"] = 2;
        });
        const auto lm = llmap::CausalLM::load(d.string());
        const auto& s = lm->spec();
        QCOMPARE(s.slidingWindow, (std::vector<int64_t>{5, 0, 5, 0}));
        QCOMPARE(s.noRopeLayers, (std::vector<bool>{false, true, false, true}));
        const auto o = fixtures::oracleOf("families_cohere");
        const auto& model = fixtures::oracleModel(o, "families_cohere/cohere2_pattern_window5");
        const auto full = engine_checks::sums(*lm, engine_checks::idsOf(model, "ids_full"));
        for (size_t i = 0; i < full.size(); ++i)
            QVERIFY(engine_checks::close(full[i], model["texts"][i]["ll_full"]));
        // transformers' default pattern (4) and window (4096).
        auto c = fixtures::fixtureConfig("families_cohere/cohere2_pattern_window5");
        c.erase("layer_types");
        c.erase("sliding_window");
        const auto spec = llmap::archSpecFromConfig(c, "config.json");
        QCOMPARE(spec.slidingWindow, (std::vector<int64_t>{4096, 4096, 4096, 0}));
        QCOMPARE(spec.noRopeLayers, (std::vector<bool>{false, false, false, true}));
    }

    void configDefaults() {
        // Glm4Config: 2 key/value heads, head_dim 128, half the head rotated, q/k/v biases.
        auto glm = fixtures::fixtureConfig("families_cohere/glm4_gqa_rot50");
        for (const char* key : {"num_key_value_heads", "head_dim", "rope_parameters",
                                "attention_bias", "rms_norm_eps"})
            glm.erase(key);
        auto s = llmap::archSpecFromConfig(glm, "config.json");
        QCOMPARE(s.kvHeads, int64_t(2));
        QCOMPARE(s.headDim, int64_t(128));
        QCOMPARE(s.rope.dim, int64_t(64));
        QVERIFY(s.qkvBias && !s.oBias && s.rotaryInterleaved && s.sandwichNorms);
        QCOMPARE(s.normEps, 1.5625e-7);
        // ApertusConfig: llama3 rotary (theta 1.2e7, factor 8 over 8192 positions) and xIELU.
        auto apertus = fixtures::fixtureConfig("families_cohere/apertus_gqa_default_llama3");
        apertus.erase("rope_parameters");
        apertus.erase("hidden_act");
        s = llmap::archSpecFromConfig(apertus, "config.json");
        QVERIFY(s.rope.scaling == llmap::RopeScaling::Llama3);
        QCOMPARE(s.rope.theta, 12000000.0);
        QCOMPARE(s.rope.factor, 8.0);
        QCOMPARE(s.rope.originalContext, int64_t(8192));
        QVERIFY(s.activation == llmap::Activation::XIELU && !s.gatedMlp);
        // Granite's rotary spans the head whatever partial_rotary_factor says (as transformers').
        auto granite = fixtures::fixtureConfig("families_cohere/granite_gqa_multipliers");
        granite["rope_parameters"]["partial_rotary_factor"] = 0.5;
        s = llmap::archSpecFromConfig(granite, "config.json");
        QCOMPARE(s.rope.dim, s.headDim);
        // Cohere ties its embeddings unless told otherwise and scales logits by 1/16.
        auto cohere = fixtures::fixtureConfig("families_cohere/cohere_mha_untied_bias");
        cohere.erase("tie_word_embeddings");
        cohere.erase("logit_scale");
        s = llmap::archSpecFromConfig(cohere, "config.json");
        QVERIFY(s.tiedEmbeddings);
        QCOMPARE(s.logitScale, 0.0625);
    }

    void badInput() {
        QTemporaryDir tmp;
        int n = 0;
        const auto fresh = [&](const std::string& from) {
            const fs::path dir = fs::path(tmp.path().toStdString()) / std::to_string(n++);
            fixtures::copyModel("families_cohere/" + from, dir);
            return dir;
        };
        const auto load = [](const fs::path& d) {
            return [d] { llmap::CausalLM::load(d.string()); };
        };
        fs::path d = fresh("granite_gqa_multipliers");
        editConfig(d, [](auto& c) { c["attention_multiplier"] = 0; });
        expectOneLine(load(d), "config.json", "attention_multiplier must be positive");
        d = fresh("granite_mha_tied_bias");
        editConfig(d, [](auto& c) { c["logits_scaling"] = -2.0; });
        expectOneLine(load(d), "config.json", "logits_scaling must be positive");
        d = fresh("apertus_mha_bias_tied_llama3_short");
        editConfig(d, [](auto& c) { c["rope_parameters"]["partial_rotary_factor"] = 0.5; });
        expectOneLine(load(d), "config.json", "partial_rotary_factor with rope scaling");
        d = fresh("cohere_gqa_qknorm_tied");
        editConfig(d, [](auto& c) { c["logit_scale"] = nullptr; });
        expectOneLine(load(d), "config.json", "logit_scale must be a number");
        d = fresh("cohere_mha_untied_bias");
        editConfig(d, [](auto& c) { c["rope_parameters"]["rope_type"] = "dynamic"; });
        expectOneLine(load(d), "config.json", "rope type \"dynamic\" is not supported");
        d = fresh("cohere2_pattern_window5");
        editConfig(d, [](auto& c) { c["sliding_window"] = nullptr; });
        expectOneLine(load(d), "config.json", "the sliding layers need a positive sliding_window");
        d = fresh("cohere2_layer_types_bias_untied");
        editConfig(d, [](auto& c) { c["layer_types"][1] = "chunked_attention"; });
        expectOneLine(load(d), "config.json", "layer type \"chunked_attention\" is not supported");
        d = fresh("cohere2_layer_types_bias_untied");
        editConfig(d, [](auto& c) {
            c.erase("layer_types");
            c["sliding_window_pattern"] = 0;
        });
        expectOneLine(load(d), "config.json", "sliding_window_pattern must be positive");
        d = fresh("granitemoe_3experts_top1_bias_tied");
        editConfig(d, [](auto& c) { c["num_experts_per_tok"] = 4; });
        expectOneLine(load(d), "config.json", "4 of 3 experts per token");
        d = fresh("apertus_gqa_default_llama3");
        editConfig(d, [](auto& c) { c["hidden_act"] = "xielu2"; });
        expectOneLine(load(d), "config.json", "activation \"xielu2\" is not supported");
    }
};

QTEST_GUILESS_MAIN(FamiliesCohereTest)
#include "tst_families_cohere.moc"

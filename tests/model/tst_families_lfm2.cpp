// What is particular to the LFM2 and LFM2-MoE engines
// (tests/oracle/model/generate_families_lfm2.py; tst_families checks every fixture against
// transformers, tst_decode the convolution window carried between decoding steps): the layer kinds
// and MLP widths each config asks for, the router's expert bias actually steering the choice of
// experts, left padding kept out of the convolution, LFM2's older config spellings, and the refusal
// of config values the engine does not run.
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
using llmap::Mixer;

nlohmann::json oracleLfm2() {
    return fixtures::oracleOf("families_lfm2");
}

const nlohmann::json& modelNamed(const nlohmann::json& oracle, const std::string& name) {
    return fixtures::oracleModel(oracle, "families_lfm2/" + name);
}

nlohmann::json configOf(const std::string& name) {
    return fixtures::fixtureConfig("families_lfm2/" + name);
}

llmap::ArchSpec specOf(const nlohmann::json& c) {
    return llmap::archSpecFromConfig(c, "config.json");
}

const std::string kAttnIdx = "lfm2_attnidx1_gqa_autoff_tied";
const std::string kConvBias = "lfm2_convbias_L4_mha_fixedff_untied";
const std::string kAttnFirst = "lfm2_attnfirst_headdim12_mult1p5_L2_theta1e4";
const std::string kMoeDense1 = "lfm2_moe_dense1_8experts_top2_bias_norm_scale2";
const std::string kMoeNoBias = "lfm2_moe_nodense_6experts_top3_nobias_raw_convbias";

}  // namespace

class FamiliesLfm2Test : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void specsAsConfigured() {
        using Scoring = llmap::ArchSpec::RouterScoring;
        auto s = specOf(configOf(kAttnIdx));
        QCOMPARE(s.family, std::string("lfm2"));
        QVERIFY((s.layerMixers ==
                 std::vector<Mixer>{Mixer::ShortConv, Mixer::Attention, Mixer::ShortConv}));
        QCOMPARE(s.intermediate, int64_t(80));  // int(2 * 100 / 3) = 66, up to a multiple of 16
        QCOMPARE(s.shortConv.kernel, int64_t(3));
        QVERIFY(!s.shortConv.bias && s.tiedEmbeddings && s.qkNorm);
        QCOMPARE(s.rope.theta, 1e6);
        s = specOf(configOf(kConvBias));
        QCOMPARE(s.intermediate, int64_t(72));  // not adjusted
        QCOMPARE(s.shortConv.kernel, int64_t(4));
        QVERIFY(s.shortConv.bias && !s.tiedEmbeddings);
        s = specOf(configOf(kAttnFirst));
        QCOMPARE(s.intermediate, int64_t(64));  // int(1.5 * int(2 * 64 / 3)) = 63, up to 64
        QCOMPARE(s.headDim, int64_t(12));
        QVERIFY((s.layerMixers ==
                 std::vector<Mixer>{Mixer::Attention, Mixer::ShortConv, Mixer::Attention}));
        s = specOf(configOf(kMoeDense1));
        QCOMPARE(s.family, std::string("lfm2_moe"));
        QCOMPARE(s.intermediate, int64_t(64));  // the dense layers' width is not adjusted
        QCOMPARE(s.moeIntermediate, int64_t(16));
        QCOMPARE(s.denseLayers, int64_t(1));
        QCOMPARE(s.experts, int64_t(8));
        QCOMPARE(s.routerScoring, Scoring::Sigmoid);
        QCOMPARE(s.moeLayerCorrectionBias, std::string("feed_forward.expert_bias"));
        QCOMPARE(s.sigmoidNormEps, 1e-6);
        QCOMPARE(s.routedScale, 2.0);
        QVERIFY(s.normTopk && !s.routerInFp32);
        s = specOf(configOf(kMoeNoBias));
        QVERIFY(s.moeLayerCorrectionBias.empty() && !s.normTopk);
        QCOMPARE(s.denseLayers, int64_t(0));
    }

    void ffDimAsTransformers() {
        // Lfm2MLP's arithmetic on the released sizes (LFM2-350M, -700M, -1.2B) and without a
        // multiplier (no rounding to block_multiple_of then).
        auto c = configOf(kAttnIdx);
        c["block_multiple_of"] = 256;
        const std::vector<std::pair<int64_t, int64_t>> sizes = {
            {6656, 4608}, {10240, 6912}, {12288, 8192}};
        for (const auto& [given, want] : sizes) {
            c["intermediate_size"] = given;
            QCOMPARE(specOf(c).intermediate, want);
        }
        c["block_ffn_dim_multiplier"] = nullptr;
        c["intermediate_size"] = 100;
        QCOMPARE(specOf(c).intermediate, int64_t(66));
    }

    void expertBiasSteers() {
        // Without its expert biases the model chooses other experts: its scores move far from
        // transformers' (which had the biases), so the fixtures test the bias.
        QTemporaryDir tmp;
        const fs::path d = fs::path(tmp.path().toStdString()) / kMoeDense1;
        fixtures::copyModel("families_lfm2/" + kMoeDense1, d);
        QVERIFY(fixtures::zeroTensorsEndingWith(d / "model.safetensors", "expert_bias") > 0);
        const auto lm = llmap::CausalLM::load(d.string());
        const auto oracle = oracleLfm2();
        const auto& model = modelNamed(oracle, kMoeDense1);
        const double worst = engine_checks::worstRelativeGap(*lm, model);
        qInfo("without the expert biases: %.3g relative", worst);
        QVERIFY2(worst > 1e-2, "the expert biases change nothing");
    }

    void leftPaddingStaysOut_data() {
        QTest::addColumn<QString>("name");
        QTest::newRow("conv bias") << QString::fromStdString(kConvBias);
        QTest::newRow("moe conv bias") << QString::fromStdString(kMoeNoBias);
    }

    void leftPaddingStaysOut() {
        // Left-padded texts score as they do alone: the padded positions (whose in_proj output
        // is its bias) never enter the convolution of the real ones.
        QFETCH(QString, name);
        const auto lm =
            llmap::CausalLM::load(fixtures::modelDir("families_lfm2/" + name.toStdString()));
        const auto model = modelNamed(oracleLfm2(), name.toStdString());
        const auto seqs = engine_checks::idsOf(model, "ids_full");
        auto [right, rightMask] = engine_checks::batch(seqs);
        const int64_t B = right.size(0), T = right.size(1);
        at::Tensor ids = at::full({B, T}, 1 << 30, at::kLong), mask = at::zeros({B, T}, at::kLong);
        for (int64_t b = 0; b < B; ++b) {
            const int64_t n = static_cast<int64_t>(seqs[static_cast<size_t>(b)].size());
            ids[b].narrow(0, T - n, n).copy_(right[b].narrow(0, 0, n));
            mask[b].narrow(0, T - n, n).fill_(1);
        }
        // Only predictions made from real tokens count (the last padded position predicts the
        // first real token, which a text alone does not score).
        const at::Tensor together = (lm->nextTokenLogProbs(ids, mask).to(at::kDouble) *
                                     mask.narrow(1, 0, T - 1).to(at::kDouble))
                                        .sum(1);
        double worst = 0;
        for (int64_t b = 0; b < B; ++b) {
            const double alone = engine_checks::sums(*lm, {seqs[static_cast<size_t>(b)]})[0];
            worst = std::max(worst, std::abs(alone - together[b].item<double>()) /
                                        std::max(std::abs(alone), 1.0));
        }
        qInfo("max |left-padded - alone| %.3g relative", worst);
        QVERIFY(worst < 1e-5);
    }

    void olderConfigForms() {
        // LFM2's first config.json: full_attn_idxs without layer_types, block_ff_dim for
        // intermediate_size, tie_embedding for tie_word_embeddings, rope_theta at the top level.
        QTemporaryDir tmp;
        const fs::path d = fs::path(tmp.path().toStdString()) / kAttnIdx;
        fixtures::copyModel("families_lfm2/" + kAttnIdx, d);
        editConfig(d, [](nlohmann::json& c) {
            QCOMPARE(c["full_attn_idxs"], nlohmann::json::array({1}));
            c.erase("layer_types");
            c["block_ff_dim"] = c["intermediate_size"];
            c["intermediate_size"] = 7;
            c["tie_embedding"] = c["tie_word_embeddings"];
            c["tie_word_embeddings"] = false;
            c["rope_theta"] = c["rope_parameters"]["rope_theta"];
            c.erase("rope_parameters");
        });
        const auto lm = llmap::CausalLM::load(d.string());
        engine_checks::compareWithOracle(*lm, modelNamed(oracleLfm2(), kAttnIdx));
        // Neither layer_types nor full_attn_idxs: every layer attends.
        auto c = configOf(kAttnIdx);
        c.erase("layer_types");
        c.erase("full_attn_idxs");
        QVERIFY((specOf(c).layerMixers == std::vector<Mixer>(3, Mixer::Attention)));
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
            kConvBias, [](auto& c) { c["layer_types"][1] = "sliding_attention"; },
            "layer_types entry 1 is \"sliding_attention\"");
        refused(
            kConvBias, [](auto& c) { c["layer_types"].erase(0); }, "one entry for each of the 4");
        refused(
            kAttnIdx,
            [](auto& c) {
                c.erase("layer_types");
                c["full_attn_idxs"] = {1, 3};
            },
            "full_attn_idxs holds 3");
        refused(
            kAttnIdx, [](auto& c) { c["conv_L_cache"] = 0; }, "conv_L_cache 0");
        refused(
            kAttnIdx, [](auto& c) { c["block_multiple_of"] = 0; }, "block_multiple_of");
        refused(
            kAttnIdx, [](auto& c) { c["block_ffn_dim_multiplier"] = -1.0; },
            "block_ffn_dim_multiplier");
        refused(
            kAttnIdx,
            [](auto& c) {
                c["rope_parameters"] = {
                    {"rope_type", "linear"}, {"factor", 2.0}, {"partial_rotary_factor", 0.5}};
            },
            "partial_rotary_factor");
        refused(
            kMoeDense1, [](auto& c) { c.erase("layer_types"); }, "no layer_types");
        refused(
            kMoeDense1, [](auto& c) { c["num_dense_layers"] = -1; }, "num_dense_layers -1");
        refused(
            kMoeDense1, [](auto& c) { c["num_experts_per_tok"] = 9; }, "9 of 8 experts");
    }
};

QTEST_GUILESS_MAIN(FamiliesLfm2Test)
#include "tst_families_lfm2.moc"

// What is particular to the Qwen3-Next and Qwen3.5 engines
// (tests/oracle/model/generate_families_qwen3next.py; tst_families checks every fixture against
// transformers and tst_decode the first 20 tokens decoded one by one): each layer's mixer and the
// gated DeltaNet's sizes as the configs ask, texts longer than one chunk of the recurrence decoded
// token by token and in blocks, the config classes' defaults, and the refusal of config values the
// engine does not run.
#include <QtTest>
#include <functional>
#include <nlohmann/json.hpp>

#include "fixture_files.h"
#include "lcg_ids.h"
#include "model/causal_lm.h"
#include "model/registry.h"
#include "util/error.h"

namespace {

nlohmann::json configOf(const std::string& name) {
    return fixtures::fixtureConfig("families_qwen3next/" + name);
}

llmap::ArchSpec specOf(const nlohmann::json& c) {
    return llmap::archSpecFromConfig(c, "families_qwen3next/config.json");
}

}  // namespace

class FamiliesQwen3NextTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void layersAsConfigured() {
        using llmap::Mixer;
        auto s = specOf(configOf("qwen3_next_moe_gqa_rot25_interval4"));
        QCOMPARE(s.family, std::string("qwen3_next"));
        const std::vector<Mixer> interval4 = {Mixer::GatedDeltaNet, Mixer::GatedDeltaNet,
                                              Mixer::GatedDeltaNet, Mixer::Attention};
        QVERIFY(s.layerMixers == interval4);
        QCOMPARE(s.deltaNet.keyHeads, int64_t(2));
        QCOMPARE(s.deltaNet.valueHeads, int64_t(4));
        QCOMPARE(s.deltaNet.keyDim, int64_t(8));
        QCOMPARE(s.deltaNet.valueDim, int64_t(6));
        QCOMPARE(s.deltaNet.convKernel, int64_t(4));
        QVERIFY(s.deltaNet.perKeyHeadLayout && s.attnOutputGate && s.qkNorm);
        QVERIFY(s.rmsStyle == llmap::ArchSpec::RmsStyle::PlusOne);
        QCOMPARE(s.rope.dim, int64_t(2));
        QCOMPARE(s.experts, int64_t(4));
        QCOMPARE(s.sharedIntermediate, int64_t(24));
        QVERIFY(s.normTopk && !s.moeSharedGate.empty());

        s = specOf(configOf("qwen3_next_raw_step2_mlp_only_kv1"));
        QVERIFY(!s.normTopk);
        QVERIFY((s.denseMlpLayers == std::vector<bool>{true, false, true, true}));
        QCOMPARE(s.layerMixers.front(), Mixer::Attention);
        s = specOf(configOf("qwen3_next_dense_mha_rot50_tied"));
        QCOMPARE(s.experts, int64_t(0));
        QCOMPARE(s.rope.dim, int64_t(6));
        QVERIFY(s.tiedEmbeddings);

        s = specOf(configOf("qwen3_5_text_gqa_rot25_untied"));
        QCOMPARE(s.family, std::string("qwen3_5_text"));
        QVERIFY(!s.deltaNet.perKeyHeadLayout && s.attnOutputGate && s.experts == 0);
        s = specOf(configOf("qwen3_5_moe_text_gqa_rot50"));
        QVERIFY(s.normTopk && s.experts == 4 && s.denseMlpLayers.empty());
        s = specOf(configOf("qwen3_5_moe_wrapper_tied"));
        QCOMPARE(s.family, std::string("qwen3_5_moe"));
        QVERIFY(s.tiedEmbeddings && !s.deltaNet.perKeyHeadLayout);
    }

    void configDefaults() {
        // Without partial_rotary_factor a quarter of each head rotates; without layer_types every
        // fourth layer attends (full_attention_interval).
        auto c = configOf("qwen3_5_text_mha_whole_rotary_tied");
        c["rope_parameters"].erase("partial_rotary_factor");
        c.erase("layer_types");
        c["full_attention_interval"] = 2;
        auto s = specOf(c);
        QCOMPARE(s.rope.dim, int64_t(2));  // head_dim 8 / 4
        QVERIFY((s.layerMixers == std::vector<llmap::Mixer>{llmap::Mixer::GatedDeltaNet,
                                                            llmap::Mixer::Attention,
                                                            llmap::Mixer::GatedDeltaNet}));
        c.erase("full_attention_interval");
        c.erase("linear_conv_kernel_dim");
        s = specOf(c);
        QCOMPARE(s.layerMixers.back(), llmap::Mixer::GatedDeltaNet);
        QCOMPARE(s.deltaNet.convKernel, int64_t(4));
    }

    void longTextsDecoded_data() {
        QTest::addColumn<QString>("name");
        QTest::newRow("qwen3_next") << "qwen3_next_moe_gqa_rot25_interval4";
        QTest::newRow("qwen3_5_text") << "qwen3_5_text_mha_whole_rotary_tied";
    }

    void longTextsDecoded() {
        // 150 tokens: three chunks of the recurrence. A prompt of 10, a block of 70 (chunked from
        // a carried state), then one token at a time: each step's logits equal forward()'s.
        QFETCH(QString, name);
        const auto lm =
            llmap::CausalLM::load(fixtures::modelDir("families_qwen3next/" + name.toStdString()));
        const int64_t T = 150;
        const at::Tensor ids = lcgIds(987654321, 2, T, lm->spec().vocab);
        const at::Tensor full = lm->forward(ids, at::ones_like(ids)).to(at::kFloat);
        llmap::DecodeState state;
        double worst = 0;
        int64_t done = 0;
        for (const int64_t step : {int64_t(10), int64_t(70)}) {
            const at::Tensor logits = lm->decodeStep(state, ids.narrow(1, done, step));
            done += step;
            worst = std::max(worst, (logits - full.select(1, done - 1)).abs().max().item<double>());
        }
        for (; done < T; ++done) {
            const at::Tensor logits = lm->decodeStep(state, ids.narrow(1, done, 1));
            worst = std::max(worst, (logits - full.select(1, done)).abs().max().item<double>());
        }
        const double scale = full.abs().max().item<double>();
        qInfo("max |decode - forward| %.3g (logits up to %.3g)", worst, scale);
        // The chunked and the step-by-step forms of the recurrence round differently in fp32:
        // within twice the gap transformers' own decoding shows on these ids.
        const std::string fixture = "families_qwen3next/" + name.toStdString();
        const double reference = fixtures::oracleModel(fixtures::oracleOf("families_qwen3next"),
                                                       fixture)["decode_gap_150"];
        qInfo("transformers' own gap %.3g", reference);
        QVERIFY2(worst <= std::max(1e-5 * std::max(1.0, scale), 2 * reference),
                 qPrintable(QString::number(worst)));
    }

    void badInput() {
        const std::string name = "qwen3_next_moe_gqa_rot25_interval4";
        const std::pair<std::function<void(nlohmann::json&)>, std::string> cases[] = {
            {[](auto& c) { c["layer_types"][0] = "sliding_attention"; },
             "not \"linear_attention\" or \"full_attention\""},
            {[](auto& c) { c["layer_types"] = {"full_attention"}; }, "one entry for each"},
            {[](auto& c) {
                 c.erase("layer_types");
                 c["full_attention_interval"] = 0;
             },
             "full_attention_interval"},
            {[](auto& c) { c["linear_num_value_heads"] = 3; }, "linear_num_value_heads"},
            {[](auto& c) { c["linear_conv_kernel_dim"] = 0; }, "linear_conv_kernel_dim"},
            {[](auto& c) { c["rope_parameters"]["rope_type"] = "dynamic"; },
             "rope type \"dynamic\""},
        };
        for (const auto& [edit, needle] : cases) {
            auto c = configOf(name);
            edit(c);
            fixtures::expectOneLine([&] { specOf(c); }, "config.json", needle);
        }
    }
};

QTEST_APPLESS_MAIN(FamiliesQwen3NextTest)
#include "tst_families_qwen3next.moc"

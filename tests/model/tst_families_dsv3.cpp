// What is particular to the DeepSeek-V3 and GLM-4-MoE engines
// (tests/oracle/model/generate_families_dsv3.py; tst_families checks every fixture against
// transformers): the routers' settings each config asks for, the correction bias actually steering
// the choice of experts, Kimi K2's model_type found through its architectures, GLM-4-MoE's configs
// in transformers 4's form, and the refusal of config values the engine does not run.
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

const std::string kFolder = "families_dsv3/";

llmap::ArchSpec specOf(const std::string& name) {
    return llmap::archSpecFromConfig(fixtures::fixtureConfig(kFolder + name),
                                     name + "/config.json");
}

// `f` must throw one InputError whose one-line message names config.json and contains `needle`.
void expectRefusal(const std::function<void()>& f, const std::string& needle) {
    fixtures::expectOneLine(f, "config.json", needle);
}

}  // namespace

class FamiliesDsv3Test : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void routersAsConfigured() {
        using Scoring = llmap::ArchSpec::RouterScoring;
        auto s = specOf("deepseek_v3_qlora_8experts_4groups_top3_norm_dense1");
        QCOMPARE(s.family, std::string("deepseek_v3"));
        QCOMPARE(s.routerScoring, Scoring::Sigmoid);
        QCOMPARE(s.moeCorrectionBias, std::string("e_score_correction_bias"));
        QCOMPARE(s.expertGroups, int64_t(4));
        QCOMPARE(s.topkGroups, int64_t(2));
        QCOMPARE(s.groupRankTop, int64_t(2));
        QCOMPARE(s.expertsPerToken, int64_t(3));
        QCOMPARE(s.denseLayers, int64_t(1));
        QCOMPARE(s.routedScale, 2.5);
        QCOMPARE(s.sharedIntermediate, int64_t(16));
        QCOMPARE(s.qLoraRank, int64_t(12));
        QVERIFY(s.normTopk && s.routerInFp32 && s.rotaryInterleaved);
        s = specOf("deepseek_v3_noqlora_6experts_nogroups_raw_halfrope_bias_tied");
        QCOMPARE(s.qLoraRank, int64_t(0));
        QCOMPARE(s.expertGroups, int64_t(1));
        QCOMPARE(s.sharedIntermediate, int64_t(48));
        QVERIFY(!s.normTopk && !s.rotaryInterleaved && s.qkvBias && s.oBias && s.tiedEmbeddings);
        s = specOf("glm4_moe_qknorm_bias_gqa_8experts_2groups_dense1");
        QCOMPARE(s.family, std::string("glm4_moe"));
        QCOMPARE(s.routerScoring, Scoring::Sigmoid);
        QCOMPARE(s.rope.dim, s.headDim / 2);  // partial_rotary_factor 0.5
        QCOMPARE(s.kvHeads, int64_t(2));
        QVERIFY(s.qkNorm && s.qkvBias && !s.oBias && s.normTopk);
        QCOMPARE(s.denseLayers, int64_t(1));
        s = specOf("glm4_moe_fullrotary_headdim12_6experts_nogroups_raw_tied");
        QCOMPARE(s.rope.dim, int64_t(12));
        QVERIFY(!s.qkNorm && !s.qkvBias && !s.normTopk);
        // The other families keep DeepSeek-V2's and Qwen's softmax without a correction bias.
        const auto v2 = llmap::archSpecFromConfig(
            nlohmann::json::parse(fixtures::readBytes(
                fixtures::modelDir("families_b/deepseek_v2_group_limited_qlora_yarn/config.json"))),
            "config.json");
        QCOMPARE(v2.routerScoring, Scoring::Softmax);
        QCOMPARE(v2.groupRankTop, int64_t(1));
        QVERIFY(v2.moeCorrectionBias.empty());
    }

    void correctionBiasSteers_data() {
        QTest::addColumn<QString>("name");
        QTest::newRow("deepseek_v3") << "deepseek_v3_qlora_8experts_4groups_top3_norm_dense1";
        QTest::newRow("glm4_moe") << "glm4_moe_fullrotary_headdim12_6experts_nogroups_raw_tied";
    }

    void correctionBiasSteers() {
        // Without its correction biases the model chooses other experts: its scores move far
        // from transformers' (which had the biases), so the fixtures test the bias.
        QFETCH(QString, name);
        QTemporaryDir tmp;
        const fs::path d = fs::path(tmp.path().toStdString()) / name.toStdString();
        fixtures::copyModel("families_dsv3/" + name.toStdString(), d);
        QVERIFY(fixtures::zeroTensorsEndingWith(d / "model.safetensors",
                                                "e_score_correction_bias") > 0);
        const auto lm = llmap::CausalLM::load(d.string());
        const auto oracle = fixtures::oracleOf("families_dsv3");
        const auto& model = fixtures::oracleModel(oracle, kFolder + name.toStdString());
        const double worst = engine_checks::worstRelativeGap(*lm, model);
        qInfo("without the correction biases: %.3g relative", worst);
        QVERIFY2(worst > 1e-2, "the correction biases change nothing");
    }

    void kimiK2ByArchitectures() {
        // Kimi K2 declares model_type "kimi_k2" with DeepseekV3ForCausalLM.
        QTemporaryDir tmp;
        const std::string name = "deepseek_v3_qlora_8experts_4groups_top3_norm_dense1";
        const fs::path d = fs::path(tmp.path().toStdString()) / name;
        fixtures::copyModel("families_dsv3/" + name, d);
        editConfig(d, [](nlohmann::json& c) { c["model_type"] = "kimi_k2"; });
        const auto lm = llmap::CausalLM::load(d.string());
        QCOMPARE(lm->spec().family, std::string("deepseek_v3"));
        engine_checks::compareWithOracle(
            *lm, fixtures::oracleModel(fixtures::oracleOf("families_dsv3"), kFolder + name));
    }

    void olderConfigForms() {
        // GLM-4.5's config.json (transformers 4): rope_theta and partial_rotary_factor at the top
        // level, or no partial_rotary_factor at all (GLM's default 0.5).
        const std::vector<std::pair<std::string, std::function<void(nlohmann::json&)>>> cases = {
            {"glm4_moe_fullrotary_headdim12_6experts_nogroups_raw_tied",
             [](nlohmann::json& c) {
                 c["rope_theta"] = c["rope_parameters"]["rope_theta"];
                 c["partial_rotary_factor"] = c["rope_parameters"]["partial_rotary_factor"];
                 c.erase("rope_parameters");
             }},
            {"glm4_moe_qknorm_mqa_8experts_4groups_dense2",
             [](nlohmann::json& c) {
                 c["rope_theta"] = c["rope_parameters"]["rope_theta"];
                 c.erase("rope_parameters");
             }},
            {"deepseek_v3_yarn_qlora_8experts_2groups_dense2",
             [](nlohmann::json& c) {
                 c["scoring_func"] = "sigmoid";
                 c["topk_method"] = "noaux_tc";
                 c["rope_scaling"] = c["rope_parameters"];
                 c["rope_scaling"]["type"] = "yarn";
                 c["rope_scaling"].erase("rope_type");
                 c["rope_theta"] = c["rope_parameters"]["rope_theta"];
                 c.erase("rope_parameters");
             }},
        };
        QTemporaryDir tmp;
        for (const auto& [name, edit] : cases) {
            const fs::path d = fs::path(tmp.path().toStdString()) / name;
            fixtures::copyModel("families_dsv3/" + name, d);
            editConfig(d, edit);
            const auto lm = llmap::CausalLM::load(d.string());
            engine_checks::compareWithOracle(
                *lm, fixtures::oracleModel(fixtures::oracleOf("families_dsv3"), kFolder + name));
        }
        // q_lora_rank absent: DeepseekV3Config's 1536; null: a plain q_proj.
        auto c = fixtures::fixtureConfig(
            kFolder + "deepseek_v3_noqlora_6experts_nogroups_raw_halfrope_bias_tied");
        c.erase("q_lora_rank");
        QCOMPARE(llmap::archSpecFromConfig(c, "config.json").qLoraRank, int64_t(1536));
    }

    void badInput() {
        const auto refused = [](const std::string& name,
                                const std::function<void(nlohmann::json&)>& edit,
                                const std::string& needle) {
            nlohmann::json c = fixtures::fixtureConfig(kFolder + name);
            edit(c);
            expectRefusal([&] { llmap::archSpecFromConfig(c, name + "/config.json"); }, needle);
        };
        const std::string v3 = "deepseek_v3_qlora_8experts_4groups_top3_norm_dense1";
        const std::string glm = "glm4_moe_qknorm_bias_gqa_8experts_2groups_dense1";
        refused(
            v3, [](auto& c) { c["scoring_func"] = "softmax"; },
            "scoring_func \"softmax\" is not supported");
        refused(
            v3, [](auto& c) { c["topk_method"] = "greedy"; },
            "topk_method \"greedy\" is not supported");
        refused(
            v3, [](auto& c) { c["n_group"] = 3; }, "3 of 8 experts per token from 2 of 3 groups");
        refused(
            v3, [](auto& c) { c["topk_group"] = 5; }, "from 5 of 4 groups");
        refused(
            v3, [](auto& c) { c["num_experts_per_tok"] = 5; }, "5 of 8 experts per token");
        refused(
            glm, [](auto& c) { c["n_group"] = 8; }, "2 of 8 experts per token from 1 of 8 groups");
        refused(
            glm, [](auto& c) { c["n_shared_experts"] = -1; }, "-1 shared");
        refused(
            glm, [](auto& c) { c["first_k_dense_replace"] = -2; }, "-2 dense layers first");
        refused(
            glm, [](auto& c) { c["moe_intermediate_size"] = 0; }, "experts of 0 channels");
        refused(
            v3, [](auto& c) { c["q_lora_rank"] = -4; }, "negative q_lora_rank");
    }
};

QTEST_GUILESS_MAIN(FamiliesDsv3Test)
#include "tst_families_dsv3.moc"

// What is specific to the Falcon-H1 and GraniteMoeHybrid engines beyond the oracle comparison and
// the decoding check every fixture gets (tests/oracle/model/generate_families_mamba.py): how their
// configs become Mamba-2 settings, and the config values the engine refuses.
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "fixture_files.h"
#include "model/causal_lm.h"
#include "model/registry.h"
#include "util/error.h"

namespace fs = std::filesystem;

namespace {

using fixtures::editConfig;
using fixtures::expectOneLine;

nlohmann::json configOf(const std::string& name) {
    return fixtures::fixtureConfig("families_mamba/" + name);
}

}  // namespace

class FamiliesMambaTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void supported() {
        const auto types = llmap::supportedModelTypes();
        for (const char* t : {"falcon_h1", "granitemoehybrid"})
            QVERIFY2(std::count(types.begin(), types.end(), t) == 1, t);
    }

    void falconH1Config() {
        auto s = llmap::archSpecFromConfig(configOf("falcon_h1_groups1_convbias_gatednorm_mup"),
                                           "config.json");
        QVERIFY(s.mixerWithAttention);
        QCOMPARE(s.layerMixers, std::vector<llmap::Mixer>(2, llmap::Mixer::Mamba2));
        QCOMPARE(s.mamba2.heads * s.mamba2.headDim, int64_t(64));
        QCOMPARE(s.mamba2.projMultipliers, (std::vector<double>{0.8, 1.1, 0.9, 1.3, 0.7}));
        QVERIFY(std::isinf(s.mamba2.timeStepMax) && s.mamba2.timeStepMin == 0.0);
        QVERIFY(s.mamba2.gatedNorm && !s.mamba2.normBeforeGate);
        QCOMPARE(s.keyMultiplier, 0.7);
        QCOMPARE(s.mlpGateMultiplier, 1.4);
        QCOMPARE(s.mlpDownMultiplier, 0.75);
        QCOMPARE(s.logitScale, 0.6);
        // mamba_d_ssm sets the inner width; FalconH1Config's defaults: no gated norm, the norm
        // before the gate where there is one, no multipliers.
        auto c = configOf("falcon_h1_groups2_noconvbias_nonorm_biases_dssm48_tied");
        for (const char* key : {"mamba_rms_norm", "mamba_norm_before_gate", "ssm_multipliers",
                                "mlp_multipliers", "time_step_limit"})
            c.erase(key);
        s = llmap::archSpecFromConfig(c, "config.json");
        QCOMPARE(s.mamba2.heads * s.mamba2.headDim, int64_t(48));
        QVERIFY(!s.mamba2.gatedNorm && s.mamba2.normBeforeGate);
        QVERIFY(s.mamba2.projMultipliers == std::vector<double>(5, 1.0));
        QVERIFY(s.mamba2.inBias && s.mamba2.outBias && !s.mamba2.convBias);
        QVERIFY(std::isinf(s.mamba2.timeStepMax));
    }

    void granitemoehybridConfig() {
        auto c = configOf("granitemoehybrid_dense_nope_groups2_projbias_tied");
        auto s = llmap::archSpecFromConfig(c, "config.json");
        QCOMPARE(s.layerMixers,
                 (std::vector<llmap::Mixer>{llmap::Mixer::Attention, llmap::Mixer::Mamba2,
                                            llmap::Mixer::Mamba2, llmap::Mixer::Attention}));
        QCOMPARE(s.noRopeLayers, std::vector<bool>(4, true));
        QCOMPARE(s.experts, int64_t(0));
        QVERIFY(s.fusedGateUp && s.intermediate == 40);
        QVERIFY(s.mamba2.inBias && s.mamba2.outBias && s.mamba2.gatedNorm);
        // transformers 5's names for the layer types; no layer_types: every layer a mixer.
        c["layer_types"] = {"full_attention", "linear_attention", "linear_attention", "mamba"};
        s = llmap::archSpecFromConfig(c, "config.json");
        QVERIFY(s.layerMixers[0] == llmap::Mixer::Attention &&
                s.layerMixers[3] == llmap::Mixer::Mamba2);
        c.erase("layer_types");
        s = llmap::archSpecFromConfig(c, "config.json");
        QCOMPARE(s.layerMixers, std::vector<llmap::Mixer>(4, llmap::Mixer::Mamba2));
    }

    void badInput() {
        QTemporaryDir tmp;
        int n = 0;
        const auto fresh = [&](const std::string& from) {
            const fs::path dir = fs::path(tmp.path().toStdString()) / std::to_string(n++);
            fixtures::copyModel("families_mamba/" + from, dir);
            return dir;
        };
        const auto load = [](const fs::path& d) {
            return [d] { llmap::CausalLM::load(d.string()); };
        };
        const std::string falcon = "falcon_h1_groups1_convbias_gatednorm_mup";
        const std::string granite = "granitemoehybrid_moe_mamba_attention_mamba_rope";
        fs::path d = fresh(falcon);
        editConfig(d, [](auto& c) { c["mamba_n_groups"] = 3; });
        expectOneLine(load(d), "config.json", "the Mamba-2 sizes do not fit");
        d = fresh(falcon);
        editConfig(d, [](auto& c) { c["mamba_d_head"] = 16; });
        expectOneLine(load(d), "config.json", "the Mamba-2 sizes do not fit");
        d = fresh(falcon);
        editConfig(d, [](auto& c) { c["ssm_multipliers"] = {1.0, 2.0}; });
        expectOneLine(load(d), "config.json", "ssm_multipliers must hold 5 numbers");
        d = fresh(falcon);
        editConfig(d, [](auto& c) { c["time_step_limit"] = {0.5, 0.1}; });
        expectOneLine(load(d), "config.json", "time_step_limit must be 0 <= min <= max");
        d = fresh(falcon);
        editConfig(d, [](auto& c) { c["hidden_act"] = "gelu"; });
        expectOneLine(load(d), "config.json", "hidden_act \"gelu\" for the Mamba-2 convolution");
        d = fresh(granite);
        editConfig(d, [](auto& c) { c["layer_types"][1] = "sliding_attention"; });
        expectOneLine(load(d), "config.json", "layer type \"sliding_attention\" is not supported");
        d = fresh(granite);
        editConfig(d, [](auto& c) { c["layer_types"] = {"mamba"}; });
        expectOneLine(load(d), "config.json", "layer_types must name each of the 3 layers");
        d = fresh(granite);
        editConfig(d, [](auto& c) { c["position_embedding_type"] = "alibi"; });
        expectOneLine(load(d), "config.json", "position_embedding_type \"alibi\"");
        d = fresh("granitemoehybrid_dense_nope_groups2_projbias_tied");
        editConfig(d, [](auto& c) { c["shared_intermediate_size"] = 0; });
        expectOneLine(load(d), "config.json", "shared_intermediate_size = 0");
    }
};

QTEST_GUILESS_MAIN(FamiliesMambaTest)
#include "tst_families_mamba.moc"

// What is particular to the Qwen3-MoE, Qwen2-MoE and OLMoE engines
// (tests/oracle/model/generate_families_moe.py; tst_families checks every fixture against
// transformers): the experts stored as 3-D tensors (transformers 5's layout, and llama.cpp's in a
// Qwen3-MoE GGUF file) give the same scores as the per-expert names save_pretrained writes; the
// dense and sliding layers each config asks for; configs in the Hub's older forms; and the refusal
// of config values the engine does not run.
#include <QTemporaryDir>
#include <QtTest>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>

#include "engine_checks.h"
#include "fixture_files.h"
#include "model/causal_lm.h"
#include "model/registry.h"
#include "util/error.h"

namespace fs = std::filesystem;

namespace {

using fixtures::editConfig;

const std::string kFolder = "families_moe/";

// Rewrites the per-expert weights "<p>mlp.experts.<e>.gate_proj|up_proj|down_proj.weight" of a
// float32 safetensors file as transformers 5 holds them: "<p>mlp.experts.gate_up_proj"
// [experts, 2 I, hidden] (each expert's gate rows, then its up rows) and "<p>mlp.experts.down_proj"
// [experts, hidden, I]. Returns how many layers it rewrote.
int fuseExperts(const fs::path& file) {
    const auto [header, data] = fixtures::splitSafetensors(fixtures::readBytes(file));
    const auto h = nlohmann::json::parse(header);
    const std::regex expert(R"((.*\.mlp\.experts\.)(\d+)\.(gate_proj|up_proj|down_proj)\.weight)");
    std::map<std::string, std::map<int, std::map<std::string, std::string>>> layers;
    std::map<std::string, nlohmann::json> gateShapes;
    nlohmann::json out = nlohmann::json::object();
    std::string outData;
    const auto bytesOf = [&](const nlohmann::json& t) {
        const size_t begin = t["data_offsets"][0], end = t["data_offsets"][1];
        return data.substr(begin, end - begin);
    };
    const auto add = [&](const std::string& name, const nlohmann::json& shape,
                         const std::string& bytes) {
        out[name] = {{"dtype", "F32"},
                     {"shape", shape},
                     {"data_offsets", {outData.size(), outData.size() + bytes.size()}}};
        outData += bytes;
    };
    for (const auto& [name, t] : h.items()) {
        std::smatch m;
        if (name == "__metadata__") {
            out[name] = t;
        } else if (std::regex_match(name, m, expert)) {
            layers[m[1]][std::stoi(m[2])][m[3]] = bytesOf(t);
            if (m[3] == "gate_proj") gateShapes[m[1]] = t["shape"];
        } else {
            add(name, t["shape"], bytesOf(t));
        }
    }
    for (const auto& [prefix, experts] : layers) {
        const int64_t E = static_cast<int64_t>(experts.size());
        const int64_t I = gateShapes[prefix][0], D = gateShapes[prefix][1];
        std::string gateUp, down;
        for (const auto& [e, parts] : experts) {
            gateUp += parts.at("gate_proj") + parts.at("up_proj");
            down += parts.at("down_proj");
        }
        add(prefix + "gate_up_proj", {E, 2 * I, D}, gateUp);
        add(prefix + "down_proj", {E, D, I}, down);
    }
    std::string text = out.dump();
    while (text.size() % 8 != 0) text += ' ';  // keeps the float32 data aligned
    fixtures::writeBytes(file, fixtures::safetensorsBytes(text, outData));
    return static_cast<int>(layers.size());
}

// `f` must throw one InputError whose one-line message names config.json and contains `needle`.
void expectRefusal(const std::function<void()>& f, const std::string& needle) {
    fixtures::expectOneLine(f, "config.json", needle);
}

}  // namespace

class FamiliesMoeTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void fusedExperts_data() {
        QTest::addColumn<QString>("name");
        const auto oracle = fixtures::oracleOf("families_moe");
        for (const auto& m : oracle["models"]) {
            const std::string name = m["name"];
            QTest::newRow(name.c_str()) << QString::fromStdString(name.substr(name.find('/') + 1));
        }
    }

    void fusedExperts() {
        QFETCH(QString, name);
        QTemporaryDir tmp;
        const fs::path d = fs::path(tmp.path().toStdString()) / name.toStdString();
        fixtures::copyModel("families_moe/" + name.toStdString(), d);
        const auto spec = llmap::archSpecFromConfig(
            fixtures::fixtureConfig(kFolder + name.toStdString()), "config.json");
        int sparse = 0;
        for (int64_t i = 0; i < spec.layers; ++i)
            sparse += spec.denseMlpLayers.empty() || !spec.denseMlpLayers[size_t(i)];
        QCOMPARE(fuseExperts(d / "model.safetensors"), sparse);
        const auto lm = llmap::CausalLM::load(d.string());
        engine_checks::compareWithOracle(*lm,
                                         fixtures::oracleModel(fixtures::oracleOf("families_moe"),
                                                               kFolder + name.toStdString()));
    }

    void ggufQwen3Moe() {
        // llama.cpp's layout of the same weights (tests/oracle/gguf/generate_qwen3moe.py): the
        // router as ffn_gate_inp, the experts stacked per projection.
        const std::string file = std::string(LLMAP_TEST_DATA) + "/gguf/qwen3moe_f32.gguf";
        const auto lm = llmap::CausalLM::load(file);
        QCOMPARE(lm->spec().family, std::string("qwen3_moe"));
        QCOMPARE(lm->spec().experts, int64_t(4));
        QVERIFY(lm->spec().normTopk && lm->spec().tiedEmbeddings);
        engine_checks::compareWithOracle(
            *lm, fixtures::oracleModel(fixtures::oracleOf("families_moe"),
                                       kFolder + "qwen3_moe_4experts_top2_norm_gqa_tied"));
    }

    void layersAsConfigured() {
        const auto spec = [](const std::string& name) {
            return llmap::archSpecFromConfig(fixtures::fixtureConfig(kFolder + name),
                                             name + "/config.json");
        };
        // decoder_sparse_step 2: experts on layers 1 and 3; a window of 5 on every layer.
        auto s = spec("qwen3_moe_8experts_step2_window5");
        QCOMPARE(s.denseMlpLayers, std::vector<bool>({true, false, true, false}));
        QCOMPARE(s.slidingWindow, std::vector<int64_t>(4, 5));
        QVERIFY(s.normTopk && s.routedInModelDtype && s.qkNorm);
        s = spec("qwen3_moe_6experts_top3_raw_mlp_only0_bias");
        QCOMPARE(s.denseMlpLayers, std::vector<bool>({true, false, false}));
        QCOMPARE(s.slidingWindow, std::vector<int64_t>(3, 0));
        QVERIFY(!s.normTopk && s.qkvBias && s.oBias);
        // Qwen2-MoE: windows on the even layers below max_window_layers 3.
        s = spec("qwen2_moe_window4_step2_shared16");
        QCOMPARE(s.slidingWindow, std::vector<int64_t>({4, 0, 4, 0}));
        QCOMPARE(s.sharedIntermediate, int64_t(16));
        QCOMPARE(s.moeSharedGate, std::string("mlp.shared_expert_gate"));
        s = spec("qwen2_moe_noshared_5experts_top3_norm_mlp_only1_nobias");
        QCOMPARE(s.sharedIntermediate, int64_t(0));
        QVERIFY(!s.qkvBias && !s.oBias);
        s = spec("olmoe_clip_qkv_4experts_top2_gqa");
        QCOMPARE(s.clipQkv, 1.5);
        QCOMPARE(s.moeIntermediate, s.intermediate);
        QVERIFY(s.denseMlpLayers.empty() && !s.normTopk);
        QCOMPARE(s.qkNormKind, llmap::ArchSpec::QkNormKind::RmsFull);
    }

    void olderConfigForms() {
        // The Hub's configs: "num_experts" (transformers 5 saves "num_local_experts") and
        // Qwen2-MoE without layer_types (its windows from max_window_layers).
        const std::vector<std::pair<std::string, std::function<void(nlohmann::json&)>>> cases = {
            {"qwen3_moe_8experts_step2_window5",
             [](nlohmann::json& c) {
                 c["num_experts"] = c["num_local_experts"];
                 c.erase("num_local_experts");
             }},
            {"qwen2_moe_window4_step2_shared16", [](nlohmann::json& c) { c.erase("layer_types"); }},
        };
        QTemporaryDir tmp;
        for (const auto& [name, edit] : cases) {
            const fs::path d = fs::path(tmp.path().toStdString()) / name;
            fixtures::copyModel("families_moe/" + name, d);
            editConfig(d, edit);
            const auto lm = llmap::CausalLM::load(d.string());
            engine_checks::compareWithOracle(
                *lm, fixtures::oracleModel(fixtures::oracleOf("families_moe"), kFolder + name));
        }
    }

    void badInput() {
        const auto refused = [](const std::string& name,
                                const std::function<void(nlohmann::json&)>& edit,
                                const std::string& needle) {
            nlohmann::json c = fixtures::fixtureConfig(kFolder + name);
            edit(c);
            expectRefusal([&] { llmap::archSpecFromConfig(c, name + "/config.json"); }, needle);
        };
        refused(
            "qwen3_moe_8experts_step2_window5", [](auto& c) { c["decoder_sparse_step"] = 0; },
            "decoder_sparse_step 0");
        refused(
            "qwen3_moe_6experts_top3_raw_mlp_only0_bias",
            [](auto& c) {
                c["mlp_only_layers"] = {0, 3};
            },
            "mlp_only_layers holds 3");
        refused(
            "qwen2_moe_shared24_4experts_top2_gqa", [](auto& c) { c["mlp_only_layers"] = "0"; },
            "\"mlp_only_layers\" is not a list");
        refused(
            "qwen2_moe_shared24_4experts_top2_gqa", [](auto& c) { c["num_experts_per_tok"] = 5; },
            "5 of 4 experts per token");
        refused(
            "qwen2_moe_shared24_4experts_top2_gqa",
            [](auto& c) { c["shared_expert_intermediate_size"] = -1; },
            "shared_expert_intermediate_size -1");
        refused(
            "qwen2_moe_window4_step2_shared16", [](auto& c) { c["use_sliding_window"] = false; },
            "layer_types has sliding layers but use_sliding_window is false");
        refused(
            "qwen2_moe_window4_step2_shared16", [](auto& c) { c["sliding_window"] = nullptr; },
            "use_sliding_window is true without a positive sliding_window");
        refused(
            "qwen3_moe_8experts_step2_window5", [](auto& c) { c["moe_intermediate_size"] = 0; },
            "experts of 0 intermediate channels");
        refused(
            "olmoe_clip_qkv_4experts_top2_gqa", [](auto& c) { c["num_experts"] = 0; },
            "2 of 0 experts per token");
        refused(
            "olmoe_clip_qkv_4experts_top2_gqa", [](auto& c) { c["clip_qkv"] = -1.0; },
            "negative clip_qkv");
        refused(
            "olmoe_norm_topk_bias_tied_6experts_top3", [](auto& c) { c["head_dim"] = 16; },
            "head_dim 16 times 4 heads is not hidden_size");
    }
};

QTEST_GUILESS_MAIN(FamiliesMoeTest)
#include "tst_families_moe.moc"

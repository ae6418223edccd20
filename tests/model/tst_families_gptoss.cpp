// What is particular to the gpt-oss engine (tests/oracle/model/generate_families_gptoss.py;
// tst_families checks every fixture against transformers): the settings each config asks for and
// GptOssConfig's defaults, the attention sinks and the clamps of the SwiGLU actually changing the
// scores, MXFP4 experts giving the scores of the same values stored plainly, and the refusal of
// damaged MXFP4 tensors, unknown quantisation methods and config values the engine does not run.
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "engine_checks.h"
#include "fixture_files.h"
#include "model/causal_lm.h"
#include "model/model_info.h"
#include "model/registry.h"
#include "util/error.h"

namespace fs = std::filesystem;

namespace {

using fixtures::editConfig;

const std::string kFolder = "families_gptoss/";

const char* const kMxfp4 = "gpt_oss_mxfp4_gqa_window5_4experts_top2_hidden64";
const char* const kPlain = "gpt_oss_gqa_window4_4experts_top2_yarn_untied";

llmap::ArchSpec specOf(const std::string& name) {
    return llmap::archSpecFromConfig(fixtures::fixtureConfig(kFolder + name),
                                     name + "/config.json");
}

// A safetensors file as its tensors: name -> (dtype, shape, bytes), and back (the data packed
// without gaps, as safetensors requires; the engine copies what that leaves unaligned).
struct Tensor {
    std::string dtype;
    nlohmann::json shape;
    std::string bytes;
};
using Tensors = std::map<std::string, Tensor>;

Tensors readTensors(const fs::path& file) {
    const auto [header, data] = fixtures::splitSafetensors(fixtures::readBytes(file));
    Tensors out;
    const auto parsed = nlohmann::json::parse(header);
    for (const auto& [name, t] : parsed.items()) {
        if (name == "__metadata__") continue;
        const size_t begin = t["data_offsets"][0], end = t["data_offsets"][1];
        out[name] = {t["dtype"], t["shape"], data.substr(begin, end - begin)};
    }
    return out;
}

void writeTensors(const fs::path& file, const Tensors& tensors) {
    nlohmann::json h = nlohmann::json::object();
    std::string data;
    for (const auto& [name, t] : tensors) {
        h[name] = {{"dtype", t.dtype},
                   {"shape", t.shape},
                   {"data_offsets", {data.size(), data.size() + t.bytes.size()}}};
        data += t.bytes;
    }
    std::string text = h.dump();
    while (text.size() % 8 != 0) text += ' ';
    fixtures::writeBytes(file, fixtures::safetensorsBytes(text, data));
}

// Sets every tensor whose name ends with `suffix` (float32) to `value`; returns how many.
int fill(const fs::path& file, const std::string& suffix, float value) {
    Tensors t = readTensors(file);
    int n = 0;
    for (auto& [name, tensor] : t) {
        if (name.size() < suffix.size() ||
            name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0)
            continue;
        if (tensor.dtype != "F32") throw std::runtime_error(name + " is not float32");
        for (size_t i = 0; i < tensor.bytes.size(); i += 4)
            std::memcpy(&tensor.bytes[i], &value, 4);
        ++n;
    }
    writeTensors(file, t);
    return n;
}

// The log-likelihood of the oracle's first text (full convention) under the model in `dir`.
double firstTextScore(const fs::path& dir, const nlohmann::json& model) {
    const auto lm = llmap::CausalLM::load(dir.string());
    std::vector<int64_t> ids = model["texts"][0]["ids_full"];
    const auto t = at::tensor(ids, at::TensorOptions().dtype(at::kLong)).unsqueeze(0);
    return lm->nextTokenLogProbs(t, at::ones_like(t)).sum().item<double>();
}

// `f` must throw one InputError whose one-line message names `file` and contains `needle`.
void expectRefusal(const std::function<void()>& f, const std::string& needle,
                   const std::string& file = "config.json") {
    fixtures::expectOneLine(f, file, needle);
}

}  // namespace

class FamiliesGptOssTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void settingsAsConfigured() {
        auto s = specOf(kPlain);
        QCOMPARE(s.family, std::string("gpt_oss"));
        QCOMPARE(s.slidingWindow, std::vector<int64_t>({4, 0}));
        QCOMPARE(s.attnSinks, std::string("self_attn.sinks"));
        QCOMPARE(s.activation, llmap::Activation::ClampedSwiGLU);
        QCOMPARE(s.swigluLimit, 1.5);
        QCOMPARE(s.swigluAlpha, 1.702);
        QVERIFY(s.qkvBias && s.oBias && s.moeRouterBias && s.moeExpertBias);
        QVERIFY(s.softmaxAfterTopk && !s.normTopk && s.moeInterleavedGateUp);
        QCOMPARE(s.expertsPerToken, int64_t(2));
        QVERIFY(!s.tiedEmbeddings);
        // YaRN without truncation: the ramp's ends are not rounded.
        QVERIFY(!s.ropeShortFactor.empty());
        QCOMPARE(s.ropeAttentionFactor, 0.1 * std::log(4.0) + 1.0);
        s = specOf("gpt_oss_mha_full_3experts_top1_nobias_tied");
        QCOMPARE(s.slidingWindow, std::vector<int64_t>({0, 0}));
        QVERIFY(!s.qkvBias && !s.oBias && s.tiedEmbeddings && s.ropeShortFactor.empty());
        s = specOf("gpt_oss_mqa_window3_alpha_6experts_top2_yarn_truncate");
        QCOMPARE(s.slidingWindow, std::vector<int64_t>({0, 3, 3}));
        QCOMPARE(s.swigluAlpha, 1.2);
    }

    void configDefaults() {
        // GptOssConfig's defaults: 8 key/value heads of 64 channels, every other layer sliding
        // over 128 tokens (the first one sliding), YaRN x32 over 4096 positions on base 150000
        // without truncation, RMSNorm eps 1e-5, 128 experts, 4 a token, the SwiGLU's 1.702 and 7.
        const nlohmann::json c = {{"model_type", "gpt_oss"},
                                  {"hidden_size", 128},
                                  {"num_hidden_layers", 3},
                                  {"num_attention_heads", 8},
                                  {"vocab_size", 100}};
        const auto s = llmap::archSpecFromConfig(c, "config.json");
        QCOMPARE(s.kvHeads, int64_t(8));
        QCOMPARE(s.headDim, int64_t(64));
        QCOMPARE(s.slidingWindow, std::vector<int64_t>({128, 0, 128}));
        QCOMPARE(s.rope.theta, 150000.0);
        QCOMPARE(s.ropeAttentionFactor, 0.1 * std::log(32.0) + 1.0);
        QCOMPARE(s.normEps, 1e-5);
        QCOMPARE(s.experts, int64_t(128));
        QCOMPARE(s.expertsPerToken, int64_t(4));
        QCOMPARE(s.intermediate, int64_t(2880));
        QCOMPARE(s.swigluLimit, 7.0);
        QVERIFY(s.qkvBias && s.oBias && !s.tiedEmbeddings);
        // The truncated and untruncated YaRN ramps differ.
        nlohmann::json t = c;
        t["rope_parameters"] = {{"rope_type", "yarn"},
                                {"rope_theta", 150000.0},
                                {"factor", 32.0},
                                {"original_max_position_embeddings", 4096},
                                {"truncate", true}};
        QVERIFY(llmap::archSpecFromConfig(t, "config.json").ropeShortFactor != s.ropeShortFactor);
    }

    void sinksAndClampsMatter() {
        // Sinks of -1e4 take no share of any softmax, a limit of 1e4 clamps nothing: each changes
        // the scores, so the engine applies both.
        const auto oracle = fixtures::oracleOf("families_gptoss");
        const auto& model = fixtures::oracleModel(oracle, kFolder + kPlain);
        const double expected = model["texts"][0]["ll_full"];
        QTemporaryDir tmp;
        const fs::path d = fs::path(tmp.path().toStdString()) / kPlain;
        fixtures::copyModel(std::string("families_gptoss/") + kPlain, d);
        QVERIFY(std::abs(firstTextScore(d, model) - expected) < 1e-3 * std::abs(expected));
        QCOMPARE(fill(d / "model.safetensors", "self_attn.sinks", -1e4f), 2);
        const double noSinks = firstTextScore(d, model);
        QVERIFY2(std::abs(noSinks - expected) > 0.05, std::to_string(noSinks).c_str());
        fixtures::copyModel(std::string("families_gptoss/") + kPlain, d / "clamps");
        editConfig(d / "clamps", [](nlohmann::json& c) { c["swiglu_limit"] = 1e4; });
        const double noClamps = firstTextScore(d / "clamps", model);
        QVERIFY2(std::abs(noClamps - expected) > 0.05, std::to_string(noClamps).c_str());
    }

    void mxfp4Info() {
        // Two values a block byte, the scale bytes no parameters: transformers' count.
        const auto oracle = fixtures::oracleOf("families_gptoss");
        const auto& model = fixtures::oracleModel(oracle, kFolder + kMxfp4);
        const auto info =
            llmap::readModelInfo(fixtures::modelDir(std::string("families_gptoss/") + kMxfp4));
        QCOMPARE(info.parameters, model["parameters"].get<int64_t>());
        QCOMPARE(info.quantisation, std::string("MXFP4, 32-value blocks"));
    }

    void ggufGptOss() {
        // llama.cpp's layout of the MXFP4 fixture (tests/oracle/gguf/generate_gptoss.py): the
        // experts split into gate and up, MXFP4 in ggml's blocks, the sinks as attn_sinks.weight,
        // YaRN as rope.scaling keys.
        const std::string file = std::string(LLMAP_TEST_DATA) + "/gguf/gptoss_mxfp4.gguf";
        const auto lm = llmap::CausalLM::load(file);
        QCOMPARE(lm->spec().family, std::string("gpt_oss"));
        QCOMPARE(lm->spec().slidingWindow, std::vector<int64_t>({5, 0, 5}));
        QVERIFY(!lm->spec().ropeShortFactor.empty());
        engine_checks::compareWithOracle(
            *lm, fixtures::oracleModel(fixtures::oracleOf("families_gptoss"), kFolder + kMxfp4));
    }

    void mxfp4Refusals() {
        QTemporaryDir tmp;
        const auto copy = [&](const std::string& sub) {
            const fs::path d = fs::path(tmp.path().toStdString()) / sub;
            fixtures::copyModel(std::string("families_gptoss/") + kMxfp4, d);
            return d;
        };
        const std::string name = "model.layers.1.mlp.experts.gate_up_proj";
        // Scales of one block a row where the blocks have two.
        fs::path d = copy("scales");
        Tensors t = readTensors(d / "model.safetensors");
        Tensor& scales = t.at(name + "_scales");
        QCOMPARE(scales.shape, nlohmann::json({4, 64, 2}));
        scales.shape = {4, 64, 1};
        scales.bytes.resize(scales.bytes.size() / 2);
        writeTensors(d / "model.safetensors", t);
        expectRefusal(
            [&] { llmap::CausalLM::load(d.string()); },
            "MXFP4 weight \"" + name + "\" has blocks [4, 64, 2, 16] and scales [4, 64, 1]",
            "model.safetensors");
        // No scales at all.
        d = copy("noscales");
        t = readTensors(d / "model.safetensors");
        t.erase(name + "_scales");
        writeTensors(d / "model.safetensors", t);
        expectRefusal([&] { llmap::CausalLM::load(d.string()); }, "has blocks but no scales",
                      "model.safetensors");
        // Blocks stored as another type.
        d = copy("dtype");
        t = readTensors(d / "model.safetensors");
        t.at(name + "_blocks").dtype = "I8";
        writeTensors(d / "model.safetensors", t);
        expectRefusal([&] { llmap::CausalLM::load(d.string()); }, "not bytes (U8)",
                      "model.safetensors");
        // An unknown method stays refused, naming it.
        d = copy("method");
        editConfig(d,
                   [](nlohmann::json& c) { c["quantization_config"]["quant_method"] = "mxfp8"; });
        expectRefusal([&] { llmap::CausalLM::load(d.string()); },
                      "quant_method \"mxfp8\" is not supported");
        // Without quantization_config the blocks are not read as weights.
        d = copy("noconfig");
        editConfig(d, [](nlohmann::json& c) { c.erase("quantization_config"); });
        expectRefusal([&] { llmap::CausalLM::load(d.string()); },
                      "weight \"model.layers.0.mlp.experts.0.gate_proj.weight\" is missing");
    }

    void badConfig() {
        const auto refused = [](const std::function<void(nlohmann::json&)>& edit,
                                const std::string& needle) {
            nlohmann::json c = fixtures::fixtureConfig(kFolder + kPlain);
            edit(c);
            expectRefusal([&] { llmap::archSpecFromConfig(c, "config.json"); }, needle);
        };
        refused([](auto& c) { c["swiglu_limit"] = 0.0; }, "swiglu_limit");
        refused([](auto& c) { c["num_experts_per_tok"] = 5; }, "5 of 4 experts per token");
        refused([](auto& c) { c["sliding_window"] = nullptr; },
                "sliding_window must be a positive number of tokens");
        refused([](auto& c) { c["layer_types"] = {"full_attention"}; }, "layer_types must list");
        refused([](auto& c) { c["rope_parameters"]["rope_type"] = "dynamic"; },
                "rope type \"dynamic\" is not supported");
    }
};

QTEST_GUILESS_MAIN(FamiliesGptOssTest)
#include "tst_families_gptoss.moc"

// What is specific to the Gemma, Gemma-2, Phi, Phi-3, StableLM, OLMo, OLMo-2, Mixtral, DeepSeek-V2
// and Gemma-3 engines (tests/oracle/model/generate_families_b.py, generate_families_gemma3.py,
// generate_families_yarn.py) and of the multimodal wrappers (generate_families_wrappers.py): older
// config and weight-name forms of the Hub's checkpoints, Gemma-3's layer kinds, YaRN read as such,
// and bad input (a missing config key, a wrong-shaped weight, a wrapper without its language
// model). tst_families compares every fixture's scores with transformers.
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "engine_checks.h"
#include "fixture_files.h"
#include "model/causal_lm.h"
#include "model/model_info.h"
#include "model/registry.h"
#include "util/error.h"

namespace fs = std::filesystem;

namespace {

using fixtures::editConfig;
using fixtures::expectOneLine;

// Every text's "full" log-likelihood of the model in `dir` equals transformers' for `model`.
void expectOracleScores(const std::string& dir, const nlohmann::json& model) {
    const auto lm = llmap::CausalLM::load(dir);
    const auto full = engine_checks::sums(*lm, engine_checks::idsOf(model, "ids_full"));
    for (size_t i = 0; i < full.size(); ++i) {
        const double want = model["texts"][i]["ll_full"];
        QVERIFY2(
            engine_checks::close(full[i], want),
            qPrintable(
                QString("%1 text %2: %3 vs %4").arg(dir.c_str()).arg(i).arg(full[i]).arg(want)));
    }
}

using engine_checks::close;
using engine_checks::idsOf;
using engine_checks::sums;

void editHeader(const fs::path& file, const std::function<void(nlohmann::json&)>& edit) {
    auto [header, data] = fixtures::splitSafetensors(fixtures::readBytes(file));
    auto h = nlohmann::json::parse(header);
    edit(h);
    fixtures::writeBytes(file, fixtures::safetensorsBytes(h.dump(), data));
}

}  // namespace

class FamiliesBTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void yarnIsRead() {
        // The YaRN configs are read as YaRN (tst_families compares their scores, texts past
        // original_max_position_embeddings, with transformers).
        for (const auto& model : fixtures::oracleOf("families_yarn")["models"]) {
            const auto lm = llmap::CausalLM::load(fixtures::modelDir(model["name"]));
            QCOMPARE(lm->spec().family, model["model_type"].get<std::string>());
            QVERIFY(!lm->spec().ropeShortFactor.empty());
        }
    }

    void olderConfigForms() {
        // Configs as transformers 4 wrote them, and family defaults left implicit, must give the
        // oracle's scores: Phi-3 LongRoPE as rope_scaling {"type": "su"} with top-level
        // rope_theta and partial_rotary_factor; Phi's and StableLM's default partial rotary;
        // Gemma-2's default alternation of sliding and full layers.
        const std::vector<std::pair<std::string, std::function<void(nlohmann::json&)>>> cases = {
            {"phi3_longrope_window9_rot50",
             [](nlohmann::json& c) {
                 const auto p = c["rope_parameters"];
                 c.erase("rope_parameters");
                 c["rope_scaling"] = {{"type", "su"},
                                      {"short_factor", p["short_factor"]},
                                      {"long_factor", p["long_factor"]}};
                 c["rope_theta"] = p["rope_theta"];
                 c["partial_rotary_factor"] = p["partial_rotary_factor"];
             }},
            {"phi_rot50", [](nlohmann::json& c) { c.erase("rope_parameters"); }},
            {"stablelm_parallel_qkv_bias_rot25",
             [](nlohmann::json& c) { c.erase("rope_parameters"); }},
            {"gemma2_window5_softcap", [](nlohmann::json& c) { c.erase("layer_types"); }},
        };
        QTemporaryDir tmp;
        const auto o = fixtures::oracleOf("families_b");
        for (const auto& [name, edit] : cases) {
            const fs::path d = fs::path(tmp.path().toStdString()) / name;
            fixtures::copyModel("families_b/" + name, d);
            editConfig(d, edit);
            const nlohmann::json* model = nullptr;
            for (const auto& m : o["models"]) {
                if (m["name"] == "families_b/" + name) model = &m;
            }
            QVERIFY2(model, name.c_str());
            const auto lm = llmap::CausalLM::load(d.string());
            const auto full = sums(*lm, idsOf(*model, "ids_full"));
            for (size_t i = 0; i < full.size(); ++i) {
                const double want = (*model)["texts"][i]["ll_full"];
                QVERIFY2(close(full[i], want), qPrintable(QString("%1 text %2: %3 vs %4")
                                                              .arg(name.c_str())
                                                              .arg(i)
                                                              .arg(full[i])
                                                              .arg(want)));
            }
        }
    }

    void badInput() {
        QTemporaryDir tmp;
        const fs::path root = tmp.path().toStdString();
        int n = 0;
        auto fresh = [&](const std::string& from) {
            const fs::path dir = root / ("case" + std::to_string(n++));
            fixtures::copyModel("families_b/" + from, dir);
            return dir;
        };
        auto load = [](const fs::path& d) { return [d] { llmap::CausalLM::load(d.string()); }; };
        // A config key every family needs, removed.
        for (const char* name :
             {"gemma_mha_tied", "gemma2_window5_softcap", "phi_rot50", "phi3_gqa",
              "stablelm_parallel_qkv_bias_rot25", "olmo_clip_qkv", "olmo2_gqa",
              "mixtral_4experts_top2", "deepseek_v2_greedy_shared_dense1"}) {
            const fs::path d = fresh(name);
            editConfig(d, [](auto& c) { c.erase("num_attention_heads"); });
            expectOneLine(load(d), "config.json", "config has no \"num_attention_heads\"");
        }
        // A weight of each family's own kind with the wrong shape (same bytes).
        const std::vector<std::pair<std::string, std::string>> weights = {
            {"gemma2_window5_softcap", "model.layers.1.pre_feedforward_layernorm.weight"},
            {"phi_rot50", "lm_head.bias"},
            {"phi_qk_layernorm_gqa_rot50_tied", "model.layers.0.self_attn.q_layernorm.weight"},
            {"phi3_gqa", "model.layers.1.mlp.gate_up_proj.weight"},
            {"stablelm_qk_layernorm_gqa_rot50",
             "model.layers.0.self_attn.k_layernorm.norms.1.weight"},
            {"olmo2_gqa", "model.layers.1.self_attn.q_norm.weight"},
            {"mixtral_4experts_top2", "model.layers.1.block_sparse_moe.experts.3.w2.weight"},
            {"mixtral_4experts_top2", "model.layers.0.block_sparse_moe.gate.weight"},
            {"deepseek_v2_group_limited_qlora_yarn", "model.layers.1.self_attn.kv_b_proj.weight"},
            {"deepseek_v2_greedy_shared_dense1",
             "model.layers.1.mlp.shared_experts.down_proj.weight"},
        };
        for (const auto& [name, weight] : weights) {
            const fs::path d = fresh(name);
            editHeader(d / "model.safetensors", [&, w = weight](auto& h) {
                auto& shape = h[w]["shape"];
                int64_t count = 1;
                for (const auto& s : shape) count *= s.template get<int64_t>();
                // Same bytes, wrong shape: a matrix flattened, a vector made a row.
                if (shape.size() == 1) {
                    shape = {1, count};
                } else {
                    shape = {count};
                }
            });
            expectOneLine(load(d), "model.safetensors", "weight \"" + weight + "\" has shape");
        }
        // A missing expert and absurd family settings.
        fs::path d = fresh("mixtral_3experts_top1_window6");
        editHeader(d / "model.safetensors",
                   [](auto& h) { h.erase("model.layers.0.block_sparse_moe.experts.2.w3.weight"); });
        expectOneLine(load(d), d.filename().string(),
                      "weight \"model.layers.0.block_sparse_moe.experts.2.w3.weight\" is missing");
        d = fresh("mixtral_4experts_top2");
        editConfig(d, [](auto& c) { c["num_experts_per_tok"] = 5; });
        expectOneLine(load(d), "config.json", "5 of 4 experts per token");
        d = fresh("phi3_longrope_window9_rot50");
        editConfig(d, [](auto& c) { c["rope_parameters"]["short_factor"] = {1.0}; });
        expectOneLine(load(d), "config.json", "longrope short_factor must list 2 positive numbers");
        d = fresh("gemma2_window5_softcap");
        editConfig(d, [](auto& c) { c["query_pre_attn_scalar"] = 0; });
        expectOneLine(load(d), "config.json", "query_pre_attn_scalar must be positive");
        d = fresh("deepseek_v2_greedy_shared_dense1");
        editConfig(d, [](auto& c) { c["topk_method"] = "noaux_tc"; });
        expectOneLine(load(d), "config.json", "topk_method \"noaux_tc\" is not supported");
        d = fresh("deepseek_v2_group_limited_qlora_yarn");
        editConfig(d, [](auto& c) { c["n_group"] = 4; });
        expectOneLine(load(d), "config.json", "2 of 6 experts per token in 4 groups");
        d = fresh("olmo_clip_qkv");
        editConfig(d, [](auto& c) { c["clip_qkv"] = "high"; });
        expectOneLine(load(d), "config.json", "\"clip_qkv\" is not");
    }

    void gemma3LayerKinds_data() {
        QTest::addColumn<int>("index");
        const auto o = fixtures::oracleOf("families_gemma3");
        QCOMPARE(o["models"].size(), size_t(5));
        for (size_t i = 0; i < o["models"].size(); ++i) {
            QTest::newRow(o["models"][i]["name"].get<std::string>().c_str()) << static_cast<int>(i);
        }
    }

    void gemma3LayerKinds() {
        QFETCH(int, index);
        const auto model =
            fixtures::oracleOf("families_gemma3")["models"][static_cast<size_t>(index)];
        const auto lm = llmap::CausalLM::load(fixtures::modelDir(model["name"]));
        const llmap::ArchSpec& s = lm->spec();
        QCOMPARE(s.family, model["model_type"].get<std::string>());
        // The layer kinds transformers built: sliding layers have the window and the local rotary.
        const auto types = model["layer_types"];
        QCOMPARE(s.localRopeLayers.size(), types.size());
        for (size_t i = 0; i < types.size(); ++i) {
            const bool sliding = types[i] == "sliding_attention";
            QCOMPARE(bool(s.localRopeLayers[i]), sliding);
            QCOMPARE(s.slidingWindow[i] > 0, sliding);
        }
        // The "full" convention's prefix is the BOS the wrappers name in text_config only.
        const auto info = llmap::readModelInfo(fixtures::modelDir(model["name"]));
        QCOMPARE(info.bosTokenId, model["texts"][0]["ids_full"][0].get<int64_t>());
    }

    void gemma3OlderForms() {
        // The forms of the Hub's Gemma-3 checkpoints must give the oracle's scores: rotary as
        // rope_theta / rope_scaling / rope_local_base_freq with the layers by
        // sliding_window_pattern (transformers 4); a multimodal text_config naming only the sizes
        // (the rest Gemma3TextConfig's defaults); the weights as "model.language_model.*" with the
        // head "lm_head.weight" (transformers 4.52 to 4.57).
        QTemporaryDir tmp;
        const fs::path root = tmp.path().toStdString();
        const auto o = fixtures::oracleOf("families_gemma3");

        fs::path d = root / "old_rope";
        fixtures::copyModel("families_gemma3/gemma3_text_alternating_linear", d);
        editConfig(d, [](nlohmann::json& c) {
            c.erase("rope_parameters");
            c.erase("layer_types");
            c["rope_theta"] = 500.0;
            c["rope_local_base_freq"] = 50.0;
            c["rope_scaling"] = {{"type", "linear"}, {"factor", 2.0}};
            c["sliding_window_pattern"] = 2;
        });
        expectOracleScores(
            d.string(), fixtures::oracleModel(o, "families_gemma3/gemma3_text_alternating_linear"));

        d = root / "sparse_text_config";
        fixtures::copyModel("families_gemma3/gemma3_wrapper_tied_defaults", d);
        editConfig(d, [](nlohmann::json& c) {
            nlohmann::json kept;
            for (const char* key :
                 {"model_type", "hidden_size", "intermediate_size", "num_hidden_layers",
                  "num_attention_heads", "num_key_value_heads", "head_dim", "vocab_size"})
                kept[key] = c["text_config"][key];
            c["text_config"] = kept;
            c.erase("tie_word_embeddings");
        });
        expectOracleScores(
            d.string(), fixtures::oracleModel(o, "families_gemma3/gemma3_wrapper_tied_defaults"));

        d = root / "model_language_model";
        fixtures::copyModel("families_gemma3/gemma3_wrapper_untied", d);
        editHeader(d / "model.safetensors", [](nlohmann::json& h) {
            nlohmann::json renamed;
            for (auto& [name, entry] : h.items()) {
                std::string n = name;
                if (n == "language_model.lm_head.weight") {
                    n = "lm_head.weight";
                } else if (n.rfind("language_model.model.", 0) == 0) {
                    n = "model.language_model." + n.substr(21);
                }
                renamed[n] = entry;
            }
            h = renamed;
        });
        expectOracleScores(d.string(),
                           fixtures::oracleModel(o, "families_gemma3/gemma3_wrapper_untied"));
    }

    void multimodalWrappers() {
        // Mistral-3, LLaVA, InternVL, SmolVLM, ... (generate_families_wrappers.py): the weights as
        // transformers before 4.52 saved them ("language_model.model.*", the head
        // "language_model.lm_head"), and a text_config without its model_type (the wrapper's
        // default language model), give transformers' scores; bad wrappers are refused.
        QTemporaryDir tmp;
        const fs::path root = tmp.path().toStdString();
        const auto o = nlohmann::json::parse(
            fixtures::readBytes(fixtures::modelDir("oracle_families_wrappers.json")));

        fs::path d = root / "language_model_model";
        fixtures::copyModel("families_wrappers/mistral3_window_gqa_untied", d);
        editHeader(d / "model.safetensors", [](nlohmann::json& h) {
            nlohmann::json renamed;
            const std::string now = "model.language_model.";
            for (auto& [name, entry] : h.items()) {
                std::string n = name;
                if (n == "lm_head.weight") n = "language_model.lm_head.weight";
                if (n.rfind(now, 0) == 0) n = "language_model.model." + n.substr(now.size());
                renamed[n] = entry;
            }
            h = renamed;
        });
        expectOracleScores(
            d.string(), fixtures::oracleModel(o, "families_wrappers/mistral3_window_gqa_untied"));

        d = root / "text_type_implied";
        fixtures::copyModel("families_wrappers/llava_llama_tied", d);
        editConfig(d, [](nlohmann::json& c) { c["text_config"].erase("model_type"); });
        expectOracleScores(d.string(),
                           fixtures::oracleModel(o, "families_wrappers/llava_llama_tied"));

        const auto load = [](const fs::path& dir) {
            return [dir] { llmap::CausalLM::load(dir.string()); };
        };
        d = root / "no_text_config";
        fixtures::copyModel("families_wrappers/internvl_qwen2_untied", d);
        editConfig(d, [](nlohmann::json& c) { c.erase("text_config"); });
        expectOneLine(load(d), "config.json", "(model_type internvl) has no text_config object");
        editConfig(d, [](nlohmann::json& c) { c["text_config"] = {{"model_type", "llava"}}; });
        expectOneLine(load(d), "config.json", "\"llava\" is itself a wrapper");
        editConfig(d, [](nlohmann::json& c) {
            c["text_config"] = {{"model_type", "qwen3_vl_text"}};
        });
        expectOneLine(load(d), "config.json", "model_type \"qwen3_vl_text\" is not supported");
    }

    void wrapperTiesAsItsConfigClass() {
        // config.json leaves out the values equal to the class's defaults, and transformers ties a
        // wrapper's head by the wrapper's tie_word_embeddings alone: Mistral3Config and
        // Gemma3Config default to true, SmolVLMConfig to false, and LlavaConfig also ties when
        // text_config does.
        const auto tied = [](const std::string& fixture, const nlohmann::json& wrapperTie,
                             bool textTie) {
            nlohmann::json c = fixtures::fixtureConfig(fixture);
            if (wrapperTie.is_null()) {
                c.erase("tie_word_embeddings");
            } else {
                c["tie_word_embeddings"] = wrapperTie;
            }
            c["text_config"]["tie_word_embeddings"] = textTie;
            return llmap::archSpecFromConfig(c, "config.json").tiedEmbeddings;
        };
        const nlohmann::json absent;
        QVERIFY(tied("families_wrappers/mistral3_window_gqa_untied", absent, false));
        QVERIFY(tied("families_gemma3/gemma3_wrapper_untied", absent, false));
        QVERIFY(!tied("families_wrappers/smolvlm_llama_untied", absent, true));
        QVERIFY(!tied("families_wrappers/smolvlm_llama_untied", false, true));
        QVERIFY(tied("families_wrappers/llava_llama_tied", absent, true));
        QVERIFY(tied("families_wrappers/llava_llama_tied", false, true));
        QVERIFY(!tied("families_wrappers/llava_llama_tied", false, false));
        QVERIFY(!tied("families_wrappers/internvl_qwen2_untied", false, true));
    }

    void gemma3BadInput() {
        QTemporaryDir tmp;
        const fs::path root = tmp.path().toStdString();
        int n = 0;
        auto fresh = [&](const std::string& from) {
            const fs::path dir = root / ("case" + std::to_string(n++));
            fixtures::copyModel("families_gemma3/" + from, dir);
            return dir;
        };
        auto load = [](const fs::path& d) { return [d] { llmap::CausalLM::load(d.string()); }; };
        fs::path d = fresh("gemma3_wrapper_untied");
        editConfig(d, [](auto& c) { c.erase("text_config"); });
        expectOneLine(load(d), "config.json", "(model_type gemma3) has no text_config object");
        d = fresh("gemma3_wrapper_untied");
        editHeader(d / "model.safetensors", [](auto& h) {
            h["language_model.model.layers.2.self_attn.q_norm.weight"]["shape"] = {1, 8};
        });
        expectOneLine(load(d), "model.safetensors",
                      "weight \"language_model.model.layers.2.self_attn.q_norm.weight\" has shape");
        d = fresh("gemma3_text_layer_types_softcap_untied");
        editConfig(d, [](auto& c) { c["layer_types"][1] = "chunked_attention"; });
        expectOneLine(load(d), "config.json", "layer_types entry 1 is \"chunked_attention\"");
        d = fresh("gemma3_text_alternating_linear");
        editConfig(d, [](auto& c) { c["use_bidirectional_attention"] = true; });
        expectOneLine(load(d), "config.json", "a Gemma-3 embedding model");
        d = fresh("gemma3_text_alternating_linear");
        editConfig(d, [](auto& c) { c["sliding_window"] = nullptr; });
        expectOneLine(load(d), "config.json", "sliding_window must be a positive number");
    }
};

QTEST_GUILESS_MAIN(FamiliesBTest)
#include "tst_families_b.moc"

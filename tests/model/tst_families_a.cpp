// What is specific to the families gptj, gpt_neo, opt, bloom, falcon, mpt, gpt_bigcode and
// starcoder2 (tests/oracle/model/generate_families_a.py): older config spellings, bad input per
// family, and llmap-cli score on one of them. tst_families compares every fixture's scores with
// transformers.
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "../common/cli_runner.h"
#include "engine_checks.h"
#include "fixture_files.h"
#include "model/causal_lm.h"
#include "store/project.h"
#include "text/text_loaders.h"
#include "text/text_set.h"
#include "util/error.h"

namespace fs = std::filesystem;

namespace {

nlohmann::json oracle() {
    return nlohmann::json::parse(fixtures::readBytes(fixtures::modelDir("oracle_families_a.json")));
}

using engine_checks::batch;
using engine_checks::close;
using engine_checks::idsOf;
using engine_checks::sums;

// The first fixture of each family.
std::map<std::string, nlohmann::json> firstPerFamily(const nlohmann::json& o) {
    std::map<std::string, nlohmann::json> first;
    for (const auto& m : o["models"]) first.emplace(m["model_type"].get<std::string>(), m);
    return first;
}

}  // namespace

class FamiliesATest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void everyFamilyHasFixtures() {
        const auto first = firstPerFamily(oracle());
        for (const char* family :
             {"gptj", "gpt_neo", "opt", "bloom", "falcon", "mpt", "gpt_bigcode", "starcoder2"}) {
            QVERIFY2(first.count(family), family);
        }
    }

    void fp32WeightsWrappedInPlace() {
        // Each model is read as its family, its fp32 weights used where they were mapped.
        // (tst_families compares these models' scores with transformers.)
        for (const auto& model : oracle()["models"]) {
            const auto lm = llmap::CausalLM::load(fixtures::modelDir(model["name"]));
            QCOMPARE(lm->spec().family, model["model_type"].get<std::string>());
            QCOMPARE(lm->copiedBytes(), int64_t(0));
        }
    }

    void olderSpellings() {
        // The same weights under the names and config keys of older checkpoints give the oracle's
        // numbers: OPT saved as the bare model ("decoder."), Falcon-RW's RefinedWeb config,
        // BLOOM's "n_embed".
        QTemporaryDir tmp;
        const fs::path root = tmp.path().toStdString();
        const auto o = oracle();
        auto check = [&](const std::string& name, const fs::path& dir) {
            nlohmann::json model;
            for (const auto& m : o["models"])
                if (m["name"] == name) model = m;
            const auto lm = llmap::CausalLM::load(dir.string());
            const auto full = sums(*lm, idsOf(model, "ids_full"));
            for (size_t i = 0; i < full.size(); ++i) {
                QVERIFY2(close(full[i], model["texts"][i]["ll_full"].get<double>()),
                         qPrintable(QString("%1 text %2").arg(name.c_str()).arg(i)));
            }
        };

        const fs::path opt = root / "opt";
        fixtures::copyModel("families_a/opt_pre_norm", opt);
        const fs::path file = opt / "model.safetensors";
        auto [header, data] = fixtures::splitSafetensors(fixtures::readBytes(file));
        nlohmann::json renamed;
        const auto original = nlohmann::json::parse(header);
        for (const auto& [key, value] : original.items()) {
            const std::string prefix = "model.";
            renamed[key.rfind(prefix, 0) == 0 ? key.substr(prefix.size()) : key] = value;
        }
        QVERIFY(renamed.contains("decoder.embed_positions.weight"));
        fixtures::writeBytes(file, fixtures::safetensorsBytes(renamed.dump(), data));
        check("families_a/opt_pre_norm", opt);

        const fs::path rw = root / "rw";
        fixtures::copyModel("families_a/falcon_alibi_rw", rw);
        fixtures::editConfig(rw, [](nlohmann::json& c) {
            c["model_type"] = "RefinedWebModel";
            c["architectures"] = {"RWForCausalLM"};
            c["n_head"] = c["num_attention_heads"];
            c["n_layer"] = c["num_hidden_layers"];
            c.erase("num_attention_heads");
            c.erase("num_hidden_layers");
            c.erase("num_kv_heads");
        });
        check("families_a/falcon_alibi_rw", rw);

        const fs::path rw40 = root / "rw40";
        fixtures::copyModel("families_a/falcon_new_gqa_2ln", rw40);
        fixtures::editConfig(rw40, [](nlohmann::json& c) {
            c["model_type"] = "RefinedWeb";
            c["architectures"] = {"RWForCausalLM"};
            c["n_head_kv"] = c["num_kv_heads"];
            c.erase("num_kv_heads");
            c.erase("new_decoder_architecture");
            c.erase("num_ln_in_parallel_attn");
        });
        check("families_a/falcon_new_gqa_2ln", rw40);

        const fs::path bloom = root / "bloom";
        fixtures::copyModel("families_a/bloom_4heads", bloom);
        fixtures::editConfig(bloom, [](nlohmann::json& c) {
            c["n_embed"] = c["hidden_size"];
            c.erase("hidden_size");
        });
        check("families_a/bloom_4heads", bloom);
    }

    void badInput() {
        QTemporaryDir tmp;
        const fs::path root = tmp.path().toStdString();
        const auto first = firstPerFamily(oracle());
        int n = 0;
        auto fresh = [&](const std::string& family) {
            const fs::path dir = root / ("case" + std::to_string(n++));
            fixtures::copyModel(first.at(family)["name"], dir);
            return dir;
        };
        auto load = [](const fs::path& d) { return [d] { llmap::CausalLM::load(d.string()); }; };

        // A required key missing from config.json: family, key removed, expected message.
        const std::vector<std::array<std::string, 3>> missing = {
            {"gptj", "n_head", "config has no \"num_attention_heads\""},
            {"gpt_neo", "num_heads", "config has no \"num_heads\""},
            {"gpt_neo", "attention_layers", "config has no \"attention_layers\""},
            {"opt", "ffn_dim", "config has no \"ffn_dim\""},
            {"bloom", "n_layer", "config has no \"num_hidden_layers\""},
            {"falcon", "hidden_size", "config has no \"hidden_size\""},
            {"mpt", "d_model", "config has no \"d_model\""},
            {"gpt_bigcode", "n_embd", "config has no \"hidden_size\""},
            {"starcoder2", "vocab_size", "config has no \"vocab_size\""},
        };
        for (const auto& [family, key, needle] : missing) {
            const fs::path d = fresh(family);
            fixtures::editConfig(d, [&, k = key](nlohmann::json& c) {
                c.erase(k);
                if (k == "attention_layers") c.erase("attention_types");
            });
            fixtures::expectOneLine(load(d), "config.json", needle);
        }

        // A weight of the wrong shape (same bytes): family, tensor, new shape.
        struct Reshape {
            std::string family, tensor;
            std::vector<int64_t> shape;
        };
        const std::vector<Reshape> reshapes = {
            {"gptj", "lm_head.bias", {2, 160}},
            {"gpt_neo", "transformer.h.1.attn.attention.q_proj.weight", {16, 64}},
            {"opt", "model.decoder.embed_positions.weight", {65, 64}},
            {"bloom", "transformer.word_embeddings_layernorm.weight", {2, 16}},
            {"falcon", "transformer.h.0.self_attention.query_key_value.weight", {32, 64}},
            {"mpt", "transformer.blocks.1.attn.Wqkv.weight", {48, 64}},
            {"gpt_bigcode", "transformer.h.0.attn.c_attn.weight", {16, 96}},
            {"starcoder2", "model.layers.0.self_attn.k_proj.weight", {8, 64}},
        };
        for (const auto& r : reshapes) {
            const fs::path d = fresh(r.family);
            const fs::path file = d / "model.safetensors";
            auto [header, data] = fixtures::splitSafetensors(fixtures::readBytes(file));
            auto h = nlohmann::json::parse(header);
            QVERIFY2(h.contains(r.tensor), r.tensor.c_str());
            int64_t before = 1, after = 1;
            for (int64_t x : h[r.tensor]["shape"].get<std::vector<int64_t>>()) before *= x;
            for (int64_t x : r.shape) after *= x;
            QCOMPARE(after, before);
            h[r.tensor]["shape"] = r.shape;
            fixtures::writeBytes(file, fixtures::safetensorsBytes(h.dump(), data));
            fixtures::expectOneLine(load(d), "model.safetensors",
                                    "weight \"" + r.tensor + "\" has shape");
        }

        // Variants transformers does not implement are refused, not run differently.
        fs::path d = fresh("mpt");
        fixtures::editConfig(d, [](nlohmann::json& c) { c["no_bias"] = false; });
        fixtures::expectOneLine(load(d), "config.json", "MPT with biases (no_bias=false)");
        d = fresh("falcon");
        fixtures::editConfig(d, [](nlohmann::json& c) {
            c["new_decoder_architecture"] = true;
            c["num_ln_in_parallel_attn"] = 1;
            c["parallel_attn"] = false;
        });
        fixtures::expectOneLine(load(d), "config.json", "needs parallel_attn=true");
        d = fresh("gpt_neo");
        fixtures::editConfig(d, [](nlohmann::json& c) {
            c["attention_layers"] = {"global", "sparse"};
        });
        fixtures::expectOneLine(load(d), "config.json", "attention kind \"sparse\" is not known");

        // Learned positions end at the context (OPT's start at row 2).
        const auto lm = llmap::CausalLM::load(fixtures::modelDir(first.at("opt")["name"]));
        auto [ids, mask] = batch({std::vector<int64_t>(129, 5)});
        fixtures::expectInputError(
            [&lm, ids = ids, mask = mask] { lm->nextTokenLogProbs(ids, mask); },
            "129 tokens exceed the context of 128");
    }

    void cliScore() {
        // llmap-cli score end to end on an ALiBi fixture, against the oracle.
        QTemporaryDir dir;
        const auto o = oracle();
        llmap::TextSet set;
        for (const auto& t : o["texts"]) {
            set.ids.push_back("t" + std::to_string(set.ids.size()));
            set.texts.push_back(t.get<std::string>());
            set.sources.push_back("oracle");
        }
        const QString texts = dir.filePath("texts.jsonl");
        llmap::writeTextsJsonl(set, texts.toStdString());
        const QString project = dir.filePath("p.h5");
        const std::string name = "families_a/falcon_alibi_rw";
        const auto r =
            llmap::test::runCli({"score", "--project", project, "--texts", texts, "--model",
                                 QString::fromStdString(fixtures::modelDir(name)), "--device",
                                 "cpu", "--convention", "paper"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const auto p = llmap::Project::open(project.toStdString());
        const auto row = p.findModel("falcon_alibi_rw");
        QVERIFY(row.has_value());
        const auto values = p.scoreRow(*row);
        nlohmann::json entry;
        for (const auto& m : o["models"])
            if (m["name"] == name) entry = m;
        QCOMPARE(values.size(), entry["texts"].size());
        for (size_t i = 0; i < values.size(); ++i) {
            const double want = entry["texts"][i]["ll_paper"];
            QVERIFY2(close(values[i], want),
                     qPrintable(QString("text %1: %2 vs %3").arg(i).arg(values[i]).arg(want)));
        }
    }
};

QTEST_GUILESS_MAIN(FamiliesATest)
#include "tst_families_a.moc"

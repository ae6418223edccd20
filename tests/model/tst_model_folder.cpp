// Model folders without torch: metadata of every fixture (checked against transformers' own
// parameter counts), model cards, every kind of broken folder, a seeded fuzz of the safetensors
// header parser, and `llmap-cli info --model/--support`.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "fixture_files.h"
#include "model/json_skim.h"
#include "model/model_card.h"
#include "model/model_info.h"
#include "model/safetensors.h"
#include "util/error.h"

namespace fs = std::filesystem;
using fixtures::expectInputError;
using fixtures::oracle;

namespace {

struct CliResult {
    int exitCode;
    QString out, err;
};

CliResult runCli(const QStringList& args) {
    QProcess p;
    p.start(QString::fromUtf8(LLMAP_CLI_PATH), args);
    p.waitForFinished(60000);
    return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

}  // namespace

class ModelFolderTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void infoOfEveryFixture() {
        const auto o = oracle();
        QVERIFY(o["models"].size() >= 13);
        std::set<std::string> hashes;
        for (const auto& m : o["models"]) {
            const std::string name = m["name"];
            const llmap::ModelInfo info = llmap::readModelInfo(fixtures::modelDir(name));
            QCOMPARE(info.modelType, m["model_type"].get<std::string>());
            // transformers counted these parameters from the live model (shared ones once).
            QCOMPARE(info.parameters, m["parameters"].get<int64_t>());
            QCOMPARE(info.vocabSize, m["vocab_size"].get<int64_t>());
            QCOMPARE(info.addsBos, m["adds_bos"].get<bool>());
            QCOMPARE(info.tokenizerKind, std::string("BPE"));
            QCOMPARE(info.configHash.size(), size_t(64));
            hashes.insert(info.configHash);
            QVERIFY(info.layers >= 2 && info.heads >= 4 && info.kvHeads >= 2);
            if (name.find("sharded") != std::string::npos) {
                QCOMPARE(info.weightFiles, 7);
                QVERIFY(info.license.empty());  // no model card in that folder
            } else {
                QCOMPARE(info.weightFiles, 1);
                QCOMPARE(info.license, std::string("apache-2.0"));
                QCOMPARE(info.language, (std::vector<std::string>{"en", "de"}));
                QCOMPARE(info.tags, (std::vector<std::string>{"test", "tiny", info.modelType}));
                QCOMPARE(info.pipelineTag, std::string("text-generation"));
                QCOMPARE(info.baseModel, (std::vector<std::string>{"llmap/" + name}));
            }
            const auto json = nlohmann::json::parse(info.toJson());
            QCOMPARE(json["parameters"].get<int64_t>(), info.parameters);
            QCOMPARE(json["model_type"].get<std::string>(), info.modelType);
        }
        QCOMPARE(hashes.size(), o["models"].size());
    }

    void modelCardForms() {
        const auto card = llmap::parseModelCard(
            "---\n"
            "license: \"mit\"\n"
            "base_model:\n"
            "  - org/a\n"
            "  - 'org/b'\n"
            "language: [en, 'fr']\n"
            "model-index:\n"
            "  - name: x\n"
            "    results: []\n"
            "tags:\n"
            "- code\n"
            "pipeline_tag: text-generation\n"
            "---\n# Title\nlicense: not-this\n");
        QCOMPARE(card.license, std::string("mit"));
        QCOMPARE(card.baseModel, (std::vector<std::string>{"org/a", "org/b"}));
        QCOMPARE(card.language, (std::vector<std::string>{"en", "fr"}));
        QCOMPARE(card.tags, (std::vector<std::string>{"code"}));
        QCOMPARE(card.pipelineTag, std::string("text-generation"));
        QVERIFY(llmap::parseModelCard("# No front matter\nlicense: mit\n").license.empty());
        QVERIFY(llmap::parseModelCard("").tags.empty());
    }

    void jsonSkim() {
        // {"a": "x\"}", "b" : [1, {"c": "]\\"}], "d":true, "e": -1.5e3}
        const std::string text =
            " {\"a\": \"x\\\"}\", \"b\" : [1, {\"c\": \"]\\\\\"}], \"d\":true, \"e\": -1.5e3}";
        const auto m = llmap::skimObject(text, "t");
        QCOMPARE(m.size(), size_t(4));
        // Each raw value parses to what a full parse of the document gives.
        const auto full = nlohmann::json::parse(text);
        for (const auto& [key, raw] : m) QCOMPARE(nlohmann::json::parse(raw), full[key]);
        expectInputError([] { llmap::skimObject("{\"a\": [1, 2}", "t"); }, "not valid JSON");
        expectInputError([] { llmap::skimObject("{\"a\": \"open", "t"); }, "unterminated string");
        expectInputError([] { llmap::skimObject("[1]", "t"); }, "expected '{'");
    }

    void supportedTypes() {
        const auto types = llmap::supportedModelTypes();
        QVERIFY(std::is_sorted(types.begin(), types.end()));
        for (const char* t :
             {"bloom",  "deepseek_v2", "deepseek_v3", "glm4_moe",  "falcon",   "gemma",
              "gemma2", "gpt2",        "gpt_bigcode", "gpt_neo",   "gpt_neox", "gptj",
              "llama",  "mistral",     "mixtral",     "mpt",       "olmo",     "olmo2",
              "olmoe",  "opt",         "phi",         "phi3",      "qwen2",    "qwen2_moe",
              "qwen3",  "qwen3_moe",   "stablelm",    "starcoder2"}) {
            QVERIFY2(std::count(types.begin(), types.end(), t) == 1, t);
        }
        for (const char* t : {"ernie4_5", "exaone4", "hunyuan_v1_dense", "lfm2", "lfm2_moe",
                              "olmo3", "seed_oss", "smollm3", "llama4_text", "llama4", "ministral3",
                              "ernie4_5_moe", "falcon_h1", "granitemoehybrid", "gpt_oss"}) {
            QVERIFY2(std::count(types.begin(), types.end(), t) == 1, t);
        }
    }

    void brokenFolders() {
        QTemporaryDir tmp;
        const fs::path root = tmp.path().toStdString();
        int n = 0;
        auto fresh = [&](const std::string& from = "llama_mha_untied") {
            const fs::path dir = root / ("case" + std::to_string(n++));
            fixtures::copyModel(from, dir);
            return dir;
        };
        auto info = [](const fs::path& d) { return [d] { llmap::readModelInfo(d.string()); }; };
        auto editConfig = [](const fs::path& d, const std::function<void(nlohmann::json&)>& edit) {
            auto c = nlohmann::json::parse(fixtures::readBytes(d / "config.json"));
            edit(c);
            fixtures::writeBytes(d / "config.json", c.dump());
        };

        expectInputError(info(root / "does-not-exist"), "not a folder");

        fs::path d = fresh();
        fs::remove(d / "config.json");
        expectInputError(info(d), "config.json is missing");

        d = fresh();
        fixtures::writeBytes(d / "config.json", "{\"model_type\": \"llama\",");
        expectInputError(info(d), "not valid JSON");

        d = fresh();
        fs::remove(d / "model.safetensors");
        expectInputError(info(d), "no weights found");

        d = fresh();
        fs::rename(d / "model.safetensors", d / "pytorch_model.bin");
        expectInputError(info(d), "loading a pickle can run arbitrary code");

        d = fresh();
        fs::remove(d / "tokenizer.json");
        expectInputError(info(d), "no tokenizer");

        // Truncated inside the data, then inside the header, then inside the 8-byte prefix.
        const std::string good = fixtures::readBytes(d / "model.safetensors");
        d = fresh();
        fixtures::writeBytes(d / "model.safetensors", good.substr(0, good.size() - 100));
        expectInputError(info(d), "lie outside the file");
        d = fresh();
        fixtures::writeBytes(d / "model.safetensors", good.substr(0, 200));
        expectInputError(info(d), "does not fit");
        d = fresh();
        fixtures::writeBytes(d / "model.safetensors", good.substr(0, 5));
        expectInputError(info(d), "shorter than the 8-byte");

        const std::string data16(16, '\0');
        d = fresh();
        fixtures::writeBytes(
            d / "model.safetensors",
            fixtures::safetensorsBytes(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})",
                                       data16));
        expectInputError(info(d), "lie outside the file");
        d = fresh();
        fixtures::writeBytes(
            d / "model.safetensors",
            fixtures::safetensorsBytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                       R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                                       data16));
        expectInputError(info(d), "overlap");
        d = fresh();
        fixtures::writeBytes(
            d / "model.safetensors",
            fixtures::safetensorsBytes(R"({"a":{"dtype":"F4","shape":[2],"data_offsets":[0,1]}})",
                                       data16));
        expectInputError(info(d), "unknown dtype \"F4\"");
        d = fresh();
        fixtures::writeBytes(
            d / "model.safetensors",
            fixtures::safetensorsBytes(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})",
                                       data16));
        expectInputError(info(d), "need 12");
        d = fresh();
        fixtures::writeBytes(
            d / "model.safetensors",
            fixtures::safetensorsBytes(
                R"({"a":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}})", data16));
        expectInputError(info(d), "not a non-negative integer");

        d = fresh("llama_mha_untied_sharded");
        fs::remove(d / "model-00003-of-00007.safetensors");
        expectInputError(
            info(d), "shard \"model-00003-of-00007.safetensors\" named by the index is missing");

        d = fresh("llama_mha_untied_sharded");
        {
            const fs::path indexPath = d / "model.safetensors.index.json";
            auto index = nlohmann::json::parse(fixtures::readBytes(indexPath));
            // model.norm.weight lives in the last shard; claim it is in the first.
            index["weight_map"]["model.norm.weight"] = "model-00001-of-00007.safetensors";
            fixtures::writeBytes(indexPath, index.dump());
        }
        expectInputError(info(d), "the index puts tensor \"model.norm.weight\" in");

        d = fresh();
        editConfig(d, [](auto& c) { c["num_hidden_layers"] = 0; });
        expectInputError(info(d), "num_hidden_layers 0");
        d = fresh();
        editConfig(d, [](auto& c) {
            c["num_attention_heads"] = 7;
            c["num_key_value_heads"] = 7;
            c.erase("head_dim");
        });
        expectInputError(info(d), "7 heads do not divide hidden_size 48");
        d = fresh();
        editConfig(d, [](auto& c) { c["num_key_value_heads"] = 3; });
        expectInputError(info(d), "num_key_value_heads 3 does not divide");
        d = fresh();
        editConfig(d, [](auto& c) { c["hidden_size"] = "big"; });
        expectInputError(info(d), "\"hidden_size\" is not an integer");
        d = fresh();
        editConfig(d, [](auto& c) {
            c["rope_parameters"] = {{"rope_type", "yarn"}, {"rope_theta", 1e4}};
        });
        expectInputError(info(d),
                         "yarn rope needs a positive factor and original_max_position_embeddings");
        d = fresh();
        editConfig(d, [](auto& c) {
            c["rope_parameters"] = {{"rope_type", "dynamic"}, {"rope_theta", 1e4}};
        });
        expectInputError(info(d), "rope type \"dynamic\" is not supported");
        d = fresh();
        editConfig(d, [](auto& c) {
            c["model_type"] = "bert";
            c["architectures"] = {"BertModel"};
        });
        std::string list;
        for (const auto& t : llmap::supportedModelTypes()) list += (list.empty() ? "" : ", ") + t;
        expectInputError(info(d), "supported model_types: " + list);
        // An unknown type names the supported ones closest to it.
        const std::pair<const char*, const char*> near[] = {
            {"qwen3_vl", "\"qwen3_vl\" is not supported; the closest supported: qwen3, qwen3_5"},
            {"gemma5", "the closest supported: gemma, gemma2, gemma3"},
            {"olmo4", "the closest supported: olmo, olmo2, olmo3"},
            {"llava_onevision", "the closest supported: llava"},
        };
        for (const auto& [type, said] : near) {
            d = fresh();
            editConfig(d, [type = std::string(type)](auto& c) {
                c["model_type"] = type;
                c["architectures"] = {"SomethingElse"};
            });
            expectInputError(info(d), said);
        }
        d = fresh();
        editConfig(d, [](auto& c) {
            c["model_type"] = "mamba";
            c["architectures"] = {"MambaForCausalLM"};
        });
        try {
            info(d)();
            QFAIL("mamba was accepted");
        } catch (const llmap::InputError& e) {
            QVERIFY2(e.message().find("closest") == std::string::npos, e.message().c_str());
        }
    }

    void headerParserFuzz() {
        // Mutations of a real header: byte flips, digit and bracket insertions, cuts. Every
        // outcome must be a parsed header that keeps the invariants or an InputError.
        const std::string file =
            fixtures::readBytes(fixtures::modelDir("gpt2_small") + "/model.safetensors");
        const auto [header, data] = fixtures::splitSafetensors(file);
        std::mt19937_64 rng(20250216);
        const std::string alphabet = "0123456789[]{}\",:-.eE FBIU";
        int parsed = 0, rejected = 0;
        for (int iteration = 0; iteration < 4000; ++iteration) {
            std::string h = header;
            const int edits = 1 + static_cast<int>(rng() % 4);
            for (int e = 0; e < edits && !h.empty(); ++e) {
                const size_t pos = rng() % h.size();
                switch (rng() % 4) {
                    case 0:
                        h[pos] = static_cast<char>(rng() % 256);
                        break;
                    case 1:
                        h.insert(pos, 1, alphabet[rng() % alphabet.size()]);
                        break;
                    case 2:
                        h.erase(pos, 1 + rng() % 8);
                        break;
                    default:
                        h[pos] = alphabet[rng() % alphabet.size()];
                        break;
                }
            }
            const uint64_t declared = rng() % 16 == 0 ? rng() : h.size();
            const uint64_t fileSize =
                8 + h.size() + data.size() - (rng() % 3 == 0 ? rng() % 64 : 0);
            try {
                const auto result = llmap::parseSafetensorsHeader(
                    declared == h.size() ? std::string_view(h) : std::string_view(h).substr(0, 0),
                    declared, fileSize, "fuzz");
                ++parsed;
                std::vector<std::pair<uint64_t, uint64_t>> ranges;
                for (const auto& [name, t] : result.tensors) {
                    QVERIFY(t.begin <= t.end && t.end <= result.dataSize);
                    QCOMPARE(t.end - t.begin,
                             static_cast<uint64_t>(t.elements()) * llmap::stDtypeSize(t.dtype));
                    if (t.end > t.begin) ranges.emplace_back(t.begin, t.end);
                }
                std::sort(ranges.begin(), ranges.end());
                for (size_t i = 1; i < ranges.size(); ++i)
                    QVERIFY(ranges[i].first >= ranges[i - 1].second);
            } catch (const llmap::InputError&) {
                ++rejected;
            }
        }
        qInfo("fuzz: %d parsed, %d rejected", parsed, rejected);
        QVERIFY(parsed > 0 && rejected > 0);
    }

    void cliInfo() {
        const auto reference = oracle();  // a range-for over oracle()["models"] would dangle
        for (const auto& m : reference["models"]) {
            const std::string name = m["name"];
            const auto r =
                runCli({"info", "--model", QString::fromStdString(fixtures::modelDir(name))});
            QVERIFY2(r.exitCode == 0, qPrintable(r.err));
            QVERIFY(
                r.out.contains(QString("parameters    %1\n").arg(m["parameters"].get<qint64>())));
        }
        const auto ok =
            runCli({"info", "--model",
                    QString::fromStdString(fixtures::modelDir("qwen3_gqa_headdim12_tied"))});
        QCOMPARE(ok.exitCode, 0);
        QVERIFY(ok.out.contains("model_type    qwen3"));
        QVERIFY(ok.out.contains("heads         4 (kv 2)"));
        const auto json = runCli({"info", "--json", "--model",
                                  QString::fromStdString(fixtures::modelDir("gpt2_small"))});
        QCOMPARE(json.exitCode, 0);
        const auto j = nlohmann::json::parse(json.out.toStdString());
        QCOMPARE(j["model_type"].get<std::string>(), std::string("gpt2"));
        QCOMPARE(j["tokenizer"].get<std::string>(), std::string("BPE"));

        QTemporaryDir tmp;
        const fs::path d = fs::path(tmp.path().toStdString()) / "broken";
        fixtures::copyModel("gpt2_small", d);
        fs::remove(d / "config.json");
        const auto bad = runCli({"info", "--model", QString::fromStdString(d.string())});
        QCOMPARE(bad.exitCode, 2);
        QVERIFY(bad.err.contains("config.json is missing"));
        QCOMPARE(bad.err.count('\n'), 1);

        const auto support = runCli({"info", "--support"});
        QCOMPARE(support.exitCode, 0);
        for (const char* row : {"llama                      587  yes", "gpt2", "qwen3",
                                "rwkv                         3  no"}) {
            QVERIFY2(support.out.contains(row), row);
        }
        QVERIFY(support.out.contains("coverage: "));
    }
};

QTEST_GUILESS_MAIN(ModelFolderTest)
#include "tst_model_folder.moc"

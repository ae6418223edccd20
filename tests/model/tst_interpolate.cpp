// llmap-cli interpolate and core/model/interpolate against torch (tests/oracle/model/
// generate_interpolation.py): every written tensor has the bytes of torch's
// ((1 - alpha) * A.float() + alpha * B.float()).to(dtype) for float32, bfloat16 and float16 pairs
// (and a sharded A), the written folders load in the engine and score as transformers scores the
// reference model, the bf16/fp16 conversions round as torch's, and every refusal exits with 2,
// names the file or tensor, and writes nothing.
#include <QTemporaryDir>
#include <QtTest>

#include <cstring>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>

#include "cli_runner.h"
#include "engine_checks.h"
#include "fixture_files.h"
#include "model/causal_lm.h"
#include "model/half_float.h"
#include "model/interpolate.h"
#include "model/safetensors.h"
#include "model/weight_files.h"
#include "util/error.h"
#include "util/sha256.h"

namespace fs = std::filesystem;
using fixtures::expectInputError;
using fixtures::modelDir;
using fixtures::readBytes;
using fixtures::writeBytes;

namespace {

nlohmann::json interpolationOracle() {
    return nlohmann::json::parse(readBytes(modelDir("oracle_interpolation.json")));
}

// Every tensor of the folder's weights (one file or shards) against the oracle's dtype, shape
// and SHA-256.
void compareTensors(const fs::path& folder, const nlohmann::json& want) {
    const llmap::WeightFiles w = llmap::openWeightFiles(folder.string());
    QCOMPARE(w.tensorToFile.size(), want.size());
    std::vector<std::string> bytes;
    for (size_t i = 0; i < w.files.size(); ++i) {
        bytes.push_back(readBytes(w.files[i]));
        QCOMPARE(w.headers[i].metadata.at("format"), std::string("pt"));
    }
    const std::map<std::string, std::string> dtypes = {
        {"float32", "F32"}, {"bfloat16", "BF16"}, {"float16", "F16"}};
    for (const auto& [name, t] : want.items()) {
        const llmap::TensorEntry* e = w.find(name);
        QVERIFY2(e, name.c_str());
        QCOMPARE(std::string(llmap::stDtypeName(e->dtype)), dtypes.at(t["dtype"]));
        QCOMPARE(e->shape, t["shape"].get<std::vector<int64_t>>());
        const size_t file = w.tensorToFile.at(name);
        const std::string_view data(bytes[file].data() + w.headers[file].dataOffset + e->begin,
                                    e->end - e->begin);
        QVERIFY2(llmap::sha256Hex(data) == t["sha256"].get<std::string>(),
                 ("tensor bytes differ from torch's: " + name).c_str());
    }
}

// Edits the JSON header of a safetensors file in place (same length, padded with spaces).
void editHeader(const fs::path& file, const std::function<void(nlohmann::json&)>& edit) {
    std::string bytes = readBytes(file);
    auto [header, data] = fixtures::splitSafetensors(bytes);
    auto json = nlohmann::json::parse(header);
    edit(json);
    std::string text = json.dump();
    QVERIFY(text.size() <= header.size());
    text.resize(header.size(), ' ');
    writeBytes(file, fixtures::safetensorsBytes(text, data));
}

std::vector<std::string> listing(const fs::path& dir) {
    std::vector<std::string> names;
    if (!fs::exists(dir)) return names;
    for (const auto& e : fs::recursive_directory_iterator(dir)) names.push_back(e.path().string());
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace

class InterpolateTest : public QObject {
    Q_OBJECT
private:
    QTemporaryDir dir_;
    fs::path root_;

    fs::path copyOf(const std::string& fixture, const std::string& name) {
        const fs::path d = root_ / name;
        if (!fs::exists(d)) fixtures::copyModel(fixture, d);
        return d;
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        root_ = dir_.path().toStdString();
    }

    void conversionsRoundAsTorch() {
        // Every bf16 and fp16 value widens as torch widens it ...
        for (uint32_t h = 0; h < 65536; ++h) {
            const auto bits = static_cast<uint16_t>(h);
            const float bf = llmap::bf16ToFloat(bits), f16 = llmap::f16ToFloat(bits);
            at::Tensor tb = at::empty({1}, at::kBFloat16), th = at::empty({1}, at::kHalf);
            std::memcpy(tb.data_ptr(), &bits, 2);
            std::memcpy(th.data_ptr(), &bits, 2);
            const float wantB = tb.to(at::kFloat).item<float>(),
                        wantH = th.to(at::kFloat).item<float>();
            QVERIFY((std::isnan(bf) && std::isnan(wantB)) ||
                    llmap::floatBits(bf) == llmap::floatBits(wantB));
            QVERIFY((std::isnan(f16) && std::isnan(wantH)) ||
                    llmap::floatBits(f16) == llmap::floatBits(wantH));
        }
        // ... and random floats (of every exponent, ties, specials) narrow to torch's bits.
        std::mt19937 rng(7);
        std::vector<float> values = {0.f,
                                     -0.f,
                                     65504.f,
                                     65520.f,
                                     1e-8f,
                                     6e-8f,
                                     3e-8f,
                                     std::numeric_limits<float>::infinity(),
                                     -std::numeric_limits<float>::infinity(),
                                     std::numeric_limits<float>::quiet_NaN(),
                                     std::numeric_limits<float>::max(),
                                     std::numeric_limits<float>::denorm_min()};
        for (int i = 0; i < 200000; ++i) {
            uint32_t u = rng();
            if (i % 4 == 0) u &= 0xffff8000u | 0x00008000u;       // bf16 ties
            if (i % 4 == 1) u = (u & 0x8fffffffu) | 0x30000000u;  // around the fp16 range
            values.push_back(llmap::bitsFloat(u));
        }
        const at::Tensor x =
            at::from_blob(values.data(), {static_cast<int64_t>(values.size())}, at::kFloat);
        const at::Tensor b = x.to(at::kBFloat16).contiguous(), h = x.to(at::kHalf).contiguous();
        const auto* pb = static_cast<const uint16_t*>(b.data_ptr());
        const auto* ph = static_cast<const uint16_t*>(h.data_ptr());
        for (size_t i = 0; i < values.size(); ++i) {
            const uint16_t gotB = llmap::floatToBf16(values[i]),
                           gotH = llmap::floatToF16(values[i]);
            const bool nan = std::isnan(values[i]);
            QVERIFY2(
                gotB == pb[i] || (nan && (gotB & 0x7fff) > 0x7f80),
                qPrintable(QString("bf16 of %1: %2 vs %3").arg(values[i]).arg(gotB).arg(pb[i])));
            QVERIFY2(
                gotH == ph[i] || (nan && (gotH & 0x7fff) > 0x7c00),
                qPrintable(QString("fp16 of %1: %2 vs %3").arg(values[i]).arg(gotH).arg(ph[i])));
        }
    }

    void alphas() {
        QCOMPARE(llmap::parseAlphas("0.25,0.5, 0.75", "--alpha"),
                 (std::vector<double>{0.25, 0.5, 0.75}));
        QCOMPARE(llmap::parseAlphas("0,1", "--alpha"), (std::vector<double>{0, 1}));
        QCOMPARE(llmap::alphaLabel(0.25), std::string("0.25"));
        QCOMPARE(llmap::alphaLabel(1), std::string("1"));
        QCOMPARE(llmap::alphaLabel(0.1), std::string("0.1"));
        expectInputError([] { llmap::parseAlphas("0.5,abc", "--alpha"); },
                         "\"abc\" is not a number");
        expectInputError([] { llmap::parseAlphas("0.5,0.50", "--alpha"); }, "given twice");
        expectInputError([] { llmap::parseAlphas("1.5", "--alpha"); }, "outside [0, 1]");
        expectInputError([] { llmap::parseAlphas("-0.1", "--alpha"); }, "outside [0, 1]");
        expectInputError([] { llmap::parseAlphas("0.5,", "--alpha"); }, "empty value");
        expectInputError([] { llmap::parseAlphas("nan", "--alpha"); }, "not a number");
    }

    void matchesTorch_data() {
        QTest::addColumn<int>("pair");
        QTest::addColumn<int>("alphaIndex");
        QTest::addColumn<QString>("from");
        const auto o = interpolationOracle();
        for (size_t p = 0; p < o["pairs"].size(); ++p) {
            const auto& pair = o["pairs"][p];
            for (size_t c = 0; c < pair["cases"].size(); ++c) {
                const std::string a = pair["a"];
                const std::string label =
                    a + " alpha " + llmap::alphaLabel(pair["cases"][c]["alpha"].get<double>());
                QTest::newRow(label.c_str())
                    << static_cast<int>(p) << static_cast<int>(c) << QString::fromStdString(a);
                if (a == "llama_mha_untied") {  // the same model as shards
                    QTest::newRow((label + " sharded").c_str())
                        << static_cast<int>(p) << static_cast<int>(c)
                        << QString("llama_mha_untied_sharded");
                }
            }
        }
    }

    void matchesTorch() {
        QFETCH(int, pair);
        QFETCH(int, alphaIndex);
        QFETCH(QString, from);
        const auto p = interpolationOracle()["pairs"][static_cast<size_t>(pair)];
        const auto c = p["cases"][static_cast<size_t>(alphaIndex)];
        const double alpha = c["alpha"];
        const auto plan = llmap::planInterpolation(modelDir(from.toStdString()), modelDir(p["b"]));
        const fs::path out = root_ / "core" / llmap::interpolationFolderName(plan, alpha);
        fs::create_directories(out.parent_path());
        QVERIFY(out.filename().string().find("--alpha" + llmap::alphaLabel(alpha)) !=
                std::string::npos);
        // From the sharded copy, the output is written in shards of at most 100 kB.
        const bool shardOutput = from.endsWith("_sharded");
        llmap::writeInterpolation(plan, alpha, out.string(), false,
                                  shardOutput ? 100000 : llmap::kInterpolationShardBytes);
        QCOMPARE(fs::exists(out / "model.safetensors.index.json"), shardOutput);
        QCOMPARE(fs::exists(out / "model.safetensors"), !shardOutput);
        if (shardOutput) {
            int shards = 0;
            for (const auto& e : fs::directory_iterator(out)) {
                if (e.path().extension() != ".safetensors") continue;
                ++shards;
                QVERIFY(e.path().filename().string().rfind("model-0000", 0) == 0);
                QVERIFY(fs::file_size(e.path()) < 200000);
            }
            QVERIFY(shards >= 3);
        }
        compareTensors(out, c["tensors"]);
        QVERIFY(!fs::exists(out.parent_path() / ("." + out.filename().string() + ".partial")));

        // The folder loads in the engine and scores as transformers scores torch's weights.
        llmap::LoadOptions options;
        options.dtype = "float32";
        const auto lm = llmap::CausalLM::load(out.string(), options);
        std::vector<std::vector<int64_t>> seqs;
        for (const auto& t : c["texts"]) seqs.push_back(t["ids_full"].get<std::vector<int64_t>>());
        const auto got = engine_checks::sums(*lm, seqs);
        double worst = 0;
        for (size_t i = 0; i < got.size(); ++i) {
            const double want = c["texts"][i]["ll_full"];
            worst = std::max(worst, std::abs(got[i] - want));
            QVERIFY2(engine_checks::close(got[i], want), qPrintable(QString("text %1: %2 vs %3")
                                                                        .arg(i)
                                                                        .arg(got[i], 0, 'g', 10)
                                                                        .arg(want, 0, 'g', 10)));
        }
        qInfo("max |C++ - transformers| over texts: %.3g nats", worst);
    }

    void cliWritesEveryAlpha() {
        const auto o = interpolationOracle();
        const auto& p = o["pairs"][0];
        const fs::path out = root_ / "cli";
        const QStringList args = {"interpolate",
                                  "--from",
                                  QString::fromStdString(modelDir(p["a"])),
                                  "--to",
                                  QString::fromStdString(modelDir(p["b"])),
                                  "--alpha",
                                  "0.25,0.5",
                                  "--out",
                                  QString::fromStdString(out.string())};
        QElapsedTimer timer;
        timer.start();
        const auto run = llmap::test::runCli(args);
        QVERIFY2(run.code == 0, qPrintable(run.err));
        qInfo("llmap-cli interpolate, two alphas of llama_mha_untied: %lld ms", timer.elapsed());
        for (const auto& c : p["cases"]) {
            const double alpha = c["alpha"];
            const fs::path folder =
                out / ("llama_mha_untied--llama_mha_untied_b--alpha" + llmap::alphaLabel(alpha));
            QVERIFY2(run.out.contains(QString::fromStdString(folder.string())),
                     qPrintable(run.out));
            compareTensors(folder, c["tensors"]);
            for (const char* name : {"config.json", "generation_config.json", "tokenizer.json",
                                     "tokenizer_config.json"}) {
                QCOMPARE(readBytes(folder / name), readBytes(fs::path(modelDir(p["a"])) / name));
            }
            QVERIFY(!fs::exists(folder / "README.md"));  // A's model card would describe A
            const auto prov = nlohmann::json::parse(readBytes(folder / "llmap_interpolation.json"));
            QCOMPARE(prov["from"].get<std::string>(), fs::canonical(modelDir(p["a"])).string());
            QCOMPARE(prov["to"].get<std::string>(), fs::canonical(modelDir(p["b"])).string());
            QCOMPARE(prov["alpha"].get<double>(), alpha);
            QVERIFY(prov.contains("llmap_version"));
        }
        QCOMPARE(listing(out).size(), size_t(2 + 2 * 6));  // no temporary folder left

        // Again: the folders exist, so it refuses; --force replaces them.
        const auto again = llmap::test::runCli(args);
        QCOMPARE(again.code, 2);
        QVERIFY2(again.err.contains("exists already") && again.err.contains("--force"),
                 qPrintable(again.err));
        const auto forced = llmap::test::runCli(args + QStringList{"--force"});
        QVERIFY2(forced.code == 0, qPrintable(forced.err));
        compareTensors(out / "llama_mha_untied--llama_mha_untied_b--alpha0.5",
                       p["cases"][1]["tensors"]);
        QCOMPARE(listing(out).size(), size_t(2 + 2 * 6));
    }

    void refusals_data() {
        QTest::addColumn<QStringList>("args");  // {name} = a path in the scratch folder
        QTest::addColumn<QString>("mention");
        const QString A = QString::fromStdString(modelDir("llama_mha_untied"));
        const QString B = QString::fromStdString(modelDir("llama_mha_untied_b"));
        const QString bf16 = QString::fromStdString(modelDir("llama_tiny_bf16_a"));
        const QString fp16 = QString::fromStdString(modelDir("llama_tiny_fp16_b"));
        const QString gguf = QString(LLMAP_TEST_DATA) + "/gguf/gpt2_f16.gguf";
        auto row = [](const char* name, QStringList args, const char* mention) {
            if (!args.contains("--out"))
                args << "--out"
                     << "{out}";
            QTest::newRow(name) << (QStringList{"interpolate"} + args) << QString(mention);
        };
        const QStringList half = {"--alpha", "0.5"};
        row("same folder", QStringList{"--from", A, "--to", A + "/../llama_mha_untied/"} + half,
            "--from and --to are the same folder");
        row("identical weights",
            QStringList{"--from", A, "--to",
                        QString::fromStdString(modelDir("llama_mha_untied_sharded"))} +
                half,
            "identical weights");
        row("GGUF file", QStringList{"--from", gguf, "--to", B} + half, "--from is a GGUF file");
        row("folder of GGUF only", QStringList{"--from", A, "--to", "{gguf_only}"} + half,
            "--to holds only GGUF weights (gpt2_f16.gguf)");
        row("different model_type", QStringList{"--from", A, "--to", "{mistral}"} + half,
            "different architectures: model_type is \"llama\" in --from but \"mistral\" in --to");
        row("different shapes", QStringList{"--from", A, "--to", bf16} + half,
            "tensor \"lm_head.weight\" has shape [320, 48] in --from but [320, 16] in --to");
        row("different dtypes", QStringList{"--from", bf16, "--to", fp16} + half,
            "is stored as BF16 in --from but F16 in --to");
        row("tensor only in A", QStringList{"--from", A, "--to", "{renamed}"} + half,
            "tensor \"lm_head.weight\" is only in --from");
        row("tensor only in B", QStringList{"--from", "{renamed}", "--to", A} + half,
            "tensor \"lm_head.weight\" is only in --to");
        row("integer tensor differs", QStringList{"--from", "{int_a}", "--to", "{int_b}"} + half,
            "tensor \"model.norm.weight\" is stored as I32 and differs");
        row("alpha not a number", QStringList{"--from", A, "--to", B, "--alpha", "0.5,half"},
            "\"half\" is not a number");
        row("alpha twice", QStringList{"--from", A, "--to", B, "--alpha", "0.5,0.50"},
            "alpha 0.50 is given twice");
        row("alpha above 1", QStringList{"--from", A, "--to", B, "--alpha", "0.5,1.5"},
            "alpha 1.5 lies outside [0, 1]");
        row("alpha below 0", QStringList{"--from", A, "--to", B, "--alpha", "-0.25"},
            "alpha -0.25 lies outside [0, 1]");
        row("--out is a file",
            QStringList{"--from", A, "--to", B, "--alpha", "0.5", "--out", "{file}"},
            "--out exists and is not a folder");
        row("--out cannot be created",
            QStringList{"--from", A, "--to", B, "--alpha", "0.5", "--out", "{file}/sub"},
            "cannot create the --out folder");
        row("output folder exists",
            QStringList{"--from", A, "--to", B, "--alpha", "0.25,0.5", "--out", "{taken}"},
            "llama_mha_untied--llama_mha_untied_b--alpha0.5: the output folder exists already");
        row("--from missing", QStringList{"--to", B} + half, "the option --from is required");
        row("--to missing", QStringList{"--from", A} + half, "the option --to is required");
        row("--alpha missing", QStringList{"--from", A, "--to", B},
            "the option --alpha is required");
        row("no such folder", QStringList{"--from", "{nowhere}", "--to", B} + half,
            "--from does not exist");
    }

    void refusals() {
        QFETCH(QStringList, args);
        QFETCH(QString, mention);
        // Inputs, made once.
        const fs::path mistral = copyOf("llama_mha_untied_b", "mistral");
        auto config = nlohmann::json::parse(readBytes(mistral / "config.json"));
        config["model_type"] = "mistral";
        writeBytes(mistral / "config.json", config.dump());
        if (!fs::exists(root_ / "gguf_only")) {
            fs::create_directories(root_ / "gguf_only");
            fs::copy_file(fs::path(LLMAP_TEST_DATA) / "gguf" / "gpt2_f16.gguf",
                          root_ / "gguf_only" / "gpt2_f16.gguf");
        }
        if (!fs::exists(root_ / "renamed")) {
            editHeader(copyOf("llama_mha_untied_b", "renamed") / "model.safetensors",
                       [](nlohmann::json& h) {
                           h["zz_head.weight"] = h["lm_head.weight"];
                           h.erase("lm_head.weight");
                       });
        }
        for (const char* side : {"int_a", "int_b"}) {
            if (fs::exists(root_ / side)) continue;
            editHeader(
                copyOf(side == std::string("int_a") ? "llama_mha_untied" : "llama_mha_untied_b",
                       side) /
                    "model.safetensors",
                [](nlohmann::json& h) { h["model.norm.weight"]["dtype"] = "I32"; });
        }
        writeBytes(root_ / "file", "not a folder\n");
        fs::create_directories(root_ / "taken" / "llama_mha_untied--llama_mha_untied_b--alpha0.5");
        fs::remove_all(root_ / "out");

        QStringList expanded;
        for (QString a : args) {
            if (a.startsWith('{') && a.contains('}')) {  // {name}/rest
                const auto close = a.indexOf('}');
                a = QString::fromStdString((root_ / a.mid(1, close - 1).toStdString()).string()) +
                    a.mid(close + 1);
            }
            expanded << a;
        }
        const auto before = listing(root_);
        const auto file = readBytes(root_ / "file");
        const auto run = llmap::test::runCli(expanded);
        QCOMPARE(run.code, 2);
        QVERIFY2(run.err.contains(mention), qPrintable(run.err));
        QVERIFY2(run.err.count('\n') == 1, qPrintable(run.err));  // one line
        QVERIFY(listing(root_) == before);                        // nothing written
        QCOMPARE(readBytes(root_ / "file"), file);
    }

    void coreRefusesBeforeWriting() {
        // The same checks through the core function, and the folder it must not overwrite.
        expectInputError([] { llmap::planInterpolation("", modelDir("llama_mha_untied")); },
                         "both --from and --to are needed");
        const auto plan =
            llmap::planInterpolation(modelDir("llama_tiny_bf16_a"), modelDir("llama_tiny_bf16_b"));
        const fs::path target = root_ / "exists";
        fs::create_directories(target);
        expectInputError([&] { llmap::writeInterpolation(plan, 0.5, target.string()); },
                         "the output folder exists already");
        QVERIFY(fs::is_empty(target));
    }
};

QTEST_GUILESS_MAIN(InterpolateTest)
#include "tst_interpolate.moc"

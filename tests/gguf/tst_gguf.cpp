// GGUF model files against the gguf Python package and transformers
// (tests/oracle/gguf/generate.py, generate_gemma3_llama31.py, generate_olmo2.py,
// generate_gguf2.py, generate_gguf3.py): dequantisation of every supported type, log-likelihoods
// and token ids of GGUF models of several quantisation types and architectures, the metadata,
// llmap-cli info/score on a .gguf, the refusals of damaged files, and a seeded random-mutation fuzz
// of the header and metadata reader.
#include <QTemporaryDir>
#include <QtTest>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <random>

#include "cli_runner.h"
#include "model/causal_lm.h"
#include "model/gguf_model.h"
#include "model/gguf_quants.h"
#include "model/model_info.h"
#include "store/project.h"
#include "text/text_loaders.h"
#include "tokenize/gguf_reader.h"
#include "tokenize/tokenizer.h"
#include "util/error.h"

namespace fs = std::filesystem;

namespace {

std::string dataPath(const std::string& name) {
    return std::string(LLMAP_TEST_DATA) + "/gguf/" + name;
}

std::string readBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeBytes(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// oracle.json's models, then those of oracle_gemma3_llama31.json
// (tests/oracle/gguf/generate_gemma3_llama31.py: gemma3 files and a file with rope_freqs.weight),
// of oracle_olmo2.json (tests/oracle/gguf/generate_olmo2.py: olmo2 files of an OLMo-2 fixture),
// scored by transformers on the models they were written from, and of oracle_iq.json
// (tests/oracle/gguf/generate_iq_quants.py: models stored in the IQ, TQ and MXFP4 types), and
// of oracle_gguf2.json (tests/oracle/gguf/generate_gguf2.py: qwen2moe, granite, command-r,
// cohere2, glm4 and deepseek2 files written by llama.cpp's converter from Hugging Face models),
// and of oracle_gguf3.json (tests/oracle/gguf/generate_gguf3.py: llama4, qwen35, qwen35moe and
// qwen3next files the same way).
nlohmann::json oracle() {
    auto o = nlohmann::json::parse(readBytes(dataPath("oracle.json")));
    for (const char* file : {"oracle_gemma3_llama31.json", "oracle_olmo2.json", "oracle_iq.json",
                             "oracle_gguf2.json", "oracle_gguf3.json"}) {
        const auto more = nlohmann::json::parse(readBytes(dataPath(file)));
        for (const auto& m : more["models"]) o["models"].push_back(m);
    }
    return o;
}

template <typename F>
void expectInputError(F f, const std::vector<std::string>& needles) {
    try {
        f();
    } catch (const llmap::InputError& e) {
        for (const auto& needle : needles) {
            if (e.message().find(needle) == std::string::npos)
                QFAIL(("message lacks \"" + needle + "\": " + e.message()).c_str());
        }
        QVERIFY2(e.message().find('\n') == std::string::npos, e.message().c_str());
        return;
    } catch (const std::exception& e) {
        QFAIL((std::string("not an InputError: ") + e.what()).c_str());
    }
    QFAIL(("no error; expected one about \"" + needles.front() + "\"").c_str());
}

// Dequantised values of one tensor of a GGUF file.
std::vector<float> tensorValues(const llmap::GgufFile& f, const std::string& bytes,
                                const std::string& name) {
    for (const auto& t : f.tensors()) {
        if (t.name != name) continue;
        uint64_t n = 1;
        for (uint64_t d : t.dims) n *= d;
        std::vector<float> out(n);
        const llmap::GgmlType* type = llmap::ggmlType(t.type);
        if (!type) return {};
        llmap::dequantize(
            *type, reinterpret_cast<const unsigned char*>(bytes.data()) + f.dataOffset() + t.offset,
            out.data(), static_cast<int64_t>(n));
        return out;
    }
    return {};
}

bool close(double got, double want) {
    return std::abs(got - want) <= std::max(1e-4 * std::abs(want), 1e-3);
}

}  // namespace

class GgufTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // dequant.gguf (generate.py) and dequant_iq.gguf (generate_iq_quants.py).
    void dequantisationMatchesGgufPackage_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("type");
        for (const char* t : {"F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K",
                              "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
            QTest::newRow(t) << QString("dequant.gguf") << QString(t);
        for (const char* t : {"IQ4_NL", "IQ4_XS", "IQ3_S", "IQ3_XXS", "IQ2_XXS", "IQ2_XS", "IQ2_S",
                              "IQ1_S", "IQ1_M", "TQ1_0", "TQ2_0", "MXFP4"})
            QTest::newRow(t) << QString("dequant_iq.gguf") << QString(t);
    }

    void dequantisationMatchesGgufPackage() {
        QFETCH(QString, file);
        QFETCH(QString, type);
        const std::string path = dataPath(file.toStdString());
        const std::string bytes = readBytes(path);
        const auto f = llmap::GgufFile::read(path);
        const auto got = tensorValues(f, bytes, type.toStdString());
        const auto want = tensorValues(f, bytes, type.toStdString() + ".expected");
        QCOMPARE(got.size(), size_t(1024));
        QCOMPARE(want.size(), got.size());
        double worst = 0, largest = 0;
        for (size_t i = 0; i < got.size(); ++i) {
            QVERIFY(std::isfinite(got[i]));
            worst = std::max(worst, std::abs(double(got[i]) - double(want[i])));
            largest = std::max(largest, std::abs(double(want[i])));
        }
        qInfo("%s: max |LLMap - gguf.dequantize| = %.3g (values up to %.3g)", qPrintable(type),
              worst, largest);
        QVERIFY(largest > 0.01);
        QVERIFY2(worst <= 1e-6 * largest, qPrintable(QString::number(worst)));
    }

    void halfFloatsIncludingSubnormals() {
        QCOMPARE(llmap::halfToFloat(0x3C00), 1.0f);
        QCOMPARE(llmap::halfToFloat(0xC000), -2.0f);
        QCOMPARE(llmap::halfToFloat(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
        QCOMPARE(llmap::halfToFloat(0x03FF), std::ldexp(1023.0f, -24));
        QCOMPARE(llmap::halfToFloat(0x7BFF), 65504.0f);
        QVERIFY(std::isinf(llmap::halfToFloat(0x7C00)));
        QVERIFY(std::isnan(llmap::halfToFloat(0x7E00)));
    }

    void modelsMatchTransformers_data() {
        QTest::addColumn<int>("index");
        const auto o = oracle();
        for (size_t i = 0; i < o["models"].size(); ++i)
            QTest::newRow(o["models"][i]["name"].get<std::string>().c_str()) << int(i);
    }

    void modelsMatchTransformers() {
        QFETCH(int, index);
        const auto m = oracle()["models"][size_t(index)];
        const std::string path = dataPath(m["file"].get<std::string>());
        const auto lm = llmap::CausalLM::load(path);
        const auto tokenizer = llmap::loadTokenizer(path);
        QCOMPARE(lm->spec().family, m["model_type"].get<std::string>());
        QCOMPARE(lm->spec().vocab, m["vocab_size"].get<int64_t>());
        std::vector<std::vector<int64_t>> seqs;
        for (const auto& t : m["texts"]) {
            const auto ids = tokenizer->encode(t["text"].get<std::string>(), false);
            const auto want = t["ids"].get<std::vector<int32_t>>();
            QVERIFY2(ids == want, t["text"].get<std::string>().c_str());
            seqs.push_back(t["ids_full"].get<std::vector<int64_t>>());
        }
        size_t T = 0;
        for (const auto& s : seqs) T = std::max(T, s.size());
        at::Tensor ids = at::zeros({int64_t(seqs.size()), int64_t(T)}, at::kLong);
        at::Tensor mask = at::zeros_like(ids);
        for (size_t b = 0; b < seqs.size(); ++b) {
            for (size_t t = 0; t < seqs[b].size(); ++t) {
                ids[int64_t(b)][int64_t(t)] = seqs[b][t];
                mask[int64_t(b)][int64_t(t)] = 1;
            }
        }
        const at::Tensor sums = lm->nextTokenLogProbs(ids, mask).to(at::kDouble).sum(1);
        double worst = 0;
        for (size_t b = 0; b < seqs.size(); ++b) {
            const double got = sums[int64_t(b)].item<double>();
            const double want = m["texts"][b]["ll_full"].get<double>();
            worst = std::max(worst, std::abs(got - want));
            QVERIFY2(close(got, want), qPrintable(QString("text %1: %2 vs transformers %3")
                                                      .arg(b)
                                                      .arg(got, 0, 'f', 5)
                                                      .arg(want, 0, 'f', 5)));
        }
        qInfo("%s: max |LLMap - transformers| = %.2g nats over %zu texts",
              m["name"].get<std::string>().c_str(), worst, seqs.size());
    }

    void metadataNamesQuantisation() {
        const auto o = oracle();  // kept: a range-for over a temporary's member dangles
        for (const auto& m : o["models"]) {
            const auto info = llmap::readModelInfo(dataPath(m["file"].get<std::string>()));
            QCOMPARE(info.quantisation, m["quantisation"].get<std::string>());
            QVERIFY(std::abs(info.bitsPerWeight - m["bits_per_weight"].get<double>()) < 1e-9);
            QCOMPARE(info.parameters, m["parameters"].get<int64_t>());
            QCOMPARE(info.layers, m["layers"].get<int64_t>());
            QCOMPARE(info.hiddenSize, m["hidden_size"].get<int64_t>());
            QCOMPARE(info.vocabSize, m["vocab_size"].get<int64_t>());
            QCOMPARE(info.tokenizerKind, std::string("gguf/gpt2"));
            const auto json = nlohmann::json::parse(info.toJson());
            QCOMPARE(json["quantisation"].get<std::string>(), info.quantisation);
        }
    }

    void cliInfoAndScore() {
        const QString file = QString::fromStdString(dataPath("qwen2_bias_q8.gguf"));
        auto r = llmap::test::runCli({"info", "--model", file});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains("quantisation  Q8_0"), qPrintable(r.out));
        QVERIFY2(r.out.contains("bits/weight"), qPrintable(r.out));

        QTemporaryDir dir;
        const auto m = oracle()["models"][3];
        QCOMPARE(m["file"].get<std::string>(), std::string("qwen2_bias_q8.gguf"));
        llmap::TextSet texts;
        for (const auto& t : m["texts"]) {
            texts.ids.push_back("t" + std::to_string(texts.ids.size()));
            texts.texts.push_back(t["text"].get<std::string>());
            texts.sources.push_back("test");
        }
        const QString textsPath = dir.filePath("texts.jsonl");
        llmap::writeTextsJsonl(texts, textsPath.toStdString());
        const QString project = dir.filePath("p.h5");
        r = llmap::test::runCli({"score", "--project", project, "--texts", textsPath, "--model",
                                 file, "--device", "cpu", "--convention", "full"});
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const auto p = llmap::Project::open(project.toStdString());
        QCOMPARE(p.modelCount(), size_t(1));
        const auto row = p.scoreRow(0);
        for (size_t i = 0; i < row.size(); ++i)
            QVERIFY2(close(row[i], m["texts"][i]["ll_full"].get<double>()),
                     qPrintable(QString::number(row[i])));
        const auto meta = nlohmann::json::parse(p.models()[0].metadataJson);
        QCOMPARE(meta["quantisation"].get<std::string>(), std::string("Q8_0"));
    }

    void refusesDamagedFiles_data() {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QStringList>("needles");
        QTest::newRow("unknown architecture")
            << "unknown_architecture.gguf" << QStringList{"\"mamba9\"", "supported"};
        QTest::newRow("metadata of the wrong type")
            << "wrong_key_type.gguf" << QStringList{"llama.block_count", "not an integer"};
        QTest::newRow("vocabulary disagrees with the embedding")
            << "vocab_mismatch.gguf" << QStringList{"315 tokens", "320 rows"};
        QTest::newRow("unknown quantisation type")
            << "unknown_type.gguf"
            << QStringList{"blk.0.attn_v.weight", "unknown quantisation type 99", "Q4_K"};
        QTest::newRow("quantisation type not read")
            << "unsupported_type.gguf" << QStringList{"F64", "re-quantise"};
        QTest::newRow("declared type smaller than the data")
            << "type_smaller_than_data.gguf"
            << QStringList{
                   "\"blk.0.attn_v.weight\" is declared IQ4_NL with 32 x 32 values (576 bytes)",
                   "holds 2048 bytes", "blk.0.attn_output.weight"};
        QTest::newRow("declared type larger than the data")
            << "type_larger_than_data.gguf"
            << QStringList{
                   "\"blk.0.attn_q.weight\" is declared F32 with 32 x 32 values (4096 bytes)",
                   "holds 2048 bytes", "blk.0.attn_k.weight"};
        QTest::newRow("tensor offset past the end")
            << "offset_past_end.gguf" << QStringList{"blk.0.ffn_down.weight", "past the end"};
        QTest::newRow("Falcon with grouped key/value heads")
            << "falcon_grouped_kv.gguf" << QStringList{"more than one key/value head"};
        QTest::newRow("Phi-3 with LongRoPE factors")
            << "phi3_longrope.gguf" << QStringList{"rope_factors_long/short", "LongRoPE"};
        QTest::newRow("rotary frequency factors outside llama")
            << "qwen2_rope_freqs.gguf"
            << QStringList{"rope_freqs.weight",
                           "llama and llama4 architectures only, not for qwen2"};
        QTest::newRow("head count contradicts attn_q")
            << "gguf2_head_count.gguf"
            << QStringList{"key glm4.attention.head_count (8)", "\"blk.0.attn_q.weight\"",
                           "not 8 heads of 8"};
        QTest::newRow("expert count contradicts the stacked experts")
            << "gguf2_expert_count.gguf"
            << QStringList{"key qwen2moe.expert_count (5)", "\"blk.0.ffn_down_exps.weight\"",
                           "another number of stacked experts"};
        QTest::newRow("llama4 with a sliding-window pattern")
            << "gguf3_llama4_swa_pattern.gguf"
            << QStringList{"key llama4.attention.sliding_window_pattern", "not supported"};
        QTest::newRow("llama4 rotating part of the head")
            << "gguf3_llama4_rope_dim.gguf"
            << QStringList{"llama4 file whose rope.dimension_count", "Hugging Face checkpoint"};
        QTest::newRow("llama4 with a tensor llama.cpp does not read")
            << "gguf3_llama4_attn_bias.gguf"
            << QStringList{"\"blk.0.attn_q.bias\" is not part of LLMap's llama4"};
        QTest::newRow("qwen35 with a time section of the rotary")
            << "gguf3_qwen35_time_section.gguf"
            << QStringList{"rope.dimension_sections gives channels to the fourth section"};
        QTest::newRow("qwen35 with multi-token prediction layers only")
            << "gguf3_qwen35_nextn_all.gguf"
            << QStringList{"nextn_predict_layers leaves no block to run"};
        QTest::newRow("qwen3next with an older converter's fused ssm_in")
            << "gguf3_qwen3next_ssm_in.gguf"
            << QStringList{"\"blk.0.ssm_in.weight\" is not part of LLMap's qwen3next"};
        QTest::newRow("OLMo-3 converted to olmo2")
            << "olmo2_sliding_window.gguf"
            << QStringList{"olmo2 file with attention.sliding_window", "Hugging Face checkpoint"};
    }

    void refusesDamagedFiles() {
        QFETCH(QString, file);
        QFETCH(QStringList, needles);
        const std::string path = dataPath("bad/" + file.toStdString());
        std::vector<std::string> want = {path};
        for (const auto& n : needles) want.push_back(n.toStdString());
        expectInputError([&] { llmap::readModelInfo(path); }, want);
        expectInputError([&] { llmap::CausalLM::load(path); }, want);
        const auto r = llmap::test::runCli({"info", "--model", QString::fromStdString(path)});
        QCOMPARE(r.code, 2);
        QCOMPARE(r.err.trimmed().count('\n'), 0);
    }

    // Scoring a file whose declared tensor type disagrees with its data: the model is refused
    // with the file and tensor named, and no score row is written for it.
    void scoreRefusesSizeMismatchBeforeWriting() {
        QTemporaryDir dir;
        llmap::TextSet texts;
        texts.ids = {"t0"};
        texts.texts = {"hello world"};
        texts.sources = {"test"};
        const QString textsPath = dir.filePath("texts.jsonl");
        llmap::writeTextsJsonl(texts, textsPath.toStdString());
        const QString project = dir.filePath("p.h5");
        const std::string file = dataPath("bad/type_smaller_than_data.gguf");
        const auto r =
            llmap::test::runCli({"score", "--project", project, "--texts", textsPath, "--model",
                                 QString::fromStdString(file), "--device", "cpu"});
        QCOMPARE(r.code, 2);
        QVERIFY2(r.err.contains(QString::fromStdString(file)), qPrintable(r.err));
        QVERIFY2(r.err.contains("\"blk.0.attn_v.weight\" is declared IQ4_NL"), qPrintable(r.err));
        if (QFileInfo::exists(project))
            QCOMPARE(llmap::Project::open(project.toStdString()).modelCount(), size_t(0));
    }

    // Scoring a file whose keys contradict its tensors: refused with the file, the key and the
    // tensor named, and no score row written.
    void scoreRefusesContradictingKeysBeforeWriting() {
        QTemporaryDir dir;
        llmap::TextSet texts;
        texts.ids = {"t0"};
        texts.texts = {"hello world"};
        texts.sources = {"test"};
        const QString textsPath = dir.filePath("texts.jsonl");
        llmap::writeTextsJsonl(texts, textsPath.toStdString());
        const QString project = dir.filePath("p.h5");
        const std::string file = dataPath("bad/gguf2_head_count.gguf");
        const auto r =
            llmap::test::runCli({"score", "--project", project, "--texts", textsPath, "--model",
                                 QString::fromStdString(file), "--device", "cpu"});
        QCOMPARE(r.code, 2);
        for (const char* needle :
             {"glm4.attention.head_count", "blk.0.attn_q.weight", file.c_str()})
            QVERIFY2(r.err.contains(QString::fromStdString(needle)), qPrintable(r.err));
        if (QFileInfo::exists(project))
            QCOMPARE(llmap::Project::open(project.toStdString()).modelCount(), size_t(0));
    }

    void refusesTruncatedFiles() {
        QTemporaryDir dir;
        const std::string bytes = readBytes(dataPath("llama_gqa_block32.gguf"));
        const auto f = llmap::GgufFile::read(dataPath("llama_gqa_block32.gguf"));
        const std::string inData = dir.filePath("in_data.gguf").toStdString();
        writeBytes(inData, bytes.substr(0, bytes.size() - 1000));
        expectInputError([&] { llmap::readModelInfo(inData); }, {inData, "past the end"});
        const std::string inHeader = dir.filePath("in_header.gguf").toStdString();
        writeBytes(inHeader, bytes.substr(0, static_cast<size_t>(f.dataOffset()) / 2));
        expectInputError([&] { llmap::readModelInfo(inHeader); }, {inHeader, "truncated"});
        const std::string notGguf = dir.filePath("empty.gguf").toStdString();
        writeBytes(notGguf, "GGU");
        expectInputError([&] { llmap::CausalLM::load(notGguf); }, {notGguf});
    }

    // Seeded random mutations of a whole file, concentrated on the header: every outcome is a
    // model or an llmap error, never a crash or another exception.
    void fuzzHeaderAndMetadata() {
        const std::string original = readBytes(dataPath("llama_gqa_block32.gguf"));
        const auto f = llmap::GgufFile::read(dataPath("llama_gqa_block32.gguf"));
        const size_t header = static_cast<size_t>(f.dataOffset());
        std::mt19937_64 rng(20251126);
        const int kMutations = 20000;
        int parsed = 0, refused = 0;
        const auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < kMutations; ++i) {
            std::string bytes = original;
            const int kind = static_cast<int>(rng() % 4);
            const int edits = 1 + static_cast<int>(rng() % 8);
            for (int e = 0; e < edits; ++e) {
                const size_t at = rng() % header;
                if (kind == 0) {
                    bytes[at] = static_cast<char>(rng());
                } else if (kind == 1) {
                    bytes[at] = static_cast<char>(bytes[at] ^ (1 << (rng() % 8)));
                } else if (kind == 2) {  // a length or count field made huge or small
                    const uint64_t v = rng() % 2 ? ~uint64_t(0) >> (rng() % 64) : rng() % 300;
                    std::memcpy(&bytes[std::min(at, header - 8)], &v, 8);
                }
            }
            if (kind == 3) bytes.resize(rng() % bytes.size());
            try {
                llmap::parseGgufModel(bytes.data(), bytes.size(), "fuzz.gguf");
                ++parsed;
            } catch (const llmap::Error&) {
                ++refused;
            }
        }
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        qInfo("%d mutations: %d parsed, %d refused, %.1f s", kMutations, parsed, refused, seconds);
        QCOMPARE(parsed + refused, kMutations);
        QVERIFY(refused > kMutations / 2);
    }
};

QTEST_GUILESS_MAIN(GgufTest)
#include "tst_gguf.moc"

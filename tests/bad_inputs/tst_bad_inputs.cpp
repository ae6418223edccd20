// The rows of docs/bad-inputs.md that no other test checks: llmap-cli on each broken input exits
// with the documented code and one line naming the file and the problem, and the project it was
// pointed at keeps every byte (nothing already in a project is lost). Row names are the
// catalogue's ids.
#include <QCryptographicHash>
#include <QFile>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QtTest>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "store/project.h"

namespace fs = std::filesystem;

namespace {

const fs::path kModels = fs::path(LLMAP_TEST_DATA) / "model";

std::string readBytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void writeBytes(const fs::path& p, const std::string& bytes) {
    std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
}

QByteArray fileHash(const QString& path) {
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return QCryptographicHash::hash(f.readAll(), QCryptographicHash::Sha256);
}

// Rewrites the JSON header of a safetensors file in place (same length, padded with spaces).
void editSafetensorsHeader(const fs::path& file, const std::function<void(nlohmann::json&)>& edit) {
    std::string bytes = readBytes(file);
    uint64_t n = 0;
    std::memcpy(&n, bytes.data(), 8);
    auto header = nlohmann::json::parse(bytes.substr(8, n));
    edit(header);
    std::string text = header.dump();
    QVERIFY(text.size() <= n);
    text.resize(n, ' ');
    bytes.replace(8, n, text);
    writeBytes(file, bytes);
}

const char* kTexts =
    "{\"id\":\"a\",\"text\":\"alpha text one\"}\n{\"id\":\"b\",\"text\":\"beta text two\"}\n"
    "{\"id\":\"c\",\"text\":\"gamma three\"}\n{\"id\":\"d\",\"text\":\"delta four\"}\n";
const char* kMatrix = "model,a,b,c,d\nm1,-10,-20,-30,-40\nm2,-12,-18,-33,-41\nm3,-11,-25,-28,-36\n";

}  // namespace

class BadInputsTest : public QObject {
    Q_OBJECT
private:
    QTemporaryDir dir_;
    fs::path root_;

    QString at(const std::string& name) const {
        return QString::fromStdString((root_ / name).string());
    }
    // A copy of a fixture model folder under a new name.
    fs::path modelCopy(const std::string& name, const std::string& from = "llama_mha_untied") {
        const fs::path d = root_ / name;
        fs::copy(kModels / from, d, fs::copy_options::recursive);
        return d;
    }
    // Replaces {name} in each argument by the path of `name` in the scratch folder.
    QStringList expand(const QStringList& args) const {
        QStringList out;
        for (QString a : args) {
            if (a.startsWith(QLatin1Char('{')) && a.endsWith(QLatin1Char('}'))) {
                a = at(a.mid(1, a.size() - 2).toStdString());
            }
            out << a;
        }
        return out;
    }

    void addRow(const char* id, const QStringList& args, int code, const QString& mention,
                const QString& project) {
        QTest::newRow(id) << args << code << mention << project;
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        qputenv("CUDA_VISIBLE_DEVICES", "");  // inherited by every llmap-cli run (row A14)
        root_ = fs::path(dir_.path().toStdString());
        writeBytes(root_ / "t.jsonl", kTexts);
        writeBytes(root_ / "m.csv", kMatrix);
        auto ok = [](const llmap::test::CliRun& r) {
            if (r.code != 0) qWarning("%s", qPrintable(r.err));
            return r.code == 0;
        };
        // P.h5: imported scores of three models; S.h5: one model scored by LLMap.
        QVERIFY(ok(llmap::test::runCli(expand(
            {"import", "--project", "{P.h5}", "--matrix", "{m.csv}", "--texts", "{t.jsonl}"}))));
        const QString tiny = QString::fromStdString((kModels / "llama_mha_untied").string());
        QVERIFY(ok(llmap::test::runCli(
            expand({"score", "--project", "{S.h5}", "--texts", "{t.jsonl}", "--model"}) << tiny)));
        // A shard of the same model, from a second project.
        QVERIFY(ok(llmap::test::runCli(expand({"score", "--project", "{shardsrc.h5}", "--texts",
                                               "{t.jsonl}", "--shard-out", "{shards}", "--model"})
                                       << tiny)));

        fs::copy_file(root_ / "P.h5", root_ / "pristine-P.h5");
        fs::copy_file(root_ / "S.h5", root_ / "pristine-S.h5");

        // Broken model folders.
        fs::remove(modelCopy("no_config") / "config.json");
        writeBytes(modelCopy("cut_config") / "config.json", "{\"model_type\": \"llama\",");
        writeBytes(modelCopy("mamba") / "config.json", "{\"model_type\": \"mamba\"}");
        {
            const fs::path c = modelCopy("zero_heads") / "config.json";
            auto config = nlohmann::json::parse(readBytes(c));
            config["num_attention_heads"] = 0;
            writeBytes(c, config.dump());
        }
        {
            const fs::path st = modelCopy("huge_header") / "model.safetensors";
            std::string bytes = readBytes(st);
            const uint64_t huge = 1'000'000'000'000'000'000ull;
            std::memcpy(bytes.data(), &huge, 8);
            writeBytes(st, bytes);
        }
        {
            const fs::path st = modelCopy("cut_weights") / "model.safetensors";
            const std::string bytes = readBytes(st);
            writeBytes(st, bytes.substr(0, bytes.size() - 1000));
        }
        editSafetensorsHeader(modelCopy("renamed_tensor") / "model.safetensors", [](auto& h) {
            h["zzz.lm_head.weight"] = h["lm_head.weight"];
            h.erase("lm_head.weight");
        });
        editSafetensorsHeader(modelCopy("transposed") / "model.safetensors", [](auto& h) {
            auto& shape = h["lm_head.weight"]["shape"];
            shape = nlohmann::json::array({shape[1], shape[0]});
        });
        editSafetensorsHeader(modelCopy("int_weights") / "model.safetensors",
                              [](auto& h) { h["lm_head.weight"]["dtype"] = "I32"; });
        {
            const fs::path d = modelCopy("pickle_only");
            fs::rename(d / "model.safetensors", d / "pytorch_model.bin");
        }
        fs::remove(modelCopy("missing_shard", "llama_mha_untied_sharded") /
                   "model-00002-of-00007.safetensors");
        writeBytes(
            modelCopy("cut_index", "llama_mha_untied_sharded") / "model.safetensors.index.json",
            "{\"weight_map\": ");
        {
            const fs::path d = modelCopy("cut_tokenizer");
            writeBytes(d / "tokenizer.json", readBytes(d / "tokenizer.json").substr(0, 500));
        }
        {
            const fs::path d = modelCopy("garbage_spm");
            fs::remove(d / "tokenizer.json");
            writeBytes(d / "tokenizer.model", std::string(2000, '\xee'));
        }
        fs::remove(modelCopy("no_tokenizer") / "tokenizer.json");
        fs::create_directory(root_ / "empty_folder");
        writeBytes(modelCopy("broken_card") / "README.md",
                   "---\nlicense: [unclosed\ntags:\n  - :\n\x01\xff---\nbody\n");

        // Text sets.
        writeBytes(root_ / "latin1.jsonl", "{\"text\":\"caf\xe9\"}\n");
        writeBytes(root_ / "number.jsonl", "{\"text\": 5}\n");
        writeBytes(root_ / "blank.jsonl", "\n  \n\n");
        writeBytes(root_ / "cut.jsonl.gz", std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00", 8));
        writeBytes(root_ / "nocolumn.csv", "id,body\n1,hello\n");
        writeBytes(root_ / "unclosed.csv", "text\n\"hello\n");
        writeBytes(root_ / "empty.txt", "");

        // CSV imports.
        writeBytes(root_ / "inf.csv", "model,a,b,c,d\nm9,-1,-inf,-3,-4\n");
        writeBytes(root_ / "noid.csv", "model,a,b,c,d\n,-1,-2,-3,-4\n");
        writeBytes(root_ / "meta_nomodel.csv", "family,x\nm1,a\n");
        writeBytes(root_ / "meta_twice.csv", "model,family\nm1,a\nm1,b\n");
        writeBytes(root_ / "meta_ragged.csv", "model,family\nm1,a,b\n");
        writeBytes(root_ / "meta_noid.csv", "model,family\n,a\n");
        writeBytes(root_ / "meta_latin1.csv", "model,family\nm1,caf\xe9\n");
        writeBytes(root_ / "bench_unknown.csv", "model,mmlu\nm9,0.5\n");
        writeBytes(root_ / "bench_word.csv", "model,mmlu\nm1,high\n");
        writeBytes(root_ / "bench_nocolumn.csv", "model\nm1\n");

        // Project files and shards.
        const std::string project = readBytes(root_ / "P.h5");
        writeBytes(root_ / "cut.h5", project.substr(0, project.size() / 2));
        writeBytes(root_ / "zero.h5", "");
        writeBytes(root_ / "text.shard.h5", "not a shard");
        const std::string shard = readBytes(root_ / "shards" / "llama_mha_untied.shard.h5");
        writeBytes(root_ / "cut.shard.h5", shard.substr(0, shard.size() / 2));
        // Found by fuzz_project: libhdf5 1.10.8 over-reads its heap (and crashes) on it.
        fs::copy_file(fs::path(LLMAP_TEST_DATA) / "score" / "damaged-global-heap.shard.h5",
                      root_ / "heap.shard.h5");
        // The same in a project file (its text ids).
        fs::copy_file(fs::path(LLMAP_TEST_DATA) / "store" / "damaged-global-heap.h5",
                      root_ / "heap.h5");
    }

    void rejectsAndKeepsTheProject_data() {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("mention");
        QTest::addColumn<QString>("project");
        const QString S = QStringLiteral("{S.h5}"), P = QStringLiteral("{P.h5}");
        auto score = [&](const char* model) {
            return QStringList{"score", "--project", S, "--model", QString("{%1}").arg(model)};
        };
        // Model folders (scoring one into a project that holds a scored model).
        addRow("M1 no config.json", score("no_config"), 2, "config.json is missing", S);
        addRow("M2 config.json cut short", score("cut_config"), 2, "config.json: not valid JSON",
               S);
        addRow("M3 unknown model_type", score("mamba"), 2,
               "model_type \"mamba\" is not supported (supported model_types: ", S);
        addRow("M4 absurd config value", score("zero_heads"), 2,
               "absurd config: num_attention_heads 0", S);
        addRow("W1 header length beyond the file", score("huge_header"), 2,
               "does not fit in the file", S);
        addRow("W2 weights cut short", score("cut_weights"), 2, "lie outside the file", S);
        addRow("W3 tensor missing", score("renamed_tensor"), 2,
               "weight \"lm_head.weight\" is missing", S);
        addRow("W4 tensor of the wrong shape", score("transposed"), 2,
               "has shape [48, 320] but config.json implies [320, 48]", S);
        addRow("W5 integer weights", score("int_weights"), 2, "is stored as I32", S);
        addRow("W6 pickle weights only", score("pickle_only"), 2,
               "loading a pickle can run arbitrary code", S);
        addRow("W7 shard named by the index missing", score("missing_shard"), 2,
               "shard \"model-00002-of-00007.safetensors\" named by the index is missing", S);
        addRow("W8 index cut short", score("cut_index"), 2,
               "model.safetensors.index.json: not valid JSON", S);
        addRow("K1 tokenizer.json cut short", score("cut_tokenizer"), 2,
               "tokenizer.json: not valid JSON", S);
        addRow("K2 tokenizer.model not a protobuf", score("garbage_spm"), 2,
               "tokenizer.model: not a SentencePiece model", S);
        addRow("K3 no tokenizer", score("no_tokenizer"), 2, "no tokenizer", S);
        addRow("M5 not a folder", score("no_such_folder"), 2, "not a folder", S);
        addRow("M6 empty folder", score("empty_folder"), 2, "config.json is missing", S);
        addRow("C1 model card front matter broken",
               {"info", "--project", S, "--model", "{broken_card}"}, 0, "model_type    llama", S);

        // Text sets (an import into a project that holds three models).
        auto importTexts = [&](const char* texts) {
            return QStringList{"import",
                               "--project",
                               P,
                               "--matrix",
                               "{m.csv}",
                               "--texts",
                               QString("{%1}").arg(texts)};
        };
        addRow("T1 JSONL not UTF-8", importTexts("latin1.jsonl"), 2, "not valid UTF-8: byte 0xE9",
               P);
        addRow("T2 JSONL text not a string", importTexts("number.jsonl"), 2,
               "number.jsonl:1: the record has no string field \"text\"", P);
        addRow("T3 JSONL without a record", importTexts("blank.jsonl"), 2, "holds no texts", P);
        addRow("T4 gzip cut short", importTexts("cut.jsonl.gz"), 2,
               "the gzip data is damaged or cut short", P);
        addRow("T5 CSV without a text column", importTexts("nocolumn.csv"), 2,
               "the header has no column \"text\" (it has: id, body)", P);
        addRow("T6 CSV quote never closed", importTexts("unclosed.csv"), 2,
               "a quoted field opened on line 2 is never closed", P);
        addRow("T7 empty text file", importTexts("empty.txt"), 2, "holds no texts", P);

        // CSV imports.
        auto importMatrix = [&](const char* csv) {
            return QStringList{"import",  "--project", P, "--matrix", QString("{%1}").arg(csv),
                               "--texts", "{t.jsonl}"};
        };
        addRow("I1 matrix cell infinite", importMatrix("inf.csv"), 2,
               "inf.csv:2, column 3 (text b): \"-inf\" is not a number", P);
        addRow("I2 matrix model id empty", importMatrix("noid.csv"), 2,
               "noid.csv:2: the model id (column 1) is empty", P);
        auto annotate = [&](const char* csv) {
            return QStringList{"annotate", "--project", P, "--metadata", QString("{%1}").arg(csv)};
        };
        addRow("D1 metadata without a model column", annotate("meta_nomodel.csv"), 2,
               "meta_nomodel.csv:1: the first column must be named \"model\"", P);
        addRow("D2 metadata model twice", annotate("meta_twice.csv"), 2,
               "meta_twice.csv:3: the model \"m1\" appears twice", P);
        addRow("D3 metadata row ragged", annotate("meta_ragged.csv"), 2,
               "meta_ragged.csv:2: row has 3 fields, the header has 2", P);
        addRow("D4 metadata model id empty", annotate("meta_noid.csv"), 2,
               "meta_noid.csv:2: the model id is empty", P);
        addRow("D5 metadata not UTF-8", annotate("meta_latin1.csv"), 2,
               "meta_latin1.csv: not valid UTF-8: byte 0xE9 at byte offset 19 (line 2)", P);
        auto predict = [&](const char* csv) {
            return QStringList{"predict", "--project", P, "--benchmarks", QString("{%1}").arg(csv),
                               "--out",   "{pred.csv}"};
        };
        addRow("B1 benchmark model not in the project", predict("bench_unknown.csv"), 2,
               "bench_unknown.csv:2: model \"m9\" is not in the project", P);
        addRow("B2 benchmark score not a number", predict("bench_word.csv"), 2,
               "\"high\" in column mmlu is not a number", P);
        addRow("B3 benchmark file without benchmarks", predict("bench_nocolumn.csv"), 2,
               "a benchmark file needs a header", P);

        // Project files and shards.
        addRow("P1 project cut short", {"info", "--project", "{cut.h5}"}, 2,
               "cut.h5: cannot open the file", P);
        addRow("P2 empty file as project", {"info", "--project", "{zero.h5}"}, 2,
               "zero.h5: not an HDF5 file", P);
        addRow("P3 shard given as project",
               {"info", "--project", "{shards/llama_mha_untied.shard.h5}"}, 2,
               "an HDF5 file, but not an LLMap project", P);
        addRow("P4 folder given as project", {"info", "--project", "{shards}"}, 2,
               "not an HDF5 file", P);
        addRow("S1 merge a file that is not HDF5", {"merge", "--project", S, "{text.shard.h5}"}, 2,
               "text.shard.h5: not an HDF5 file", S);
        addRow("S2 merge a shard cut short", {"merge", "--project", S, "{cut.shard.h5}"}, 2,
               "cut.shard.h5: cannot open the file", S);
        // libhdf5 1.10.8 over-reads its heap on these files; whether that crashes depends on the
        // memory layout, so the refusal may come from the check in a forked copy or from the
        // ordinary checks. Either way: exit code 2, a message that names the file, the file kept.
        const QString heap = QStringLiteral("{heap.h5}");
        const QString namesHeap = at("heap.h5") + QStringLiteral(": ");
        addRow("P8 project on which libhdf5 crashes: info", {"info", "--project", heap}, 2,
               namesHeap, heap);
        addRow("P8 project on which libhdf5 crashes: map",
               {"map", "--project", heap, "--out", "{heap-map.csv}"}, 2, namesHeap, heap);
        addRow("P8 project on which libhdf5 crashes: merge into it",
               {"merge", "--project", heap, "{shards/llama_mha_untied.shard.h5}"}, 2, namesHeap,
               heap);
        addRow("S2b merge a shard on which libhdf5 crashes",
               {"merge", "--project", S, "{heap.shard.h5}"}, 2, at("heap.shard.h5") + ": ", S);
        addRow("S3 merge a shard of another convention",
               {"merge", "--project", P, "{shards/llama_mha_untied.shard.h5}"}, 2,
               "the shard holds \"full\" scores, the project \"imported\"", P);
        // Merging again must be safe (a re-run merge job): the same scores are recognised and
        // skipped, the project untouched. Different scores for the same model are refused
        // (tst_score_shards).
        addRow("S4 merge a shard already merged",
               {"merge", "--project", S, "{shards/llama_mha_untied.shard.h5}"}, 0,
               "(1 already there)", S);

        // Command-line arguments.
        addRow("A1 --out is the project",
               {"export", "--project", P, "--what", "scores", "--out", P}, 2,
               "--out names the project file itself", P);
        addRow("A2 --summary is the project",
               {"map", "--project", P, "--out", "{c.csv}", "--summary", P}, 2,
               "--summary names the project file itself", P);
        addRow("A3 required option missing", {"map", "--project", P}, 2,
               "llmap-cli map: the option --out is required", P);
        addRow("A4 option without its value", {"map", "--project", P, "--out"}, 2,
               "the option --out needs a value", P);
        addRow("A5 seed not a number", {"map", "--project", P, "--seed", "abc", "--out", "{c.csv}"},
               2, "--seed \"abc\" is not a number", P);
        addRow(
            "A6 perplexity out of range",
            {"map", "--project", P, "--method", "tsne", "--perplexity", "-1", "--out", "{c.csv}"},
            2, "must be positive and below the number of models (3)", P);
        addRow("A7 zero clusters",
               {"cluster", "--project", P, "--method", "kmeans", "--k", "0", "--out", "{c.csv}"}, 2,
               "cannot make 0 clusters of 3 models", P);
        addRow("A8 negative batch budget",
               {"score", "--project", S, "--model", "{no_config}", "--batch-tokens", "-5"}, 2,
               "--batch-tokens must be a whole number >= 0", S);
        addRow("A8b padding share above one",
               {"score", "--project", S, "--model", "{no_config}", "--max-padding", "1.5"}, 2,
               "--max-padding must be a share between 0 and 1, not \"1.5\"", S);
        addRow("A9 other convention",
               {"score", "--project", S, "--model", "{mamba}", "--convention", "paper"}, 2,
               "the project holds \"full\" scores; --convention paper was asked for", S);
        addRow("A10 unknown dtype",
               {"score", "--project", S, "--model", "{mamba}", "--dtype", "float8"}, 2,
               "dtype \"float8\" is not known", S);
        addRow("A11 unknown device",
               {"score", "--project", S, "--model", "{mamba}", "--device", "tpu"}, 2,
               "device \"tpu\" is not known", S);
        addRow("A12 unknown option", {"map", "--project", P, "--out", "{c.csv}", "--bogus"}, 2,
               "unknown option --bogus", P);
        // initTestCase hides every GPU (CUDA_VISIBLE_DEVICES=""), so this holds on any machine:
        // libtorch without CUDA, no driver, or no GPU visible, each says why and names the way out.
        addRow("A14 CUDA asked for without a GPU",
               {"score", "--project", S, "--model", "{mamba}", "--device", "cuda:1"}, 2,
               "device \"cuda:1\" asked for, but ", S);
        addRow("A17 several GPUs asked for without a GPU",
               {"score", "--project", S, "--model", "{mamba}", "--device", "cuda:0,cuda:1"}, 2,
               "device \"cuda:0\" asked for, but ", S);
        addRow("A17 a device named twice",
               {"score", "--project", S, "--model", "{mamba}", "--device", "cpu,cpu"}, 2,
               "device cpu is named twice in \"cpu,cpu\"", S);
        addRow("A17 an unknown device in a list",
               {"score", "--project", S, "--model", "{mamba}", "--device", "cuda:0,tpu"}, 2,
               "device \"tpu\" is not known", S);
    }

    void rejectsAndKeepsTheProject() {
        QFETCH(QStringList, args);
        QFETCH(int, code);
        QFETCH(QString, mention);
        QFETCH(QString, project);
        // Every row starts from the projects as initTestCase made them.
        for (const char* name : {"P.h5", "S.h5"}) {
            fs::copy_file(root_ / (std::string("pristine-") + name), root_ / name,
                          fs::copy_options::overwrite_existing);
        }
        const QString projectPath = expand({project}).front();
        const QByteArray before = fileHash(projectPath);
        QVERIFY(!before.isEmpty());

        const auto r = llmap::test::runCli(expand(args));
        const QString said = r.err + r.out;
        if (r.code != code || !said.contains(mention)) {
            QFAIL(qPrintable(
                QStringLiteral("exit %1 (expected %2), output: %3 (expected to mention '%4')")
                    .arg(r.code)
                    .arg(code)
                    .arg(said.trimmed(), mention)));
        }
        if (code == 2) {
            // One line per problem, beginning with the command's name, once.
            QVERIFY2(r.err.startsWith(QStringLiteral("llmap-cli ")), qPrintable(r.err));
            QVERIFY2(!r.err.contains(QRegularExpression("llmap-cli [a-z-]+: llmap-cli ")),
                     qPrintable(r.err));
        }
        QCOMPARE(fileHash(projectPath), before);
    }

    // After every refusal the projects still read back with all their rows.
    void projectsStillOpen() {
        const llmap::Project p = llmap::Project::open(at("P.h5").toStdString());
        QCOMPARE(p.modelCount(), size_t(3));
        QCOMPARE(p.scoreRow(2), (std::vector<double>{-11, -25, -28, -36}));
        const llmap::Project s = llmap::Project::open(at("S.h5").toStdString());
        QCOMPARE(s.modelCount(), size_t(1));
        QCOMPARE(s.completeRows().size(), size_t(1));
    }
};

QTEST_GUILESS_MAIN(BadInputsTest)
#include "tst_bad_inputs.moc"

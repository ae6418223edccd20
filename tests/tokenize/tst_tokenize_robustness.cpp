// Bad input to the tokenizer loaders and the encoder: each gives a clear InputError (or a defined
// result), never a crash. A seeded random fuzz test over loaders and encoder.
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <random>

#include "tokenize/gguf_reader.h"
#include "tokenize/tokenizer.h"
#include "util/compressed_file.h"
#include "util/error.h"

namespace {

const std::string kData = std::string(LLMAP_TEST_DATA) + "/tokenize";

void writeFile(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}

// The message of the InputError that loading `path` throws (empty when it loads).
std::string loadError(const std::string& path) {
    try {
        llmap::loadTokenizer(path);
    } catch (const llmap::InputError& e) {
        return e.message();
    }
    return {};
}

// A minimal valid tokenizer.json with one BPE merge; `patch` replaces one top-level key.
std::string smallTokenizerJson(const std::string& key = "", const std::string& value = "") {
    std::string model =
        "{\"type\":\"BPE\",\"vocab\":{\"a\":0,\"b\":1,\"ab\":2},\"merges\":[\"a b\"]}";
    std::string normalizer = "null", pre = "null";
    if (key == "model") model = value;
    if (key == "normalizer") normalizer = value;
    std::string decoder = "null";
    if (key == "pre_tokenizer") pre = value;
    if (key == "decoder") decoder = value;
    return "{\"version\":\"1.0\",\"added_tokens\":[],\"normalizer\":" + normalizer +
           ",\"pre_tokenizer\":" + pre + ",\"post_processor\":null,\"decoder\":" + decoder +
           ",\"model\":" + model + "}";
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

}  // namespace

class TokenizeRobustnessTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void smallJsonWorks() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("tokenizer.json").toStdString();
        writeFile(path, smallTokenizerJson());
        auto tok = llmap::loadTokenizer(path);
        QCOMPARE(tok->encode("abab", false), (std::vector<int32_t>{2, 2}));
        QCOMPARE(tok->encode("", true), std::vector<int32_t>{});
        QCOMPARE(tok->encode("", false), std::vector<int32_t>{});
    }

    void malformedJson() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("tokenizer.json").toStdString();
        writeFile(path, "{\"model\": {\"type\": \"BPE\", ");
        const std::string msg = loadError(path);
        QVERIFY2(contains(msg, "not valid JSON") && contains(msg, path), msg.c_str());
    }

    void unknownTypes() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("tokenizer.json").toStdString();
        writeFile(path, smallTokenizerJson("model", "{\"type\":\"Fancy\",\"vocab\":{}}"));
        std::string msg = loadError(path);
        QVERIFY2(contains(msg, "\"Fancy\"") && contains(msg, "BPE, Unigram, WordLevel, WordPiece"),
                 msg.c_str());
        writeFile(path,
                  smallTokenizerJson("normalizer",
                                     "{\"type\":\"Precompiled\",\"precompiled_charsmap\":\"\"}"));
        msg = loadError(path);
        QVERIFY2(contains(msg, "\"Precompiled\"") && contains(msg, "NFKC"), msg.c_str());
        writeFile(path, smallTokenizerJson("pre_tokenizer", "{\"type\":\"UnicodeScripts\"}"));
        msg = loadError(path);
        QVERIFY2(contains(msg, "\"UnicodeScripts\"") && contains(msg, "Metaspace"), msg.c_str());
        writeFile(path, smallTokenizerJson("pre_tokenizer",
                                           "{\"type\":\"Split\",\"pattern\":{\"Regex\":\"("
                                           "unclosed\"},\"behavior\":\"Isolated\"}"));
        msg = loadError(path);
        QVERIFY2(contains(msg, "(unclosed") && contains(msg, "does not compile"), msg.c_str());
    }

    void mergesWithMissingTokens() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("tokenizer.json").toStdString();
        writeFile(path, smallTokenizerJson("model",
                                           "{\"type\":\"BPE\",\"vocab\":{\"a\":0,\"b\":1,\"ab\":2},"
                                           "\"merges\":[\"a b\",\"ab c\"]}"));
        const std::string msg = loadError(path);
        QVERIFY2(contains(msg, "merge 2") && contains(msg, "\"c\"") &&
                     contains(msg, "not in the vocabulary"),
                 msg.c_str());
        // The same in GPT-2 style vocab.json + merges.txt.
        writeFile(dir.filePath("vocab.json").toStdString(), "{\"a\":0,\"b\":1,\"ab\":2}");
        writeFile(dir.filePath("merges.txt").toStdString(), "#version: 0.2\na b\nb x\n");
        const std::string msg2 = loadError(dir.filePath("vocab.json").toStdString());
        QVERIFY2(contains(msg2, "\"x\"") && contains(msg2, "merges.txt"), msg2.c_str());
    }

    // A few bytes naming id 99,999,999 would size the id table at gigabytes: refused; small gaps
    // (reserved ids) are fine.
    void sparseTokenIds() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("tokenizer.json").toStdString();
        writeFile(path, smallTokenizerJson("model",
                                           "{\"type\":\"BPE\",\"vocab\":{\"a\":0,\"b\":99999999,"
                                           "\"ab\":2},\"merges\":[\"a b\"]}"));
        const std::string msg = loadError(path);
        QVERIFY2(contains(msg, "sparse") && contains(msg, "99999999") && contains(msg, path),
                 msg.c_str());
        writeFile(dir.filePath("vocab.json").toStdString(), "{\"a\":0,\"b\":2147483647}");
        writeFile(dir.filePath("merges.txt").toStdString(), "#version: 0.2\n");
        const std::string msg2 = loadError(dir.filePath("vocab.json").toStdString());
        QVERIFY2(contains(msg2, "sparse") && contains(msg2, "vocab.json"), msg2.c_str());
        writeFile(path, smallTokenizerJson("model",
                                           "{\"type\":\"BPE\",\"vocab\":{\"a\":0,\"b\":1000,"
                                           "\"ab\":2},\"merges\":[\"a b\"]}"));
        auto tok = llmap::loadTokenizer(path);
        QCOMPARE(tok->encode("abb", false), (std::vector<int32_t>{2, 1000}));
    }

    // Hugging Face's tokenizers refuse a Metaspace replacement that is not one character ("invalid
    // value: string \"\", expected a character"); an empty one made the splitting loop forever
    // (found by fuzz_tokenizer_json: a gigabyte allocated from a 726-byte file).
    void metaspaceReplacementIsOneCharacter() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("tokenizer.json").toStdString();
        for (const std::string key : {"pre_tokenizer", "decoder"}) {
            for (const std::string bad : {"", "ab", "\\u2581\\u2581"}) {
                writeFile(path,
                          smallTokenizerJson(key, "{\"type\":\"Metaspace\",\"replacement\":\"" +
                                                      bad + "\",\"split\":true}"));
                const std::string msg = loadError(path);
                QVERIFY2(contains(msg, "replacement must be one character") && contains(msg, path),
                         (key + " " + bad + ": " + msg).c_str());
            }
        }
        writeFile(path, smallTokenizerJson("pre_tokenizer",
                                           "{\"type\":\"Metaspace\",\"replacement\":\"\\u2581\","
                                           "\"prepend_scheme\":\"never\",\"split\":true}"));
        auto tok = llmap::loadTokenizer(path);
        QCOMPARE(tok->encode("ab", false), (std::vector<int32_t>{2}));
    }

    void truncatedGguf() {
        const std::string full = llmap::readInputFile(kData + "/gguf/ggml-vocab-llama-spm.gguf.gz");
        QTemporaryDir dir;
        const std::string path = dir.filePath("cut.gguf").toStdString();
        for (size_t cut :
             {size_t(0), size_t(3), size_t(20), size_t(1000), full.size() / 2, full.size() - 1}) {
            writeFile(path, full.substr(0, cut));
            const std::string msg = loadError(path);
            QVERIFY2(!msg.empty() && contains(msg, path),
                     (std::to_string(cut) + ": " + msg).c_str());
        }
        writeFile(path, full.substr(0, full.size() / 2));
        const std::string msg = loadError(path);
        QVERIFY2(contains(msg, "truncated"), msg.c_str());
    }

    // An unknown tokenizer.ggml.pre or tokenizer.ggml.model: the message names it and lists the
    // supported ones.
    void unknownGgufTypes() {
        const std::string tiny = llmap::readInputFile(kData + "/fuzz/tiny-gpt2.gguf");
        QTemporaryDir dir;
        const std::string path = dir.filePath("v.gguf").toStdString();
        auto valueAfter = [&](const std::string& key) {
            const size_t k = tiny.find(key);
            return k + key.size() + 4 + 8;  // value type (u32), string length (u64)
        };
        std::string bytes = tiny;
        bytes.replace(valueAfter("tokenizer.ggml.pre"), 5, "gpt-9");
        writeFile(path, bytes);
        std::string msg = loadError(path);
        QVERIFY2(contains(msg, "\"gpt-9\"") && contains(msg, "llama-bpe") &&
                     contains(msg, "deepseek-coder"),
                 msg.c_str());
        bytes = tiny;
        bytes.replace(valueAfter("tokenizer.ggml.model"), 4, "gpt3");
        writeFile(path, bytes);
        msg = loadError(path);
        QVERIFY2(contains(msg, "\"gpt3\"") && contains(msg, "gpt2, gemma4, llama"), msg.c_str());
        QVERIFY(loadError((dir.filePath("ok.gguf")).toStdString()).find("no such file") !=
                std::string::npos);
        writeFile(dir.filePath("ok.gguf").toStdString(), tiny);
        QVERIFY(loadError(dir.filePath("ok.gguf").toStdString()).empty());
    }

    void truncatedSentencePieceModel() {
        const std::string full = llmap::readInputFile(kData + "/oracle/spm-bpe/tokenizer.model");
        QTemporaryDir dir;
        const std::string path = dir.filePath("tokenizer.model").toStdString();
        for (size_t cut : {size_t(0), size_t(7), full.size() / 3, full.size() - 5}) {
            writeFile(path, full.substr(0, cut));
            const std::string msg = loadError(path);
            QVERIFY2(contains(msg, "SentencePiece") && contains(msg, path),
                     (std::to_string(cut) + ": " + msg).c_str());
        }
    }

    void missingPaths() {
        QTemporaryDir dir;
        QVERIFY(contains(loadError(dir.filePath("nothing").toStdString()), "no such file"));
        QVERIFY(contains(loadError(dir.path().toStdString()), "no tokenizer in this folder"));
        writeFile(dir.filePath("weights.bin").toStdString(), "xyz");
        QVERIFY(contains(loadError(dir.filePath("weights.bin").toStdString()), "unrecognised"));
    }

    // Ill-formed UTF-8 is read as Python's bytes.decode("utf-8", errors="replace"): each maximal
    // ill-formed subpart becomes U+FFFD. Checked against the replacement character's own ids.
    void invalidUtf8() {
        auto tok = llmap::loadTokenizer(kData + "/gpt2");
        const auto replacement = tok->encode(
            "a\xEF\xBF\xBD"
            "b",
            false);
        QCOMPARE(tok->encode("a\xFF"
                             "b",
                             false),
                 replacement);
        QCOMPARE(tok->encode("a\xC3"
                             "b",
                             false),
                 replacement);  // truncated 2-byte sequence
        QCOMPARE(tok->encode("a\xE2\x82"
                             "b",
                             false),
                 replacement);  // truncated 3-byte sequence
        QCOMPARE(tok->encode("a\xED\xA0\x80"
                             "b",
                             false),  // surrogate: 3 subparts
                 tok->encode("a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
                             "b",
                             false));
        QCOMPARE(tok->encode("a\xC0\xAF"
                             "b",
                             false),  // overlong: 2 subparts
                 tok->encode("a\xEF\xBF\xBD\xEF\xBF\xBD"
                             "b",
                             false));
        QCOMPARE(tok->encode(std::string("a\0b", 3), false).size(),
                 size_t(3));  // NUL is a character
    }

    void ggufReaderKeys() {
        const auto f = llmap::GgufFile::read(kData + "/gguf/ggml-vocab-gpt-2.gguf.gz");
        QCOMPARE(f.version(), uint32_t(3));
        QCOMPARE(f.getString("general.architecture").value_or(""), std::string("gpt2"));
        QCOMPARE(f.getInteger("gpt2.context_length").value_or(0), int64_t(1024));
        QCOMPARE(f.find("tokenizer.ggml.tokens")->strings.size(), size_t(50257));
        QCOMPARE(f.find("tokenizer.ggml.merges")->strings.size(), size_t(50000));
        QCOMPARE(f.find("gpt2.attention.layer_norm_epsilon")->real, double(1e-5f));
        QVERIFY(f.tensors().empty());
        QVERIFY_THROWS_EXCEPTION(llmap::InputError, f.getString("gpt2.context_length"));
    }

    // Seeded random mutations of small tokenizer files: loading either works or throws
    // llmap::Error; whatever loads encodes random bytes into ids inside its vocabulary.
    void fuzzLoadersAndEncoder() {
        std::mt19937 rng(20250711);
        const std::vector<std::pair<std::string, std::string>> seeds = {
            {"tokenizer.json", llmap::readInputFile(kData + "/oracle/wordlevel/tokenizer.json.gz")},
            {"tokenizer.json",
             llmap::readInputFile(kData + "/oracle/bpe-prepend-legacy/tokenizer.json.gz")},
            {"tiny.gguf", llmap::readInputFile(kData + "/fuzz/tiny-gpt2.gguf")},
            {"tokenizer.model", llmap::readInputFile(kData + "/oracle/spm-bpe/tokenizer.model")},
        };
        const std::vector<std::string> fragments = {"<s>",
                                                    "</s>",
                                                    "<|endoftext|>",
                                                    "\xE2\x96\x81",
                                                    " ",
                                                    "\n",
                                                    "\xF0\x9F\x99\x82",
                                                    "\xFF",
                                                    "\xC3",
                                                    "'s",
                                                    "123",
                                                    "ab"};
        auto randomText = [&](size_t maxLen) {
            std::string t;
            const size_t n = rng() % maxLen;
            while (t.size() < n) {
                if (rng() % 3 == 0)
                    t += fragments[rng() % fragments.size()];
                else
                    t.push_back(static_cast<char>(rng() % 256));
            }
            return t;
        };
        QTemporaryDir dir;
        // A fixed number of files, not a time: the same inputs on every run, however loaded the
        // machine is.
        constexpr size_t kFiles = 1500;
        size_t loads = 0, loaded = 0, encodes = 0;
        while (loads < kFiles) {
            const auto& [name, seed] = seeds[loads % seeds.size()];
            std::string bytes = seed;
            const int edits = 1 + static_cast<int>(rng() % 3);
            for (int e = 0; e < edits && !bytes.empty(); ++e) {
                const size_t pos = rng() % bytes.size();
                switch (rng() % 8) {
                    case 0:
                    case 1:
                    case 2:
                        bytes[pos] = static_cast<char>(rng() % 256);
                        break;
                    case 3:
                    case 4:
                        bytes.erase(pos, 1 + rng() % 16);
                        break;
                    case 5:
                        bytes.resize(pos);
                        break;
                    default:
                        bytes.insert(pos,
                                     std::string(1 + rng() % 4, static_cast<char>(rng() % 256)));
                }
            }
            const std::string path = dir.filePath(QString::fromStdString(name)).toStdString();
            writeFile(path, bytes);
            ++loads;
            std::unique_ptr<llmap::Tokenizer> tok;
            try {
                tok = llmap::loadTokenizer(path);
            } catch (const llmap::Error&) {
                continue;
            }
            ++loaded;
            for (int k = 0; k < 20; ++k) {
                const std::string text = randomText(300);
                std::vector<int32_t> ids;
                try {
                    ids = tok->encode(text, k % 2 == 0);
                } catch (const llmap::Error&) {
                    continue;
                }
                ++encodes;
                for (int32_t id : ids) {
                    QVERIFY2(id >= 0 && static_cast<size_t>(id) < tok->vocabSize(),
                             ("id " + std::to_string(id) + " outside the vocabulary of " + name)
                                 .c_str());
                }
                QCOMPARE(tok->encode(text, k % 2 == 0), ids);
            }
        }
        qInfo("fuzz: %zu mutated files, %zu loaded, %zu texts encoded", loads, loaded, encodes);
        QVERIFY(loaded > 0);
        QVERIFY(encodes > 0);
    }
};

QTEST_GUILESS_MAIN(TokenizeRobustnessTest)
#include "tst_tokenize_robustness.moc"

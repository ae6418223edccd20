// Tokenizers against Hugging Face: llama.cpp's vocabulary vectors (made with
// AutoTokenizer.encode(text, add_special_tokens=False)) through GGUF, vocab.json + merges.txt and
// tokenizer.json.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tokenize/gguf_pre_tokenizers.h"
#include "tokenize/pre_tokenizers.h"
#include "tokenize/tokenizer.h"
#include "util/compressed_file.h"
#include "util/error.h"

namespace {

const std::string kData = std::string(LLMAP_TEST_DATA) + "/tokenize";

std::string readAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

struct Vectors {
    std::vector<std::string> texts;
    std::vector<std::vector<int32_t>> ids;
};

// .inp: strings each followed by "\n__ggml_vocab_test__\n"; .out: one line of ids per string.
Vectors readVectors(const std::string& stem) {
    Vectors v;
    const std::string inp = readAll(kData + "/gguf/" + stem + ".gguf.inp");
    const std::string sep = "\n__ggml_vocab_test__\n";
    for (size_t pos = 0; pos < inp.size();) {
        const size_t e = inp.find(sep, pos);
        if (e == std::string::npos) break;
        v.texts.push_back(inp.substr(pos, e - pos));
        pos = e + sep.size();
    }
    std::istringstream out(readAll(kData + "/gguf/" + stem + ".gguf.out"));
    std::string line;
    while (std::getline(out, line)) {
        std::istringstream ls(line);
        std::vector<int32_t> ids;
        int32_t id;
        while (ls >> id) ids.push_back(id);
        v.ids.push_back(ids);
    }
    return v;
}

QString show(const std::vector<int32_t>& ids) {
    QStringList s;
    for (int32_t i : ids) s << QString::number(i);
    return s.join(' ');
}

void checkVectors(const llmap::Tokenizer& tok, const std::string& stem, size_t strings = 46) {
    const Vectors v = readVectors(stem);
    QCOMPARE(v.texts.size(), strings);
    QCOMPARE(v.ids.size(), v.texts.size());
    int failures = 0;
    for (size_t i = 0; i < v.texts.size(); ++i) {
        const auto got = tok.encode(v.texts[i], false);
        if (got != v.ids[i]) {
            ++failures;
            qWarning("%s #%zu \"%s\": got [%s] want [%s]", stem.c_str(), i, v.texts[i].c_str(),
                     qPrintable(show(got)), qPrintable(show(v.ids[i])));
        }
    }
    QCOMPARE(failures, 0);
}

std::vector<int32_t> parseIds(const std::string& line) {
    std::istringstream ls(line);
    std::vector<int32_t> ids;
    int32_t id;
    while (ls >> id) ids.push_back(id);
    return ids;
}

struct Battery {
    std::vector<std::string> categories, texts;
};

const Battery& battery() {
    static const Battery b = [] {
        Battery r;
        std::istringstream in(llmap::readInputFile(kData + "/oracle/battery.jsonl.gz"));
        std::string line;
        while (std::getline(in, line)) {
            const auto j = nlohmann::json::parse(line);
            r.categories.push_back(j.at("category").get<std::string>());
            r.texts.push_back(j.at("text").get<std::string>());
        }
        return r;
    }();
    return b;
}

const char* kOracleTokenizers[] = {
    "bpe-bytelevel",    "bpe-split-bytelevel",  "bpe-metaspace-fallback", "bpe-prepend-legacy",
    "bpe-suffix-punct", "bpe-split-behaviours", "unigram-metaspace",      "unigram-fallback",
    "wordlevel",        "wordpiece-bert",       "phi3-gguf-converted",    "phi3-llama-class",
    "spm-bpe"};

}  // namespace

class TokenizeTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void ggufGpt2() {
        auto tok = llmap::loadTokenizer(kData + "/gguf/ggml-vocab-gpt-2.gguf.gz");
        QCOMPARE(QString::fromStdString(tok->kind()), QStringLiteral("gguf/gpt2"));
        QCOMPARE(tok->vocabSize(), size_t(50257));
        checkVectors(*tok, "ggml-vocab-gpt-2");
    }
    void ggufQwen2() {
        auto tok = llmap::loadTokenizer(kData + "/gguf/ggml-vocab-qwen2.gguf.gz");
        checkVectors(*tok, "ggml-vocab-qwen2");
    }
    // llama.cpp's Qwen3.5 vocabulary is its Qwen2 one with tokenizer.ggml.pre "qwen35", byte for
    // byte: the committed Qwen2 file so patched, on llama.cpp's qwen35 vectors (combining marks).
    void ggufQwen35() {
        std::string bytes = llmap::readInputFile(kData + "/gguf/ggml-vocab-qwen2.gguf.gz");
        const std::string key = "tokenizer.ggml.pre";
        const size_t at = bytes.find(key) + key.size() + 4;  // the string value's length
        QCOMPARE(bytes.substr(at + 8, 5), std::string("qwen2"));
        std::string length(8, '\0');
        length[0] = 6;
        bytes.replace(at, 8 + 5, length + "qwen35");
        QTemporaryDir dir;
        const std::string path = dir.filePath("ggml-vocab-qwen35.gguf").toStdString();
        std::ofstream(path, std::ios::binary)
            .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        auto tok = llmap::loadTokenizer(path);
        checkVectors(*tok, "ggml-vocab-qwen35", 50);
    }
    void ggufLlamaSpm() {
        auto tok = llmap::loadTokenizer(kData + "/gguf/ggml-vocab-llama-spm.gguf.gz");
        QCOMPARE(QString::fromStdString(tok->kind()), QStringLiteral("gguf/llama"));
        checkVectors(*tok, "ggml-vocab-llama-spm");
    }
    void ggufPhi3() {
        auto tok = llmap::loadTokenizer(kData + "/gguf/ggml-vocab-phi-3.gguf.gz");
        checkVectors(*tok, "ggml-vocab-phi-3");
    }
    void vocabMergesGpt2() {
        auto tok = llmap::loadTokenizer(kData + "/gpt2");
        QCOMPARE(QString::fromStdString(tok->kind()), QStringLiteral("vocab.json+merges.txt/BPE"));
        checkVectors(*tok, "ggml-vocab-gpt-2");
    }
    void tokenizerJsonQwen3() {
        auto tok = llmap::loadTokenizer(kData + "/qwen3");
        QCOMPARE(QString::fromStdString(tok->kind()), QStringLiteral("tokenizer.json/BPE"));
        checkVectors(*tok, "ggml-vocab-qwen2");
    }

    // Every GGUF pre-tokenizer family (tokenizer.ggml.pre): the pieces its regexes cut each string
    // into, against Hugging Face tokenizers' Split(pattern, "isolated") on the same patterns.
    void ggufPreTokenizerSplits() {
        std::istringstream in(llmap::readInputFile(kData + "/oracle/gguf-pre-splits.jsonl.gz"));
        std::string line;
        int families = 0;
        while (std::getline(in, line)) {
            const auto j = nlohmann::json::parse(line);
            const std::string name = j.at("name").get<std::string>();
            const auto pre = llmap::ggufPreTokenizer(name);
            QVERIFY2(pre.has_value(), name.c_str());
            QCOMPARE(pre->patterns, j.at("patterns").get<std::vector<std::string>>());
            const auto splitter = llmap::makeIsolatedSplits(pre->patterns, name);
            const auto indices = j.at("battery_indices").get<std::vector<size_t>>();
            int failures = 0;
            for (size_t i = 0; i < indices.size(); ++i) {
                const std::string& text = battery().texts.at(indices[i]);
                std::vector<llmap::Piece> pieces{{text, true}};
                splitter->apply(pieces);
                std::vector<size_t> lengths;
                for (const auto& p : pieces) lengths.push_back(p.text.size());
                if (lengths != j.at("lengths")[i].get<std::vector<size_t>>() && ++failures <= 3) {
                    qWarning("%s: text %zu \"%s\" is split differently", name.c_str(), indices[i],
                             text.substr(0, 80).c_str());
                }
            }
            QCOMPARE(failures, 0);
            ++families;
        }
        QCOMPARE(families, 32);
    }

    // The other tokenizer.ggml.pre names of llama.cpp's llama-vocab.cpp: each shares the regexes
    // of a family checked above, with llama.cpp's ignore_merges and add_bos flags for the name.
    void ggufPreTokenizerNamesShareFamilies() {
        struct Name {
            const char* name;
            const char* family;
            bool ignoreMerges;
            bool addBos;
        };
        const Name names[] = {
            {"modern-bert", "gpt-2", false, false},
            {"exaone4", "gpt-2", false, false},
            {"llama-bpe", "llama-bpe", true, true},
            {"jina-v5-nano", "llama-bpe", true, true},
            {"lfm2", "llama-bpe", true, true},
            {"dbrx", "llama-bpe", false, false},
            {"f2llmv2", "qwen2", false, false},
            {"solar-open", "qwen2", false, false},
            {"grok-2", "qwen2", false, false},
            {"mellum2", "starcoder", false, false},
            {"joyai-llm", "deepseek-v3", false, false},
            {"hy_v4", "deepseek-v3", false, false},
            {"chatglm-bpe", "chatglm-bpe", false, false},
            {"glm4", "chatglm-bpe", true, false},
            {"glm5", "chatglm-bpe", true, false},
            {"kanana2", "gpt-4o", false, false},
            {"talkie", "gpt-4o", false, false},
            {"minimax-m2", "gpt-4o", false, false},
            {"cohere2moe", "tiny_aya", false, false},
            {"tekken", "tekken", true, true},
            {"chameleon", "chameleon", false, true},
            {"youtu", "youtu", true, false},
            {"minicpm5", "minicpm5", true, false},
            {"granite-embed-multi-97m", "granite-embed-multi-97m", true, false},
            {"qwen35", "qwen35", false, false},
            {"kimi-k2", "kimi-k2", false, false},
        };
        for (const Name& n : names) {
            const auto pre = llmap::ggufPreTokenizer(n.name);
            const auto family = llmap::ggufPreTokenizer(n.family);
            QVERIFY2(pre && family, n.name);
            QVERIFY2(pre->patterns == family->patterns, n.name);
            QVERIFY2(pre->ignoreMerges == n.ignoreMerges, n.name);
            QVERIFY2(pre->addBos == n.addBos, n.name);
        }
        // The names llama.cpp reads as BPE on raw UTF-8 with <0xXX> byte tokens.
        const auto gemma4 = llmap::ggufPreTokenizer("gemma4");
        const auto granite = llmap::ggufPreTokenizer("granite-embed-multi-311m");
        const auto sarvam = llmap::ggufPreTokenizer("sarvam-moe");
        const auto whitespace = llmap::ggufPreTokenizer("whitespace");
        QVERIFY(gemma4 && granite && sarvam && whitespace);
        QVERIFY(granite->patterns == gemma4->patterns && sarvam->patterns == gemma4->patterns);
        for (const auto* p : {&*gemma4, &*granite, &*sarvam, &*whitespace}) QVERIFY(!p->byteLevel);
        QVERIFY(gemma4->escapeSpaces && granite->escapeSpaces && sarvam->escapeSpaces);
        QVERIFY(!whitespace->escapeSpaces);
        QVERIFY(gemma4->wholeNewlineRuns && gemma4->alwaysBos && granite->alwaysBos);
        QVERIFY(!sarvam->wholeNewlineRuns && !sarvam->alwaysBos && !whitespace->alwaysBos);
    }

    // GGUF vocabularies of tokenizer.ggml.model "gemma4" and of the raw-UTF-8 pre names
    // (tests/oracle/tokenize/generate_gguf2_vocab.py): token ids against Hugging Face tokenizers
    // running the same pipeline, with llama.cpp's Gemma-4 newline rule and forced BOS.
    void ggufRawUtf8Vocabularies() {
        const auto j =
            nlohmann::json::parse(llmap::readInputFile(kData + "/gguf/gguf2-vocab.json"));
        QCOMPARE(j.at("cases").size(), size_t(4));
        for (const auto& c : j.at("cases")) {
            const std::string file = c.at("file").get<std::string>();
            auto tok = llmap::loadTokenizer(kData + "/gguf/" + file);
            QCOMPARE(tok->kind(), "gguf/" + c.at("model").get<std::string>());
            for (const auto& t : c.at("texts")) {
                const std::string text = t.at("text").get<std::string>();
                const auto ids = tok->encode(text, true);
                QVERIFY2(ids == t.at("ids").get<std::vector<int32_t>>(),
                         (file + ": \"" + text + "\"").c_str());
            }
        }
    }

    // Vocabulary queries against transformers (len(tokenizer), bos/eos_token_id,
    // convert_tokens_to_ids) and decode(encode(text)) == text, as Hugging Face's decode gives it.
    void queriesAndDecode() {
        auto qwen = llmap::loadTokenizer(kData + "/qwen3/tokenizer.json.gz");
        QCOMPARE(qwen->vocabSize(), size_t(151669));
        QVERIFY(!qwen->bosId());
        QCOMPARE(qwen->eosId().value_or(-1), 151645);
        QCOMPARE(qwen->tokenId("<|endoftext|>").value_or(-1), 151643);
        QVERIFY(!qwen->tokenId("no such token"));
        auto llama = llmap::loadTokenizer(kData + "/gguf/ggml-vocab-llama-spm.gguf.gz");
        QCOMPARE(llama->bosId().value_or(-1), 1);
        QCOMPARE(llama->eosId().value_or(-1), 2);
        QCOMPARE(llama->vocabSize(), size_t(32000));
        QCOMPARE(llama->tokenId("<0x0A>").value_or(-1), 13);
        auto gpt2 = llmap::loadTokenizer(kData + "/gpt2");
        const Vectors v = readVectors("ggml-vocab-gpt-2");
        for (const auto& text : v.texts) {
            QCOMPARE(gpt2->decode(gpt2->encode(text, false)), text);
            QCOMPARE(qwen->decode(qwen->encode(text, false)), text);
            QCOMPARE(llama->decode(llama->encode(text, false)), text);
        }
        QCOMPARE(qwen->decode(qwen->encode("<|im_start|>user hi<|im_end|>", true)),
                 std::string("<|im_start|>user hi<|im_end|>"));
    }

    // llmap-cli tokenize: --file bytes as they are (trailing newlines included), both formats,
    // special tokens, exit code 2 on bad input.
    void cliTokenize() {
        const Vectors v = readVectors("ggml-vocab-llama-spm");
        QTemporaryDir dir;
        const std::string gguf = kData + "/gguf/ggml-vocab-llama-spm.gguf.gz";
        auto run = [](const QStringList& args, QString* out) {
            QProcess p;
            p.start(QStringLiteral(LLMAP_CLI_PATH), args);
            p.waitForFinished(60000);
            *out = QString::fromUtf8(p.readAllStandardOutput());
            return p.exitCode();
        };
        for (size_t i = 0; i < 14; ++i) {
            const QString file = dir.filePath(QString("t%1.txt").arg(i));
            std::ofstream(file.toStdString(), std::ios::binary) << v.texts[i];
            QString out;
            QCOMPARE(run({"tokenize", "--tokenizer", QString::fromStdString(gguf), "--file", file,
                          "--no-special"},
                         &out),
                     0);
            QCOMPARE(out, show(v.ids[i]) + "\n");
            QCOMPARE(run({"tokenize", "--tokenizer", QString::fromStdString(gguf), "--file", file},
                         &out),
                     0);
            QCOMPARE(out.trimmed(), ("1 " + show(v.ids[i])).trimmed());
        }
        QString out;
        QCOMPARE(run({"tokenize", "--tokenizer", QString::fromStdString(gguf), "--text",
                      "Hello world", "--format", "json"},
                     &out),
                 0);
        const auto j = nlohmann::json::parse(out.toStdString());
        QCOMPARE(j.at("ids"), nlohmann::json({1, 15043, 3186}));
        QCOMPARE(j.at("tokenizer").get<std::string>(), std::string("gguf/llama"));
        QCOMPARE(
            run({"tokenize", "--tokenizer", dir.filePath("missing.json"), "--text", "x"}, &out), 2);
        QCOMPARE(run({"tokenize", "--tokenizer", QString::fromStdString(gguf)}, &out), 2);
        QCOMPARE(run({"tokenize", "--tokenizer", QString::fromStdString(gguf), "--text", "x",
                      "--format", "xml"},
                     &out),
                 2);
    }

    // Tokenizers trained with Hugging Face tokenizers (tests/oracle/tokenize/generate.py), each
    // against AutoTokenizer's ids of every battery string, with and without special tokens.
    void oracle_data() {
        QTest::addColumn<QString>("name");
        for (const char* name : kOracleTokenizers) QTest::newRow(name) << QString(name);
    }
    void oracle() {
        QFETCH(QString, name);
        const std::string folder = kData + "/oracle/" + name.toStdString();
        const Battery& b = battery();
        QVERIFY(b.texts.size() >= 2000);
        auto tok = llmap::loadTokenizer(folder);
        std::istringstream in(llmap::readInputFile(folder + "/expected.txt.gz"));
        std::string header, line;
        std::getline(in, header);
        const bool full = header == "full";
        std::vector<int32_t> prefix, suffix;
        if (!full) {
            const size_t bar = header.find('|');
            QVERIFY(bar != std::string::npos);
            prefix = parseIds(header.substr(0, bar));
            suffix = parseIds(header.substr(bar + 1));
        }
        int failures = 0, notCompared = 0;
        for (size_t i = 0; i < b.texts.size(); ++i) {
            QVERIFY(std::getline(in, line));
            const std::vector<int32_t> plain = parseIds(line);
            std::vector<int32_t> special;
            if (full) {
                QVERIFY(std::getline(in, line));
                special = parseIds(line);
            } else {
                special = prefix;
                special.insert(special.end(), plain.begin(), plain.end());
                special.insert(special.end(), suffix.begin(), suffix.end());
            }
            // "-": transformers' conversion of a tokenizer.model and SentencePiece itself disagree
            // on this string (U+2581 in the text); LLMap follows SentencePiece (generate.py).
            if (line == "-") {
                ++notCompared;
                continue;
            }
            const auto gotPlain = tok->encode(b.texts[i], false);
            const auto gotSpecial = tok->encode(b.texts[i], true);
            if (gotPlain != plain || gotSpecial != special) {
                if (++failures <= 8) {
                    const bool p = gotPlain != plain;
                    qWarning("%s #%zu [%s] %s \"%s\":\n got  [%s]\n want [%s]", qPrintable(name), i,
                             b.categories[i].c_str(), p ? "plain" : "special",
                             b.texts[i].substr(0, 120).c_str(),
                             qPrintable(show(p ? gotPlain : gotSpecial)),
                             qPrintable(show(p ? plain : special)));
                }
            }
        }
        QCOMPARE(failures, 0);
        QVERIFY(notCompared <= 2);
    }
};

QTEST_GUILESS_MAIN(TokenizeTest)
#include "tst_tokenize.moc"

// Tokenizers against Hugging Face: llama.cpp's vocabulary vectors (made with
// AutoTokenizer.encode(text, add_special_tokens=False)) through GGUF, vocab.json + merges.txt and
// tokenizer.json.
#include <QtTest>

#include <fstream>
#include <sstream>

#include "tokenize/tokenizer.h"
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

void checkVectors(const llmap::Tokenizer& tok, const std::string& stem) {
    const Vectors v = readVectors(stem);
    QCOMPARE(v.texts.size(), size_t(46));
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
};

QTEST_GUILESS_MAIN(TokenizeTest)
#include "tst_tokenize.moc"

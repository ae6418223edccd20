// tokenizer.model read without the SentencePiece library: a Unigram model against the library's
// own encodings (the BPE case is in tst_tokenize's oracle), and the protobuf reader on damaged
// input.
#include <QtTest>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "tokenize/sentencepiece_model_proto.h"
#include "tokenize/tokenizer.h"
#include "util/error.h"

namespace {
const std::string kDir = std::string(LLMAP_TEST_DATA) + "/tokenize/spm-unigram";

std::string readAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), {});
}
}  // namespace

class SentencePieceTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void unigramMatchesTheLibrary() {
        auto tok = llmap::loadTokenizer(kDir + "/tokenizer.model");
        const auto cases = nlohmann::json::parse(readAll(kDir + "/expected.json"));
        QVERIFY(cases.size() > 150);
        for (const auto& c : cases) {
            const std::string text = c["text"];
            const auto expected = c["ids"].get<std::vector<int32_t>>();
            const auto got = tok->encode(text, false);
            if (got != expected)
                QFAIL(qPrintable(
                    QStringLiteral("differs on \"%1\"").arg(QString::fromStdString(text))));
        }
        QCOMPARE(tok->bosId(), std::optional<int32_t>(1));
        QCOMPARE(tok->eosId(), std::optional<int32_t>(2));
    }

    void protoFields() {
        const auto m = llmap::parseSentencePieceModel(readAll(kDir + "/tokenizer.model"), "t");
        QCOMPARE(m.modelType, int(llmap::SentencePieceModelProto::Unigram));
        QVERIFY(m.byteFallback);
        QCOMPARE(m.pieces.size(), size_t(600));
        QCOMPARE(m.pieces[0].text, std::string("<unk>"));
        QCOMPARE(m.pieces[0].type, int(llmap::SentencePieceModelProto::Unknown));
        QCOMPARE(m.normalizerName, std::string("identity"));
        QVERIFY(m.addDummyPrefix && m.removeExtraWhitespaces && m.escapeWhitespaces);
    }

    void damagedInputIsRefused() {
        const std::string bytes = readAll(kDir + "/tokenizer.model");
        for (size_t cut : {size_t(1), size_t(7), bytes.size() / 3, bytes.size() - 1}) {
            QVERIFY_THROWS_EXCEPTION(llmap::InputError,
                                     llmap::parseSentencePieceModel(bytes.substr(0, cut), "t"));
        }
        QVERIFY_THROWS_EXCEPTION(llmap::InputError, llmap::parseSentencePieceModel("", "t"));
        QVERIFY_THROWS_EXCEPTION(llmap::InputError,
                                 llmap::parseSentencePieceModel("\xff\xff\xff", "t"));
        // Random bytes never crash the reader.
        std::mt19937 rng(3);
        for (int i = 0; i < 2000; ++i) {
            std::string junk = bytes.substr(0, rng() % 400);
            for (int k = 0; k < 5 && !junk.empty(); ++k)
                junk[rng() % junk.size()] = static_cast<char>(rng());
            try {
                llmap::parseSentencePieceModel(junk, "t");
            } catch (const llmap::InputError&) {
            }
        }
    }
};

QTEST_GUILESS_MAIN(SentencePieceTest)
#include "tst_sentencepiece.moc"

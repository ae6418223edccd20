// Text sets: UTF-8 checks, the paper's chunking (hand-computed edges), seeded sampling against an
// independent Python reference, the loaders (plain, CSV, JSONL, gzip) and the builder.
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "text/chunking.h"
#include "text/sampling.h"
#include "text/subset.h"
#include "text/text_loaders.h"
#include "text/text_set_builder.h"
#include "util/compressed_file.h"
#include "util/error.h"
#include "util/utf8.h"

using namespace llmap;

namespace {

const std::string kData = std::string(LLMAP_TEST_DATA) + "/texts/";

void writeFile(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out << bytes;
}

std::vector<size_t> sizes(const std::vector<Chunk>& chunks) {
    std::vector<size_t> s;
    for (const Chunk& c : chunks) s.push_back(c.text.size());
    return s;
}

std::vector<size_t> offsets(const std::vector<Chunk>& chunks) {
    std::vector<size_t> s;
    for (const Chunk& c : chunks) s.push_back(c.offset);
    return s;
}

template <typename F>
QString inputErrorOf(F&& f) {
    try {
        f();
    } catch (const InputError& e) {
        return QString::fromStdString(e.message());
    }
    return {};
}

std::string rep(const std::string& s, size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i) out += s;
    return out;
}

using Sizes = std::vector<size_t>;

}  // namespace

class TextsTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void utf8Validity() {
        QCOMPARE(firstInvalidUtf8("plain ascii"), std::string::npos);
        QCOMPARE(firstInvalidUtf8("Gr\xC3\xBC\xC3\x9F"
                                  "e \xE4\xB8\x96 \xF0\x9F\x8C\x8D"),
                 std::string::npos);
        QCOMPARE(firstInvalidUtf8("ab\xFF"), size_t(2));
        QCOMPARE(firstInvalidUtf8("a\xC0\x80"), size_t(1));                 // overlong NUL
        QCOMPARE(firstInvalidUtf8("\xE0\x80\x80"), size_t(0));              // overlong 3-byte
        QCOMPARE(firstInvalidUtf8("xy\xED\xA0\x80"), size_t(2));            // surrogate U+D800
        QCOMPARE(firstInvalidUtf8("\xF4\x90\x80\x80"), size_t(0));          // above U+10FFFF
        QCOMPARE(firstInvalidUtf8("abc\xE2\x82"), size_t(3));               // cut short
        QCOMPARE(firstInvalidUtf8("\x80"), size_t(0));                      // stray continuation
        QCOMPARE(firstInvalidUtf8("\xF4\x8F\xBF\xBF"), std::string::npos);  // U+10FFFF itself
        QCOMPARE(lineOfOffset("a\nb\nc", 4), size_t(3));
        const QString msg = inputErrorOf([] { requireValidUtf8("ok\nok\n\xFE", "f.txt"); });
        QVERIFY(msg.contains("f.txt"));
        QVERIFY(msg.contains("0xFE"));
        QVERIFY(msg.contains("byte offset 6"));
        QVERIFY(msg.contains("line 3"));
    }

    void chunkExactEdges() {
        QCOMPARE(sizes(cutIntoChunks(std::string(2048, 'a'), 1024)), (Sizes{1024, 1024}));
        QCOMPARE(offsets(cutIntoChunks(std::string(2048, 'a'), 1024)), (Sizes{0, 1024}));
        QCOMPARE(sizes(cutIntoChunks(std::string(1024, 'a'), 1024)), (Sizes{1024}));
        QCOMPARE(sizes(cutIntoChunks(std::string(1025, 'a'), 1024)), (Sizes{1024, 1}));
        QCOMPARE(sizes(cutIntoChunks("", 1024)), Sizes{});
        // Kept only when strictly longer than 256 bytes.
        QCOMPARE(sizes(keptChunks(std::string(257, 'a'), {})), (Sizes{257}));
        QCOMPARE(sizes(keptChunks(std::string(256, 'a'), {})), Sizes{});
        QCOMPARE(sizes(keptChunks(std::string(1025, 'a'), {})), (Sizes{1024}));
        QCOMPARE(sizes(keptChunks(std::string(1024 + 256, 'a'), {})), (Sizes{1024}));
        QCOMPARE(sizes(keptChunks(std::string(1024 + 257, 'a'), {})), (Sizes{1024, 257}));
        QCOMPARE(sizes(keptChunks(std::string(3000, 'a'), {})), (Sizes{1024, 1024, 952}));
        // Other limits.
        QCOMPARE(sizes(keptChunks("abcdefghijklmnopqrstuvwxy", {10, 3})), (Sizes{10, 10, 5}));
        QCOMPARE(sizes(keptChunks("abcdefghijklmnopqrstuvw", {10, 3})), (Sizes{10, 10}));
        QVERIFY(inputErrorOf([] { cutIntoChunks("abc", 3); }).contains("at least 4"));
    }

    void chunkNeverSplitsACharacter() {
        // 2-byte "é" (C3 A9) at bytes 1023-1024: the cut at 1024 moves back to 1023.
        const std::string two = std::string(1023, 'a') + "\xC3\xA9" + std::string(300, 'b');
        QCOMPARE(sizes(cutIntoChunks(two, 1024)), (Sizes{1023, 302}));
        QCOMPARE(offsets(cutIntoChunks(two, 1024)), (Sizes{0, 1023}));
        QCOMPARE(std::string(cutIntoChunks(two, 1024)[1].text.substr(0, 2)),
                 std::string("\xC3\xA9"));
        // 3-byte "€" (E2 82 AC) at 1022-1024: back to 1022.
        const std::string three = std::string(1022, 'a') + "\xE2\x82\xAC" + std::string(400, 'c');
        QCOMPARE(sizes(cutIntoChunks(three, 1024)), (Sizes{1022, 403}));
        // 4-byte emoji (F0 9F 98 80) ending exactly at 1024: no move.
        const std::string fits =
            std::string(1020, 'a') + "\xF0\x9F\x98\x80" + std::string(300, 'x');
        QCOMPARE(sizes(cutIntoChunks(fits, 1024)), (Sizes{1024, 300}));
        // The emoji at 1021-1024: back to 1021.
        const std::string across =
            std::string(1021, 'a') + "\xF0\x9F\x98\x80" + std::string(300, 'z');
        QCOMPARE(sizes(cutIntoChunks(across, 1024)), (Sizes{1021, 304}));
        // Only 3-byte characters: 1,000 x U+65E5 = 3,000 bytes -> 1023 + 1023 + 954.
        const std::string cjk = rep("\xE6\x97\xA5", 1000);
        QCOMPARE(sizes(cutIntoChunks(cjk, 1024)), (Sizes{1023, 1023, 954}));
        QCOMPARE(offsets(cutIntoChunks(cjk, 1024)), (Sizes{0, 1023, 2046}));
        // A chunk that is exactly 256 bytes after moving back is dropped; 257 is kept.
        const std::string back = std::string(1022, 'a') + "\xE2\x82\xAC" + std::string(253, 'c');
        QCOMPARE(sizes(cutIntoChunks(back, 1024)), (Sizes{1022, 256}));
        QCOMPARE(sizes(keptChunks(back, {})), (Sizes{1022}));
        QCOMPARE(sizes(keptChunks(back + "d", {})), (Sizes{1022, 257}));
    }

    void chunksCoverRandomDocuments() {
        // Property check over random UTF-8: chunks are consecutive, valid, at most 1,024 bytes, and
        // a chunk is shorter than 1,021 bytes only at the end of the document.
        std::mt19937 gen(5);
        const std::vector<std::string> alphabet = {
            "a", " ", "\n", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xD7\x90"};
        for (int trial = 0; trial < 200; ++trial) {
            std::string doc;
            const size_t length = gen() % 5000;
            while (doc.size() < length) doc += alphabet[gen() % alphabet.size()];
            const auto chunks = cutIntoChunks(doc, 1024);
            std::string joined;
            for (size_t i = 0; i < chunks.size(); ++i) {
                QCOMPARE(chunks[i].offset, joined.size());
                QVERIFY(chunks[i].text.size() <= 1024);
                QVERIFY(chunks[i].text.size() > 0);
                QCOMPARE(firstInvalidUtf8(chunks[i].text), std::string::npos);
                if (i + 1 < chunks.size()) QVERIFY(chunks[i].text.size() >= 1021);
                joined.append(chunks[i].text);
            }
            QCOMPARE(joined, doc);
            for (const Chunk& c : keptChunks(doc, {})) QVERIFY(c.text.size() > 256);
        }
    }

    void samplingMatchesReference() {
        const auto ref = nlohmann::json::parse(readInputFile(kData + "sampling_reference.json"));
        for (const auto& [seed, values] : ref["splitmix64"].items()) {
            SplitMix64 rng(std::stoull(seed));
            for (const auto& v : values) QCOMPARE(rng.next(), std::stoull(v.get<std::string>()));
        }
        QCOMPARE(SplitMix64(0).next(), 0xE220A8397B1DCDAFULL);  // the published first value
        for (const auto& s : ref["samples"]) {
            SplitMix64 rng(s["seed"].get<uint64_t>());
            const auto got = sampleIndices(s["n"].get<size_t>(), s["k"].get<size_t>(), rng);
            QCOMPARE(got, s["indices"].get<std::vector<size_t>>());
        }
        const auto& chained = ref["chained"];
        SplitMix64 rng(chained["seed"].get<uint64_t>());
        QCOMPARE(sampleIndices(50, 5, rng), chained["first"]["indices"].get<std::vector<size_t>>());
        QCOMPARE(sampleIndices(30, 4, rng),
                 chained["second"]["indices"].get<std::vector<size_t>>());
    }

    void samplingIsUniform() {
        // Each of 10 items is drawn in about 3/10 of 20,000 samples of 3 (chi-square, 9 df).
        std::vector<double> hits(10, 0);
        SplitMix64 rng(123);
        const int trials = 20000;
        for (int t = 0; t < trials; ++t) {
            for (size_t i : sampleIndices(10, 3, rng)) hits[i] += 1;
        }
        double chi2 = 0;
        const double expected = trials * 0.3;
        for (double h : hits) chi2 += (h - expected) * (h - expected) / expected;
        QVERIFY2(chi2 < 27.9, qPrintable(QString::number(chi2)));  // p = 0.001
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, sampleIndices(3, 4, rng));
    }

    void gzipReading() {
        QCOMPARE(readInputFile(kData + "two_members.txt.gz"), std::string("alpha\nbeta\n"));
        const std::string text =
            "Gr\xC3\xBC\xC3\x9F"
            "e\n" +
            std::string(5000, 'z');
        QCOMPARE(readInputFile(writeTemp("round.gz", gzipCompress(text))), text);
        // A gzip header with mtime 0 and no name: the same bytes give the same file.
        const std::string gz = gzipCompress(text);
        QCOMPARE(gz.substr(0, 8), std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00", 8));
        QCOMPARE(gzipCompress(text), gz);
        const std::string cut = writeTemp("cut.gz", gz.substr(0, gz.size() / 2));
        QVERIFY(inputErrorOf([&] { readInputFile(cut); }).contains("damaged or cut short"));
        QVERIFY(inputErrorOf([] { readInputFile("/nonexistent/x.txt"); }).contains("cannot open"));
    }

    void plainLoaders() {
        TextSet lines = loadTextsPlain(kData + "lines.txt.gz", false, "demo");
        QCOMPARE(lines.texts, (std::vector<std::string>{"first text", "second text", "third"}));
        QCOMPARE(lines.ids, (std::vector<std::string>{"1", "3", "5"}));
        QCOMPARE(lines.sources, (std::vector<std::string>{"demo", "demo", "demo"}));

        const std::string docs = writeTemp(
            "docs.txt", "\xEF\xBB\xBFTitle one\nbody one\r\n\n\n  \t\nTitle two\n\nlast\n");
        TextSet d = loadTextsPlain(docs, true);
        QCOMPARE(d.texts, (std::vector<std::string>{"Title one\nbody one", "Title two", "last"}));
        QCOMPARE(d.ids, (std::vector<std::string>{"1", "6", "8"}));
        TextLoadOptions opt;
        opt.format = TextFormat::Documents;
        QCOMPARE(loadTextSet(docs, opt).size(), size_t(3));
        QCOMPARE(loadTextSet(docs).size(), size_t(4));  // auto: one text per non-blank line

        QVERIFY(inputErrorOf([&] {
                    loadTextsPlain(writeTemp("empty.txt", "\n \n"), false);
                }).contains("holds no texts"));
        const QString bad = inputErrorOf(
            [&] { loadTextsPlain(writeTemp("bad.txt", "ok\nlatin \xE9t\xE9\n"), false); });
        QVERIFY(bad.contains("not valid UTF-8"));
        QVERIFY(bad.contains("line 2"));
    }

    void csvLoader() {
        TextSet t = loadTextsCsv(kData + "quoted.csv.gz");
        QCOMPARE(t.texts, (std::vector<std::string>{"Hello, world", "two\nlines with \"quotes\""}));
        QCOMPARE(t.ids, (std::vector<std::string>{"r1", "r2"}));
        QCOMPARE(t.sources, (std::vector<std::string>{"news", "code"}));
        QCOMPARE(loadTextSet(kData + "quoted.csv.gz").texts, t.texts);

        const std::string other = writeTemp("other.csv", "body,lang\nBonjour,fr\nHallo,de\n");
        QVERIFY(inputErrorOf([&] { loadTextsCsv(other); }).contains("(it has: body, lang)"));
        TextLoadOptions opt;
        opt.csvColumn = "body";
        TextSet b = loadTextSet(other, opt);
        QCOMPARE(b.texts, (std::vector<std::string>{"Bonjour", "Hallo"}));
        QCOMPARE(b.ids, (std::vector<std::string>{"0", "1"}));
        const std::string ragged = writeTemp("ragged.csv", "text,id\nfine,1\nno id\n");
        QVERIFY(inputErrorOf([&] { loadTextsCsv(ragged); }).contains("ragged.csv:3"));
        QVERIFY(inputErrorOf([&] {
                    loadTextsCsv(writeTemp("h.csv", "text\n"));
                }).contains("holds no texts"));
        QVERIFY(inputErrorOf([&] { loadTextsCsv(writeTemp("e.csv", "")); }).contains("empty"));
        const std::string dup = writeTemp("dup.csv", "id,text\na,x\na,y\n");
        QVERIFY(inputErrorOf([&] { loadTextsCsv(dup); }).contains("appears twice"));
    }

    void jsonlThroughGzipAndWriter() {
        TextSet t;
        t.ids = {"a", "b"};
        t.texts = {"x \"quoted\"\n\xE4\xB8\x96", "y"};
        t.sources = {"s1", ""};
        const std::string plain = dir_.filePath("w.jsonl").toStdString();
        writeTextsJsonl(t, plain);
        QCOMPARE(
            readInputFile(plain),
            std::string(
                "{\"id\":\"a\",\"source\":\"s1\",\"text\":\"x \\\"quoted\\\"\\n\xE4\xB8\x96\"}\n"
                "{\"id\":\"b\",\"source\":\"\",\"text\":\"y\"}\n"));
        const std::string gz = dir_.filePath("w.jsonl.gz").toStdString();
        writeTextsJsonl(t, gz);
        TextSet back = loadTextSet(gz);
        QCOMPARE(back.texts, t.texts);
        QCOMPARE(back.ids, t.ids);
        QCOMPARE(back.sources, t.sources);
        QCOMPARE(back.contentHash(), t.contentHash());
        QVERIFY(inputErrorOf([&] {
                    loadTextsJsonl(writeTemp("bad.jsonl", "{\"text\":\"\xC3\"}\n"));
                }).contains("not valid UTF-8"));
    }

    void sourceSpecs() {
        SourceSpec a = parseSourceSpec("fiction=books/*.txt");
        QCOMPARE(a.label, std::string("fiction"));
        QVERIFY(!a.count);
        QCOMPARE(a.path, std::string("books/*.txt"));
        SourceSpec b = parseSourceSpec("udhr.v2:1000=data/udhr");
        QCOMPARE(b.label, std::string("udhr.v2"));
        QCOMPARE(*b.count, size_t(1000));
        QCOMPARE(b.path, std::string("data/udhr"));
        SourceSpec c = parseSourceSpec("plain/path.txt");
        QCOMPARE(c.label, std::string());
        QCOMPARE(c.path, std::string("plain/path.txt"));
        SourceSpec d = parseSourceSpec("./a=b.txt");  // not a label: a path with '='
        QCOMPARE(d.label, std::string());
        QCOMPARE(d.path, std::string("./a=b.txt"));
        QVERIFY(inputErrorOf([] { parseSourceSpec("x:0=p"); }).contains("at least 1"));
        QVERIFY(inputErrorOf([] { parseSourceSpec("x:ab=p"); }).contains("not a number"));
        QVERIFY(inputErrorOf([] { parseSourceSpec("x y:3=p"); }).contains("source label"));
        QVERIFY(inputErrorOf([] { parseSourceSpec("x="); }).contains("names no file"));
    }

    void pathExpansion() {
        QDir(dir_.path()).mkpath("tree/sub/deep");
        QDir(dir_.path()).mkpath("tree/.hidden");
        const std::string root = dir_.filePath("tree").toStdString();
        writeFile(root + "/b.txt", "b");
        writeFile(root + "/a.py", "a");
        writeFile(root + "/sub/c.py", "c");
        writeFile(root + "/sub/deep/d.py", "d");
        writeFile(root + "/.hidden/e.py", "e");
        writeFile(root + "/.f.py", "f");
        auto names = [](const std::vector<InputFile>& files) {
            std::vector<std::string> n;
            for (const auto& f : files) n.push_back(f.name);
            return n;
        };
        using Names = std::vector<std::string>;
        QCOMPARE(names(expandInputPath(root)),
                 (Names{"a.py", "b.txt", "sub/c.py", "sub/deep/d.py"}));
        QCOMPARE(names(expandInputPath(root + "/**/*.py")),
                 (Names{"a.py", "sub/c.py", "sub/deep/d.py"}));
        QCOMPARE(names(expandInputPath(root + "/*/*.py")), (Names{"sub/c.py"}));
        QCOMPARE(names(expandInputPath(root + "/b.txt")), (Names{"b.txt"}));
        QCOMPARE(expandInputPath(root + "/b.txt")[0].path, root + "/b.txt");
        QVERIFY(inputErrorOf([&] { expandInputPath(root + "/*.md"); }).contains("matches no file"));
        QVERIFY(
            inputErrorOf([&] { expandInputPath(root + "/nope.txt"); }).contains("no such file"));
        QVERIFY(inputErrorOf([&] {
                    expandInputPath(root + "/**/x/*.py");
                }).contains("only a file-name"));
    }

    void documentsFromFormats() {
        const std::string jsonl =
            writeTemp("d.jsonl", "{\"text\":\"one\",\"id\":\"k1\"}\n{\"text\":\"two\"}\n");
        auto docs = readDocuments({jsonl, "d.jsonl"}, DocumentFormat::Auto);
        QCOMPARE(docs.size(), size_t(2));
        QCOMPARE(docs[0].id, std::string("d.jsonl#k1"));
        QCOMPARE(docs[1].id, std::string("d.jsonl#1"));
        const std::string txt = writeTemp("p.txt", "para one\nstill\n\npara two\n");
        auto whole = readDocuments({txt, "p.txt"}, DocumentFormat::Auto);
        QCOMPARE(whole.size(), size_t(1));
        QCOMPARE(whole[0].text, std::string("para one\nstill\n\npara two\n"));
        auto paras = readDocuments({txt, "p.txt"}, DocumentFormat::Paragraphs);
        QCOMPARE(paras[1].id, std::string("p.txt:4"));
        QCOMPARE(paras[1].text, std::string("para two"));
        QCOMPARE(readDocuments({writeTemp("blank.txt", "\n\n"), "blank.txt"}, DocumentFormat::Lines)
                     .size(),
                 size_t(0));
        QCOMPARE(
            readDocuments({writeTemp("none.txt", ""), "none.txt"}, DocumentFormat::File).size(),
            size_t(0));
        QCOMPARE(documentFormatFromName("paragraphs"), DocumentFormat::Paragraphs);
        QVERIFY(inputErrorOf([] {
                    documentFormatFromName("pdf");
                }).contains("unknown document format"));
    }

    void builderKeepsEverythingWithoutCount() {
        const std::string src = dir_.filePath("b1").toStdString();
        QDir().mkpath(QString::fromStdString(src));
        // 2,600 bytes -> chunks 1024, 1024, 552 (all kept); 300 -> kept; 200 -> dropped.
        writeFile(src + "/long.txt", std::string(2600, 'L'));
        writeFile(src + "/mid.txt", std::string(300, 'M'));
        writeFile(src + "/short.txt", std::string(200, 'S'));
        std::vector<SourceReport> report;
        TextSet set = buildTextSet({parseSourceSpec("books=" + src)}, {}, &report);
        QCOMPARE(set.ids, (std::vector<std::string>{"books:long.txt@0", "books:long.txt@1024",
                                                    "books:long.txt@2048", "books:mid.txt@0"}));
        QCOMPARE(set.texts[2], std::string(552, 'L'));
        QCOMPARE(set.sources, std::vector<std::string>(4, "books"));
        QCOMPARE(report.size(), size_t(1));
        QCOMPARE(report[0].files, size_t(3));
        QCOMPARE(report[0].documents, size_t(3));
        QCOMPARE(report[0].chunks, size_t(5));
        QCOMPARE(report[0].kept, size_t(4));
        QCOMPARE(report[0].chosen, size_t(4));
    }

    void builderSamplesWithTheSeed() {
        // 1,000 one-chunk documents (Lines format): the chosen ones are exactly the reference
        // sample.
        std::string lines;
        for (int i = 0; i < 1000; ++i) lines += std::to_string(i) + std::string(300, 'x') + "\n";
        const std::string path = writeTemp("many.txt", lines);
        BuildOptions opt;
        opt.format = DocumentFormat::Lines;
        opt.seed = 42;
        opt.count = 12;
        TextSet set = buildTextSet({parseSourceSpec("n=" + path)}, opt);
        const auto ref = nlohmann::json::parse(readInputFile(kData + "sampling_reference.json"));
        std::vector<std::string> expected;
        for (size_t i : ref["samples"][2]["indices"].get<std::vector<size_t>>()) {
            expected.push_back("n:many.txt:" + std::to_string(i + 1) + "@0");
        }
        QCOMPARE(ref["samples"][2]["n"].get<int>(), 1000);
        QCOMPARE(set.ids, expected);
        QCOMPARE(buildTextSet({parseSourceSpec("n=" + path)}, opt).contentHash(),
                 set.contentHash());
        opt.seed = 43;
        QVERIFY(buildTextSet({parseSourceSpec("n=" + path)}, opt).ids != expected);
    }

    void builderCountsPerSource() {
        // Source "a" (count 5) has 50 chunks, "b" (no count) 30: seed 9 draws 5 of 50, then 4
        // of 30.
        std::string a, b;
        for (int i = 0; i < 50; ++i) a += std::string(300, 'a') + "\n";
        for (int i = 0; i < 30; ++i) b += std::string(400, 'b') + "\n";
        const std::string pa = writeTemp("a.txt", a), pb = writeTemp("b.txt", b);
        BuildOptions opt;
        opt.format = DocumentFormat::Lines;
        opt.seed = 9;
        opt.count = 9;
        std::vector<SourceReport> report;
        TextSet set =
            buildTextSet({parseSourceSpec("b=" + pb), parseSourceSpec("a:5=" + pa)}, opt, &report);
        const auto ref = nlohmann::json::parse(readInputFile(kData + "sampling_reference.json"));
        std::vector<std::string> expected;
        for (size_t i : ref["chained"]["second"]["indices"].get<std::vector<size_t>>()) {
            expected.push_back("b:b.txt:" + std::to_string(i + 1) + "@0");
        }
        for (size_t i : ref["chained"]["first"]["indices"].get<std::vector<size_t>>()) {
            expected.push_back("a:a.txt:" + std::to_string(i + 1) + "@0");
        }
        QCOMPARE(set.ids, expected);
        QCOMPARE(report[0].chosen, size_t(4));
        QCOMPARE(report[1].chosen, size_t(5));

        opt.count = 4;
        QVERIFY(inputErrorOf([&] {
                    buildTextSet({parseSourceSpec("a:5=" + pa), parseSourceSpec("b=" + pb)}, opt);
                }).contains("add up to 5"));
        opt.count = 40;
        QVERIFY(inputErrorOf([&] {
                    buildTextSet({parseSourceSpec("a:5=" + pa), parseSourceSpec("b=" + pb)}, opt);
                }).contains("have only 30"));
        opt.count.reset();
        QVERIFY(inputErrorOf([&] {
                    buildTextSet({parseSourceSpec("a:51=" + pa)}, opt);
                }).contains("has only 50"));
        // Without --count, a source with a count gives its count and the others everything.
        TextSet all = buildTextSet({parseSourceSpec("a:5=" + pa), parseSourceSpec("b=" + pb)}, opt);
        QCOMPARE(all.size(), size_t(35));
    }

    void builderRefusesBadInput() {
        BuildOptions opt;
        QVERIFY(inputErrorOf([&] { buildTextSet({}, opt); }).contains("no source"));
        const std::string tiny = writeTemp("tiny.txt", "too short");
        QVERIFY(inputErrorOf([&] {
                    buildTextSet({parseSourceSpec("t=" + tiny)}, opt);
                }).contains("no chunk longer than 256 bytes"));
        const std::string latin = writeTemp("latin.txt", std::string(400, 'a') + "caf\xE9");
        const QString bad =
            inputErrorOf([&] { buildTextSet({parseSourceSpec("l=" + latin)}, opt); });
        QVERIFY(bad.contains("latin.txt"));
        QVERIFY(bad.contains("not valid UTF-8"));
        QVERIFY(bad.contains("byte offset 403"));
        const std::string ok = writeTemp("ok.txt", std::string(400, 'o'));
        QVERIFY(inputErrorOf([&] {
                    buildTextSet({parseSourceSpec("s=" + ok), parseSourceSpec("s=" + ok)}, opt);
                }).contains("appears twice"));
        QCOMPARE(buildTextSet({parseSourceSpec("s=" + ok), parseSourceSpec("t=" + ok)}, opt).size(),
                 size_t(2));
        QVERIFY(inputErrorOf([&] {
                    buildTextSet({parseSourceSpec("m=/nonexistent/dir")}, opt);
                }).contains("no such file"));
    }

    void stratifiedSubsets() {
        // Sources a: 50, b: 30, c: 15, d: 5 (100 texts). A subset of 12: shares 6, 3.6, 1.8, 0.6
        // -> floors 6, 3, 1, 0 (10), remainders .6 (b), .8 (c), .6 (d): c then b get one more.
        TextSet t;
        const std::vector<std::pair<std::string, int>> sizes = {
            {"b", 30}, {"a", 50}, {"d", 5}, {"c", 15}};
        for (const auto& [label, n] : sizes) {
            for (int i = 0; i < n; ++i) {
                t.ids.push_back(label + std::to_string(i));
                t.texts.push_back("text " + label + std::to_string(i));
                t.sources.push_back(label);
            }
        }
        using Alloc = std::map<std::string, size_t>;
        QCOMPARE(stratifiedAllocation(t, 12), (Alloc{{"a", 6}, {"b", 4}, {"c", 2}, {"d", 0}}));
        // 14: shares 7, 4.2, 2.1, 0.7 -> 7, 4, 2, 0 (13) + d (.7).
        QCOMPARE(stratifiedAllocation(t, 14), (Alloc{{"a", 7}, {"b", 4}, {"c", 2}, {"d", 1}}));
        QCOMPARE(stratifiedAllocation(t, 100), (Alloc{{"a", 50}, {"b", 30}, {"c", 15}, {"d", 5}}));

        TextSet s = stratifiedSubset(t, 12, 7);
        QCOMPARE(s.size(), size_t(12));
        // Draws in label order from one stream: a (6 of 50), b (4 of 30), c (2 of 15).
        SplitMix64 rng(7);
        std::vector<std::string> expected;
        for (size_t k : sampleIndices(50, 6, rng)) expected.push_back("a" + std::to_string(k));
        std::vector<std::string> fromB, fromC;
        for (size_t k : sampleIndices(30, 4, rng)) fromB.push_back("b" + std::to_string(k));
        for (size_t k : sampleIndices(15, 2, rng)) fromC.push_back("c" + std::to_string(k));
        // Output keeps the input order: b's, then a's, then c's (d gives none).
        std::vector<std::string> ordered = fromB;
        ordered.insert(ordered.end(), expected.begin(), expected.end());
        ordered.insert(ordered.end(), fromC.begin(), fromC.end());
        QCOMPARE(s.ids, ordered);
        for (size_t i = 0; i < s.size(); ++i) QCOMPARE(s.texts[i], "text " + s.ids[i]);
        QCOMPARE(stratifiedSubset(t, 12, 7).ids, s.ids);
        QVERIFY(stratifiedSubset(t, 12, 8).ids != s.ids);
        QVERIFY(inputErrorOf([&] { stratifiedSubset(t, 101, 1); }).contains("cannot be drawn"));
        QVERIFY(inputErrorOf([&] { stratifiedSubset(t, 0, 1); }).contains("cannot be drawn"));
    }

private:
    std::string writeTemp(const std::string& name, const std::string& bytes) {
        const std::string path = dir_.filePath(QString::fromStdString(name)).toStdString();
        writeFile(path, bytes);
        return path;
    }

    QTemporaryDir dir_;
};

QTEST_GUILESS_MAIN(TextsTest)
#include "tst_texts.moc"

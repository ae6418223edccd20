// The HDF5 project store: round trip, appends, partial rows, refusals, damaged files.
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <fstream>
#include <thread>

#include <fcntl.h>
#include <unistd.h>

#include <csignal>

#include "store/project.h"
#include "store/project_check.h"
#include "text/text_set.h"
#include "util/child_process.h"
#include "util/error.h"
#include "util/sha256.h"

using llmap::Project;
using llmap::TextSet;

namespace {
std::string fileBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

TextSet sampleTexts() {
    TextSet t;
    t.ids = {"a", "b", "c"};
    t.texts = {"Hello world", "Grüße, 世界 🌍", "line one\nline two"};
    t.sources = {"greeting", "greeting", "code"};
    return t;
}
}  // namespace

class StoreTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void sha256KnownVectors() {
        // FIPS 180-4 examples.
        QCOMPARE(
            QString::fromStdString(llmap::sha256Hex("")),
            QStringLiteral("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        QCOMPARE(
            QString::fromStdString(llmap::sha256Hex("abc")),
            QStringLiteral("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        QCOMPARE(
            QString::fromStdString(
                llmap::sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            QStringLiteral("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
        QCOMPARE(
            QString::fromStdString(llmap::sha256Hex(std::string(1000000, 'a'))),
            QStringLiteral("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"));
    }

    void roundTrip() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("p.h5").toStdString();
        TextSet texts = sampleTexts();
        {
            Project p = Project::create(path, texts, "full");
            size_t r0 = p.addModel({"model-a", R"({"family":"llama","parameters":1000})"});
            size_t r1 = p.addModel({"model-b", "{}"});
            QCOMPARE(r0, size_t(0));
            QCOMPARE(r1, size_t(1));
            p.writeScores(r0, 0, {-1.5, -2.25, -3.0}, {4, 7, 9});
            p.writeScores(r1, 1, {-8.0});  // partial: texts 0 and 2 stay NaN
            p.appendProvenance(R"({"action":"test"})");
        }
        Project p = Project::open(path);
        QCOMPARE(p.texts().texts, texts.texts);
        QCOMPARE(p.texts().ids, texts.ids);
        QCOMPARE(p.texts().sources, texts.sources);
        QCOMPARE(p.textSetHash(), texts.contentHash());
        QCOMPARE(p.convention(), std::string("full"));
        QCOMPARE(p.modelCount(), size_t(2));
        QCOMPARE(p.models()[0].id, std::string("model-a"));
        QCOMPARE(p.models()[0].metadataJson,
                 std::string(R"({"family":"llama","parameters":1000})"));
        QCOMPARE(p.scoreRow(0), (std::vector<double>{-1.5, -2.25, -3.0}));
        QCOMPARE(p.tokenRow(0), (std::vector<int32_t>{4, 7, 9}));
        auto row1 = p.scoreRow(1);
        QVERIFY(std::isnan(row1[0]));
        QCOMPARE(row1[1], -8.0);
        QVERIFY(std::isnan(row1[2]));
        QCOMPARE(p.tokenRow(1), (std::vector<int32_t>{-1, -1, -1}));
        QCOMPARE(p.completeRows(), (std::vector<size_t>{0}));
        Eigen::MatrixXd m = p.scores();
        QCOMPARE(m.rows(), Eigen::Index(2));
        QCOMPARE(m(0, 1), -2.25);
        QCOMPARE(p.provenance().size(), size_t(1));
    }

    void contentHashIsLengthPrefixed() {
        // "ab"+"c" and "a"+"bc" concatenate alike but are different text sets.
        TextSet x, y;
        x.texts = {"ab", "c"};
        y.texts = {"a", "bc"};
        QVERIFY(x.contentHash() != y.contentHash());
        // Independently computed: 8-byte little-endian length, then the bytes.
        std::string bytes = std::string("\x02\0\0\0\0\0\0\0", 8) + "ab" +
                            std::string("\x01\0\0\0\0\0\0\0", 8) + "c";
        QCOMPARE(x.contentHash(), llmap::sha256Hex(bytes));
    }

    void reopenAndAppend() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("p.h5").toStdString();
        { Project::create(path, sampleTexts(), "paper"); }
        {
            Project p = Project::open(path, true);
            size_t r = p.addModel({"m", "{}"});
            p.writeScores(r, 0, {-1, -2, -3});
            p.setModelMetadata(r, R"({"family":"gpt2"})");
        }
        Project p = Project::open(path);
        QCOMPARE(p.modelCount(), size_t(1));
        QCOMPARE(p.models()[0].metadataJson, std::string(R"({"family":"gpt2"})"));
        QCOMPARE(p.scoreRow(0)[2], -3.0);
    }

    void refusals() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("p.h5").toStdString();
        Project p = Project::create(path, sampleTexts(), "full");
        QVERIFY_THROWS_EXCEPTION(llmap::InputError, Project::create(path, sampleTexts(), "full"));
        p.addModel({"m", "{}"});
        QVERIFY_THROWS_EXCEPTION(llmap::InputError, p.addModel({"m", "{}"}));
        QVERIFY_THROWS_EXCEPTION(llmap::Error, p.writeScores(0, 2, {-1, -2}));
        QVERIFY_THROWS_EXCEPTION(llmap::Error, p.writeScores(5, 0, {-1}));
        QVERIFY_THROWS_EXCEPTION(llmap::InputError,
                                 Project::open(dir.filePath("none.h5").toStdString()));
    }

    void readOnlyRefusesWrites() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("p.h5").toStdString();
        { Project::create(path, sampleTexts(), "full"); }
        Project p = Project::open(path, false);
        QVERIFY_THROWS_EXCEPTION(llmap::Error, p.addModel({"m", "{}"}));
    }

    void notAProject() {
        QTemporaryDir dir;
        const std::string text = dir.filePath("x.h5").toStdString();
        std::ofstream(text) << "not hdf5 at all";
        try {
            Project::open(text);
            QFAIL("opened a text file");
        } catch (const llmap::InputError& e) {
            QVERIFY(e.message().find("not an HDF5 file") != std::string::npos);
            QVERIFY(e.message().find(text) != std::string::npos);
        }
        // A truncated project file is refused with a message, not a crash.
        const std::string good = dir.filePath("good.h5").toStdString();
        {
            Project p = Project::create(good, sampleTexts(), "full");
            p.addModel({"m", "{}"});
        }
        std::ifstream in(good, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), {});
        const std::string cut = dir.filePath("cut.h5").toStdString();
        std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
        QVERIFY_THROWS_EXCEPTION(llmap::Error, Project::open(cut));
        // Damage libhdf5 reports itself is left to Project::open's message: the check passes.
        llmap::requireProjectReadable(cut);
        llmap::requireProjectReadable(text);
        llmap::requireProjectReadable(good);
    }

    // libhdf5 is built thread-safe, which makes its printing of error stacks a per-thread switch:
    // a damaged file opened on a second thread must not fill stderr with libhdf5's own report.
    void hdf5StaysQuietOnEveryThread() {
        QTemporaryDir dir;
        const std::string good = dir.filePath("good.h5").toStdString();
        Project::create(good, sampleTexts(), "full");
        std::ifstream in(good, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), {});
        const std::string cut = dir.filePath("cut.h5").toStdString();
        std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
        QVERIFY_THROWS_EXCEPTION(llmap::Error, Project::open(cut));  // this thread first

        const std::string said = dir.filePath("stderr.txt").toStdString();
        std::fflush(stderr);
        const int saved = dup(STDERR_FILENO);
        const int capture = ::open(said.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        QVERIFY(saved >= 0 && capture >= 0);
        dup2(capture, STDERR_FILENO);
        bool refused = false;
        std::thread other([&] {
            try {
                Project::open(cut);
            } catch (const llmap::Error&) {
                refused = true;
            }
        });
        other.join();
        std::fflush(stderr);
        dup2(saved, STDERR_FILENO);
        ::close(saved);
        ::close(capture);
        QVERIFY(refused);
        std::ifstream printed(said);
        const std::string text((std::istreambuf_iterator<char>(printed)), {});
        QVERIFY2(text.empty(), text.substr(0, 300).c_str());
    }

    // The forked copy's end is told apart: a crash, a hang (killed at the limit), an exit code;
    // a normal end, with or without an exception, is no failure.
    void childProcessEnds() {
        using llmap::failureInChild;
        QCOMPARE(failureInChild([] {}, 10), std::nullopt);
        QCOMPARE(failureInChild([] { throw std::runtime_error("reported by the caller"); }, 10),
                 std::nullopt);
        QCOMPARE(failureInChild([] { _exit(3); }, 10), std::optional<std::string>("exit code 3"));
        QCOMPARE(failureInChild([] { std::abort(); }, 10),
                 std::optional<std::string>("signal " + std::to_string(SIGABRT)));
        // The bound only shows that the copy is killed instead of waited for: a loaded machine may
        // take far longer than the limit to report it.
        QElapsedTimer clock;
        clock.start();
        QCOMPARE(failureInChild(
                     [] {
                         for (;;) pause();
                     },
                     0.5),
                 std::optional<std::string>("no answer after 0.5 s"));
        QVERIFY2(clock.elapsed() < 60000, qPrintable(QString::number(clock.elapsed())));
    }

    // tests/fuzz/hdf5-findings: libhdf5 1.10.8 reads past its heap on this file's text ids. Whether
    // that crashes depends on the program's memory layout, so the file may be refused by the check
    // (a crash in the forked copy) or by Project::open's own checks, or, if nothing was read out of
    // bounds, open. Whichever way it goes, this process lives on, and a refusal is an llmap error
    // that names the file.
    void projectOnWhichLibhdf5CrashesIsRefused() {
        const std::string path = std::string(LLMAP_TEST_DATA) + "/store/damaged-global-heap.h5";
        const std::string before = fileBytes(path);
        QVERIFY(!before.empty());
        auto expectNamesTheFile = [&](const llmap::Error& e) {
            QVERIFY2(e.message().rfind(path + ": ", 0) == 0, e.message().c_str());
        };
        try {
            llmap::requireProjectReadable(path);
            try {
                const Project p = Project::open(path);
                qInfo() << "the over-read did not crash here; texts read:" << p.texts().size();
                QCOMPARE(p.texts().ids.size(), p.texts().texts.size());
            } catch (const llmap::Error& e) {
                qInfo() << "refused by Project::open:" << e.message().c_str();
                expectNamesTheFile(e);
            }
        } catch (const llmap::InputError& e) {
            qInfo() << "refused by the check:" << e.message().c_str();
            expectNamesTheFile(e);
        }
        QVERIFY(fileBytes(path) == before);
    }
};

QTEST_GUILESS_MAIN(StoreTest)
#include "tst_store.moc"

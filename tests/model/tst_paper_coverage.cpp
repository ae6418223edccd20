// The share of the paper's 1,018 models (tests/data/model/paper-models-1018.csv, column
// type_table7) whose model_type the engine runs, computed at run time from the registry.
// The Table 7 labels map onto model_types as follows (model/paper_families.cpp):
//   llama, llama-1, llama-2, llama-3           -> llama
//   deepseek: DeepSeek-V2-Lite(-Chat), DeepSeek-Coder-V2-Lite-*, ESFT-vanilla-lite -> deepseek_v2
//             (multi-head latent attention + mixture of experts); deepseek-moe-16b-* -> deepseek
//             (its own MoE code); DeepSeek-R1-Distill-Qwen-* -> qwen2; every other DeepSeek model
//             (llm-7b, coder-1.3b/6.7b/7b-v1.5, math-7b, Prover-V1/V1.5, R1-Distill-Llama-8B) is
//             a Llama architecture -> llama
//   every other label is already the model_type.
#include <QtTest>
#include <fstream>
#include <map>
#include <sstream>

#include "cli_runner.h"
#include "model/gguf_model.h"
#include "model/model_info.h"
#include "model/paper_families.h"

namespace {

// (model id, type_table7) of every row; the CSV has no quoted fields.
std::vector<std::pair<std::string, std::string>> paperRows() {
    std::ifstream in(std::string(LLMAP_TEST_DATA) + "/model/paper-models-1018.csv");
    std::string line;
    std::getline(in, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();  // the file has CRLF line ends
    if (line != "model,type_figure1,type_table7") return {};
    std::vector<std::pair<std::string, std::string>> rows;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        std::stringstream s(line);
        std::string id, figure1, table7;
        std::getline(s, id, ',');
        std::getline(s, figure1, ',');
        std::getline(s, table7, ',');
        rows.emplace_back(id, table7);
    }
    return rows;
}

}  // namespace

class PaperCoverageTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void deepseekMapping() {
        QCOMPARE(llmap::paperModelType("deepseek", "deepseek-ai/DeepSeek-V2-Lite"),
                 std::string("deepseek_v2"));
        QCOMPARE(llmap::paperModelType("deepseek", "deepseek-ai/DeepSeek-Coder-V2-Lite-Base"),
                 std::string("deepseek_v2"));
        QCOMPARE(llmap::paperModelType("deepseek", "deepseek-ai/deepseek-moe-16b-chat"),
                 std::string("deepseek"));
        QCOMPARE(llmap::paperModelType("deepseek", "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B"),
                 std::string("qwen2"));
        QCOMPARE(llmap::paperModelType("deepseek", "deepseek-ai/deepseek-math-7b-rl"),
                 std::string("llama"));
        QCOMPARE(llmap::paperModelType("deepseek", "deepseek-ai/DeepSeek-Prover-V1.5-RL"),
                 std::string("llama"));
        QCOMPARE(llmap::paperModelType("llama-2", "meta-llama/Llama-2-7b-hf"),
                 std::string("llama"));
    }

    void compiledTableMatchesTheList() {
        // The counts that `info --support` prints are those of the CSV under the mapping.
        const auto rows = paperRows();
        QCOMPARE(rows.size(), size_t(1018));
        std::map<std::string, int> counted, compiled;
        for (const auto& [id, label] : rows) ++counted[llmap::paperModelType(label, id)];
        for (const auto& f : llmap::paperFamilies()) compiled[f.modelType] = f.models;
        QVERIFY(counted == compiled);
    }

    void coverage() {
        const auto supported = llmap::supportedModelTypes();
        const auto rows = paperRows();
        QCOMPARE(rows.size(), size_t(1018));
        int covered = 0;
        std::map<std::string, int> missing;
        for (const auto& [id, label] : rows) {
            const std::string type = llmap::paperModelType(label, id);
            if (std::find(supported.begin(), supported.end(), type) != supported.end()) {
                ++covered;
            } else {
                ++missing[type];
            }
        }
        const double share = static_cast<double>(covered) / static_cast<double>(rows.size());
        std::string gaps;
        for (const auto& [type, n] : missing) gaps += " " + type + "=" + std::to_string(n);
        qInfo("paper coverage: %d of %zu models (%.1f %%); not covered:%s", covered, rows.size(),
              100.0 * share, gaps.c_str());
        const auto core = llmap::paperCoverage(supported);
        QCOMPARE(core.supported, covered);
        QCOMPARE(core.total, 1018);
        QVERIFY2(share >= 0.95, qPrintable(QString("coverage %1 % < 95 %").arg(100.0 * share)));
    }

    void infoSupportPrintsEveryPaperType() {
        const auto run = llmap::test::runCli({"info", "--support"});
        QCOMPARE(run.code, 0);
        const auto supported = llmap::supportedModelTypes();
        const QStringList lines = run.out.split('\n', Qt::SkipEmptyParts);
        for (const auto& f : llmap::paperFamilies()) {
            const bool yes =
                std::find(supported.begin(), supported.end(), f.modelType) != supported.end();
            const QRegularExpression row(QString("^%1 +%2  %3$")
                                             .arg(QString::fromStdString(f.modelType))
                                             .arg(f.models)
                                             .arg(yes ? "yes" : "no"));
            QVERIFY2(lines.filter(row).size() == 1, qPrintable(row.pattern()));
        }
        QVERIFY(run.out.contains(
            QString::fromStdString(llmap::paperCoverageLine(llmap::paperCoverage(supported)))));
        QVERIFY(run.out.contains("also supported: ") && run.out.contains("qwen3"));
        // The model_types and GGUF architectures the engine runs beyond the paper's list, each
        // named once on its line.
        const QStringList also = lines.filter(QRegularExpression("^also supported: "));
        QCOMPARE(also.size(), 1);
        const QStringList alsoTypes = also[0].mid(16).split(", ");
        for (const char* type : {"gemma2",      "gemma3",    "gemma3_text", "gemma4",
                                 "gemma4_text", "olmo2",     "olmoe",       "qwen2_moe",
                                 "qwen3",       "qwen3_moe", "smollm3",     "olmo3",
                                 "exaone4",     "seed_oss",  "ernie4_5",    "hunyuan_v1_dense",
                                 "lfm2",        "lfm2_moe",  "falcon_h1",   "granitemoehybrid",
                                 "llama4_text", "llama4",    "ministral3",  "ernie4_5_moe",
                                 "qwen3_next",  "qwen3_5"})
            QVERIFY2(alsoTypes.count(type) == 1, qPrintable(also[0]));
        const QStringList gguf = lines.filter(QRegularExpression("^GGUF architectures: "));
        QCOMPARE(gguf.size(), 1);
        QStringList want;
        for (const auto& a : llmap::supportedGgufArchitectures()) want << QString::fromStdString(a);
        QCOMPARE(gguf[0].mid(20).split(", "), want);
        for (const char* a : {"gemma3", "llama", "llama4", "qwen35", "qwen35moe", "qwen3next"})
            QVERIFY2(want.contains(a), a);
    }
};

QTEST_GUILESS_MAIN(PaperCoverageTest)
#include "tst_paper_coverage.moc"

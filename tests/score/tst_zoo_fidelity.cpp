// Trained weights, not only random ones: the three bundled zoo models scored by LLMap on 50 texts
// of the default set agree with transformers (tests/oracle/zoo/fidelity.py) per text within
// max(1e-4 relative, 1e-3 absolute), with the same token counts.
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "score/scorer.h"
#include "store/project.h"

class ZooFidelityTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void bundledModelsAgreeWithTransformers() {
        std::ifstream in(LLMAP_TEST_DATA "/zoo/fidelity.json");
        QVERIFY(in);
        const nlohmann::json oracle = nlohmann::json::parse(in);
        llmap::TextSet texts;
        for (const auto& t : oracle["texts"]) {
            texts.ids.push_back(t["id"]);
            texts.texts.push_back(t["text"]);
            texts.sources.push_back("");
        }
        QCOMPARE(texts.size(), size_t(50));
        QTemporaryDir dir;
        llmap::Project project = llmap::Project::create(
            dir.filePath(QStringLiteral("z.h5")).toStdString(), texts, "full");
        for (const auto& m : oracle["models"]) {
            const std::string name = m["name"];
            llmap::ScoreOptions options;
            options.device = "cpu";
            options.dtype = "fp32";
            const auto result =
                llmap::scoreModel(project, LLMAP_RESOURCES_DIR "/models/" + name, options);
            const auto values = project.scoreRow(result.row);
            const auto tokens = project.tokenRow(result.row);
            for (size_t i = 0; i < texts.size(); ++i) {
                const double expected = m["loglik"][i];
                const double tolerance = std::max(1e-4 * std::abs(expected), 1e-3);
                if (std::abs(values[i] - expected) > tolerance) {
                    QFAIL(qPrintable(QStringLiteral("%1, text %2: %3, transformers %4")
                                         .arg(QString::fromStdString(name))
                                         .arg(i)
                                         .arg(values[i], 0, 'g', 12)
                                         .arg(expected, 0, 'g', 12)));
                }
                QCOMPARE(tokens[i], m["tokens"][i].get<int32_t>());
            }
        }
    }
};

QTEST_GUILESS_MAIN(ZooFidelityTest)
#include "tst_zoo_fidelity.moc"

#pragma once
// What the tests of real GGUF models share: llmap-cli's scores of the first default texts, the
// ones their transformers oracle scored.
#include <QTemporaryDir>
#include <QtTest>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_runner.h"
#include "store/project.h"
#include "text/text_loaders.h"

// Scores `model` with llmap-cli (CPU, full convention) on the first want.size() default texts,
// whose ids must be want[i]["id"]; fills each text's log-likelihood and token count.
inline void scoreOracleTexts(const std::string& model, const nlohmann::json& want,
                             std::vector<double>& ll, std::vector<int32_t>& tokens) {
    const llmap::TextSet all = llmap::loadTextSet(LLMAP_RESOURCES_DIR "/texts/default.jsonl.gz");
    llmap::TextSet texts;
    for (size_t i = 0; i < want.size(); ++i) {
        QCOMPARE(all.ids[i], want[i]["id"].get<std::string>());
        texts.ids.push_back(all.ids[i]);
        texts.texts.push_back(all.texts[i]);
        texts.sources.push_back(all.sources[i]);
    }
    QTemporaryDir dir;
    const QString textsPath = dir.filePath("texts.jsonl");
    llmap::writeTextsJsonl(texts, textsPath.toStdString());
    const QString project = dir.filePath("scores.h5");
    const auto r = llmap::test::runCli(
        {"score", "--project", project, "--texts", textsPath, "--model",
         QString::fromStdString(model), "--device", "cpu", "--convention", "full"},
        3600 * 1000);
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const auto p = llmap::Project::open(project.toStdString());
    ll = p.scoreRow(0);
    tokens = p.tokenRow(0);
}

#pragma once
// Shared by the scoring tests: the oracle's texts as a text set, the agreement tolerance of the
// model engine, and running llmap-cli.
#include <QProcess>
#include <QStringList>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "../model/fixture_files.h"
#include "text/text_set.h"

namespace score_fixtures {

// The 22 texts of tests/data/model/oracle.json.
inline llmap::TextSet oracleTexts() {
    llmap::TextSet set;
    const nlohmann::json oracle = fixtures::oracle();
    for (const auto& t : oracle["texts"]) {
        set.ids.push_back("t" + std::to_string(set.ids.size()));
        set.texts.push_back(t.get<std::string>());
        set.sources.push_back("oracle");
    }
    return set;
}

// `count` texts of 1 to `maxParts` oracle sentences each, drawn with `seed`.
inline llmap::TextSet mixedOracleTexts(int count, int maxParts, unsigned seed) {
    const auto base = oracleTexts();
    std::mt19937 rng(seed);
    llmap::TextSet set;
    for (int i = 0; i < count; ++i) {
        std::string text;
        const int parts = 1 + static_cast<int>(rng() % static_cast<unsigned>(maxParts));
        for (int p = 0; p < parts; ++p) text += base.texts[rng() % base.size()] + " ";
        set.ids.push_back(std::to_string(i));
        set.texts.push_back(text);
        set.sources.push_back("mix");
    }
    return set;
}

inline nlohmann::json oracleModel(const std::string& name) {
    const nlohmann::json oracle = fixtures::oracle();
    for (const auto& m : oracle["models"])
        if (m["name"] == name) return m;
    throw std::runtime_error("no oracle entry for " + name);
}

// The model engine's agreement with transformers (tests/model).
inline bool closeToOracle(double got, double want) {
    return std::abs(got - want) <= std::max(1e-4 * std::abs(want), 1e-3);
}

inline bool relativelyClose(double a, double b, double rel) {
    return std::abs(a - b) <= rel * std::max(std::abs(a), std::abs(b));
}

struct CliRun {
    int exitCode = -1;
    std::string out, err;
};

inline CliRun runCli(const QStringList& args, int timeoutMs = 300000) {
    QProcess p;
    p.start(LLMAP_CLI_PATH, args);
    CliRun r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.err = "timed out";
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput().toStdString();
    r.err = p.readAllStandardError().toStdString();
    return r;
}

}  // namespace score_fixtures

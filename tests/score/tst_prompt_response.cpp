// Prompt-response sets (P3) against Hugging Face transformers
// (tests/oracle/score/generate_prompt_response.py): log p(response | prompt) with only the
// response's tokens scored, the response alone for PMI, the PMI matrix the analyses see, the text
// set's JSONL form, and the refusals (mixed sets, empty parts, a prompt that fills the context,
// PMI of plain texts).
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "score/scorer.h"
#include "score_fixtures.h"
#include "store/project.h"
#include "text/subset.h"
#include "text/text_loaders.h"
#include "text/text_set.h"
#include "text/text_set_builder.h"

using fixtures::expectInputError;
using score_fixtures::closeToOracle;

namespace {

nlohmann::json reference() {
    return nlohmann::json::parse(
        fixtures::readBytes(std::string(LLMAP_TEST_DATA) + "/score/prompt_response.json"));
}

llmap::TextSet referencePairs() {
    llmap::TextSet set;
    const nlohmann::json ref = reference();
    for (const auto& p : ref["pairs"]) {
        set.ids.push_back(p["id"]);
        set.prompts.push_back(p["prompt"]);
        set.texts.push_back(p["response"]);
        set.sources.push_back("pairs");
    }
    return set;
}

llmap::ScoreOptions cpuOptions() {
    llmap::ScoreOptions o;
    o.device = "cpu";
    o.dtype = "fp32";
    o.convention = "response";
    return o;
}

std::string path(const QTemporaryDir& dir, const char* name) {
    return dir.filePath(name).toStdString();
}

void writeText(const std::string& file, const std::string& content) {
    fixtures::writeBytes(file, content);
}

}  // namespace

class PromptResponseTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // Every pair under both fixtures (a tokenizer that puts <s> first, one that adds nothing),
    // in one batch and two at a time: the sum and each value of the response's tokens only.
    void responseTokensGivenThePrompt() {
        const auto ref = reference();
        QTemporaryDir dir;
        for (const std::string model : {"llama_mha_untied", "gpt2_small"}) {
            const auto& rows = ref["models"][model]["pairs"];
            for (const int64_t batchTexts : {0, 2}) {
                auto options = cpuOptions();
                options.tokenLogProbs = true;
                options.maxBatchTexts = batchTexts;
                options.maxPadding = 1;
                const std::string file =
                    dir.filePath(QString::fromStdString(model + std::to_string(batchTexts) + ".h5"))
                        .toStdString();
                auto project = llmap::Project::create(file, referencePairs(), "response");
                const auto r = llmap::scoreModel(project, fixtures::modelDir(model), options);
                const auto loglik = project.scoreRow(r.row);
                const auto tokens = project.tokenRow(r.row);
                const auto truncated = project.truncatedRow(r.row);
                for (size_t i = 0; i < rows.size(); ++i) {
                    const auto& want = rows[i];
                    const size_t scored = want["ids"].size() - want["prompt_ids"].size();
                    QCOMPARE(tokens[i], static_cast<int32_t>(scored));
                    QCOMPARE(truncated[i], static_cast<int8_t>(want["truncated"].get<bool>()));
                    QVERIFY2(closeToOracle(loglik[i], want["conditional"].get<double>()),
                             qPrintable(QString::fromStdString(model + " " +
                                                               want["id"].get<std::string>()) +
                                        QString(": %1 vs %2")
                                            .arg(loglik[i], 0, 'g', 10)
                                            .arg(want["conditional"].get<double>(), 0, 'g', 10)));
                    const auto values = project.tokenLogProbs(r.row, i);
                    QCOMPARE(values.size(), scored);
                    for (size_t t = 0; t < scored; ++t) {
                        const double w = want["conditional_tokens"][t].get<double>();
                        QVERIFY2(std::abs(values[t] - w) <= 2e-4 + 1e-4 * std::abs(w),
                                 qPrintable(QString("%1 token %2: %3 vs %4")
                                                .arg(QString::fromStdString(model))
                                                .arg(t)
                                                .arg(values[t])
                                                .arg(w)));
                    }
                }
                QVERIFY(!project.hasMarginal());
                expectInputError([&] { project.selectMatrix("pmi"); }, "--pmi");
            }
        }
    }

    // --pmi: each response alone after the BOS token, and the PMI matrix the analyses see.
    void pmiKeepsTheResponseAlone() {
        const auto ref = reference();
        QTemporaryDir dir;
        const std::string model = "gpt2_small";
        const auto& rows = ref["models"][model]["pairs"];
        auto options = cpuOptions();
        options.pmi = true;
        auto project = llmap::Project::create(path(dir, "pmi.h5"), referencePairs(), "response");
        const auto r = llmap::scoreModel(project, fixtures::modelDir(model), options);
        QCOMPARE(r.textsScored, rows.size());
        QVERIFY(project.hasMarginal());
        const auto loglik = project.scoreRow(r.row);
        const auto marginal = project.marginalRow(r.row);
        for (size_t i = 0; i < rows.size(); ++i) {
            QVERIFY2(closeToOracle(marginal[i], rows[i]["marginal"].get<double>()),
                     qPrintable(QString("%1: %2 vs %3")
                                    .arg(i)
                                    .arg(marginal[i], 0, 'g', 10)
                                    .arg(rows[i]["marginal"].get<double>(), 0, 'g', 10)));
        }
        project.selectMatrix("pmi");
        const Eigen::MatrixXd pmi = project.scores();
        for (size_t i = 0; i < rows.size(); ++i) {
            const double want =
                rows[i]["conditional"].get<double>() - rows[i]["marginal"].get<double>();
            QVERIFY(std::abs(pmi(0, static_cast<Eigen::Index>(i)) - want) <=
                    2e-4 * std::abs(rows[i]["marginal"].get<double>()) + 2e-3);
        }
        QCOMPARE(project.completeRows(), std::vector<size_t>{0});
        // Each matrix keeps its own stored results and threshold.
        project.setClipThreshold(-7);
        project.writeResult("map", Eigen::MatrixXd::Ones(1, 2), {model}, "{}");
        project.selectMatrix("loglik");
        QVERIFY(!project.clipThreshold());
        QVERIFY(!project.readResult("map"));
        QVERIFY(project.resultNames().empty());
        project.selectMatrix("pmi");
        QCOMPARE(*project.clipThreshold(), -7.0);
        QCOMPARE(project.resultNames(), std::vector<std::string>{"map"});

        // A second run finds both matrices complete.
        const auto again = llmap::scoreModel(project, fixtures::modelDir(model), options);
        QCOMPARE(again.textsScored, size_t(0));
        QCOMPARE(again.textsSkipped, rows.size());
        // A model scored without --pmi has no PMI row: it is left out of the PMI matrix.
        auto plain = cpuOptions();
        plain.modelId = "second";
        llmap::scoreModel(project, fixtures::modelDir("llama_mha_untied"), plain);
        QCOMPARE(project.completeRows(), std::vector<size_t>{0});
        project.selectMatrix("loglik");
        QCOMPARE(project.completeRows(), (std::vector<size_t>{0, 1}));
    }

    void promptFillingTheContextIsRefused() {
        QTemporaryDir dir;
        llmap::TextSet set = referencePairs();
        std::string prompt;
        for (int i = 0; i < 60; ++i) prompt += "one two three ";
        set.prompts[2] = prompt;  // more than gpt2_small's 256 tokens
        auto project = llmap::Project::create(path(dir, "long.h5"), set, "response");
        expectInputError(
            [&] { llmap::scoreModel(project, fixtures::modelDir("gpt2_small"), cpuOptions()); },
            "the prompt of text umlaut takes");
        expectInputError(
            [&] { llmap::scoreModel(project, fixtures::modelDir("gpt2_small"), cpuOptions()); },
            "and the model's context is 256: no token of the response fits");
        QCOMPARE(project.modelCount(), size_t(0));  // no empty row left behind
        // A model with a longer context scores it.
        const auto r =
            llmap::scoreModel(project, fixtures::modelDir("llama_mha_untied"), cpuOptions());
        QVERIFY(!std::isnan(project.scoreRow(r.row)[2]));
    }

    void pmiOfPlainTextsIsRefused() {
        QTemporaryDir dir;
        llmap::TextSet set;
        set.ids = {"a"};
        set.texts = {"plain text"};
        set.sources = {""};
        auto project = llmap::Project::create(path(dir, "plain.h5"), set, "full");
        auto options = cpuOptions();
        options.convention = "full";
        options.pmi = true;
        expectInputError(
            [&] { llmap::scoreModel(project, fixtures::modelDir("gpt2_small"), options); },
            "PMI needs a prompt-response text set");
        expectInputError([&] { project.selectMatrix("pmi"); }, "prompt-response text set");
        expectInputError([&] { project.selectMatrix("kl"); }, "there is no matrix \"kl\"");
    }

    // The JSONL form: read, written back, hashed apart from plain texts, kept by a project.
    void jsonlPairs() {
        QTemporaryDir dir;
        const std::string file = path(dir, "pairs.jsonl");
        writeText(file,
                  "{\"id\": \"q1\", \"prompt\": \"Hi?\", \"response\": \" Hello.\"}\n\n"
                  "{\"prompt\": \"2+2=\", \"response\": \"4\", \"source\": \"math\"}\n");
        const llmap::TextSet set = llmap::loadTextsJsonl(file);
        QCOMPARE(set.size(), size_t(2));
        QCOMPARE(set.prompts, (std::vector<std::string>{"Hi?", "2+2="}));
        QCOMPARE(set.texts, (std::vector<std::string>{" Hello.", "4"}));
        QCOMPARE(set.ids, (std::vector<std::string>{"q1", "1"}));
        QCOMPARE(set.sources, (std::vector<std::string>{"", "math"}));

        const std::string copy = path(dir, "copy.jsonl.gz");
        llmap::writeTextsJsonl(set, copy);
        const llmap::TextSet back = llmap::loadTextSet(copy);
        QCOMPARE(back.prompts, set.prompts);
        QCOMPARE(back.texts, set.texts);
        QCOMPARE(back.contentHash(), set.contentHash());

        llmap::TextSet responsesOnly = set;
        responsesOnly.prompts.clear();
        QVERIFY(responsesOnly.contentHash() != set.contentHash());
        llmap::TextSet otherPrompt = set;
        otherPrompt.prompts[0] = "Hi!";
        QVERIFY(otherPrompt.contentHash() != set.contentHash());

        { auto project = llmap::Project::create(path(dir, "p.h5"), set, "response"); }
        const auto reopened = llmap::Project::open(path(dir, "p.h5"));
        QCOMPARE(reopened.texts().prompts, set.prompts);
        QCOMPARE(reopened.textSetHash(), set.contentHash());
        QCOMPARE(reopened.convention(), std::string("response"));
    }

    // llmap-cli: the convention follows the set, --pmi and --matrix pmi, and their refusals.
    void commandLine() {
        QTemporaryDir dir;
        const QString pairs = dir.filePath("pairs.jsonl");
        llmap::writeTextsJsonl(referencePairs(), pairs.toStdString());
        const QString project = dir.filePath("p.h5");
        const QString gpt2 = QString::fromStdString(fixtures::modelDir("gpt2_small"));
        const QString llama = QString::fromStdString(fixtures::modelDir("llama_mha_untied"));
        const auto run = [](const QStringList& args) { return score_fixtures::runCli(args); };

        const auto ref = reference();
        auto r = run({"score", "--project", project, "--texts", pairs, "--model", gpt2, "--device",
                      "cpu", "--convention", "full"});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.find("scored with the \"response\" convention") != std::string::npos,
                 r.err.c_str());
        QVERIFY(!QFile::exists(project));
        r = run({"score", "--texts", pairs, "--model", gpt2, "--device", "cpu", "--pmi",
                 "--shard-out", dir.filePath("shards")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(
            r.err.find("--pmi keeps its second matrix in the project itself") != std::string::npos,
            r.err.c_str());

        r = run({"score", "--project", project, "--texts", pairs, "--model", gpt2, llama,
                 "--device", "cpu", "--pmi"});
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        {
            const auto opened = llmap::Project::open(project.toStdString());
            QCOMPARE(opened.convention(), std::string("response"));
            for (size_t m = 0; m < 2; ++m) {
                const auto& rows =
                    ref["models"][m == 0 ? "gpt2_small" : "llama_mha_untied"]["pairs"];
                const auto marginal = opened.marginalRow(m);
                for (size_t i = 0; i < rows.size(); ++i)
                    QVERIFY(closeToOracle(marginal[i], rows[i]["marginal"].get<double>()));
            }
        }  // closed: the analyses below store their results
        r = run({"info", "--project", project});
        QVERIFY(r.out.find("prompt-response pairs") != std::string::npos);
        QVERIFY(r.out.find("pmi (--matrix pmi) for 2 models") != std::string::npos);
        const QString csv = dir.filePath("pmi.csv");
        r = run(
            {"export", "--project", project, "--what", "scores", "--matrix", "pmi", "--out", csv});
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        QFile file(csv);
        QVERIFY(file.open(QIODevice::ReadOnly));
        file.readLine();  // the header
        const QStringList first = QString::fromUtf8(file.readLine()).trimmed().split(',');
        const auto& gpt2Rows = ref["models"]["gpt2_small"]["pairs"];
        QCOMPARE(first.value(0), QString("gpt2_small"));
        for (size_t i = 0; i < gpt2Rows.size(); ++i) {
            const double want =
                gpt2Rows[i]["conditional"].get<double>() - gpt2Rows[i]["marginal"].get<double>();
            QVERIFY(std::abs(first.value(static_cast<int>(i) + 1).toDouble() - want) <
                    2e-4 * std::abs(gpt2Rows[i]["marginal"].get<double>()) + 2e-3);
        }
        r = run({"kl", "--project", project, "--matrix", "pmi", "--out", dir.filePath("kl.csv")});
        QVERIFY2(r.exitCode == 0, r.err.c_str());
        QVERIFY(r.out.find("/analysis/pmi.kl_nats") != std::string::npos);
        r = run({"map", "--project", project, "--matrix", "kl", "--out", dir.filePath("m.csv")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.find("there is no matrix \"kl\"") != std::string::npos);
    }

    // texts build keeps pairs whole and samples them; texts subset keeps the prompts.
    void buildAndSubsetKeepPairs() {
        QTemporaryDir dir;
        const std::string chat = path(dir, "chat.jsonl"), code = path(dir, "code.jsonl");
        std::string chatLines, codeLines;
        for (int i = 0; i < 6; ++i) {
            chatLines += "{\"id\": \"c" + std::to_string(i) + "\", \"prompt\": \"Hello " +
                         std::to_string(i) + "?\", \"response\": \" Hi!\"}\n";
            codeLines += "{\"prompt\": \"def f" + std::to_string(i) +
                         "():\", \"response\": \" return " + std::to_string(i) + "\"}\n";
        }
        writeText(chat, chatLines);
        writeText(code, codeLines);
        llmap::BuildOptions options;
        options.count = 8;
        options.seed = 3;
        const llmap::TextSet set =
            llmap::buildTextSet({{"chat", std::nullopt, chat}, {"code", 2, code}}, options);
        QCOMPARE(set.size(), size_t(8));
        QCOMPARE(set.prompts.size(), size_t(8));
        size_t codeTexts = 0;
        for (size_t i = 0; i < set.size(); ++i) {
            // Each pair whole, under "LABEL:FILE#ID", both parts as written (not cut at 256 bytes).
            if (set.sources[i] == "code") {
                ++codeTexts;
                const std::string n = set.prompts[i].substr(5, 1);
                QCOMPARE(set.prompts[i], "def f" + n + "():");
                QCOMPARE(set.texts[i], " return " + n);
            } else {
                QCOMPARE(set.texts[i], std::string(" Hi!"));
                QVERIFY2(set.ids[i].rfind("chat:chat.jsonl#c", 0) == 0, set.ids[i].c_str());
            }
        }
        QCOMPARE(codeTexts, size_t(2));
        const llmap::TextSet subset = llmap::stratifiedSubset(set, 4, 1);
        QCOMPARE(subset.prompts.size(), size_t(4));
        for (size_t i = 0; i < subset.size(); ++i) {
            const auto at = std::find(set.ids.begin(), set.ids.end(), subset.ids[i]);
            QVERIFY(at != set.ids.end());
            QCOMPARE(subset.prompts[i], set.prompts[static_cast<size_t>(at - set.ids.begin())]);
        }
        // A plain source beside pairs is refused, naming both.
        const std::string plain = path(dir, "plain.txt");
        writeText(plain, std::string(300, 'x'));
        expectInputError(
            [&] {
                llmap::buildTextSet({{"chat", std::nullopt, chat}, {"plain", std::nullopt, plain}},
                                    llmap::BuildOptions());
            },
            "plain texts, but " + chat + " holds prompt-response pairs");
    }

    void badJsonlPairs() {
        QTemporaryDir dir;
        const std::string file = path(dir, "bad.jsonl");
        const auto refused = [&](const std::string& content, const std::string& needle) {
            writeText(file, content);
            expectInputError([&] { llmap::loadTextsJsonl(file); }, needle);
        };
        refused("{\"text\": \"plain\"}\n{\"prompt\": \"p\", \"response\": \"r\"}\n", "bad.jsonl:2");
        refused("{\"text\": \"plain\"}\n{\"prompt\": \"p\", \"response\": \"r\"}\n",
                "a prompt-response pair in a set of plain texts");
        refused("{\"prompt\": \"p\", \"response\": \"r\"}\n{\"text\": \"plain\"}\n",
                "a plain text in a set of prompt-response pairs");
        refused("{\"prompt\": \"p\", \"response\": \"\"}\n", "the response is empty");
        refused("{\"prompt\": \"\", \"response\": \"r\"}\n", "the prompt is empty");
        refused("{\"prompt\": \"p\"}\n", "no string field \"response\"");
        refused("{\"prompt\": \"p\", \"response\": 3}\n", "no string field \"response\"");
        refused("{\"prompt\": \"p\", \"response\": \"r\", \"text\": \"t\"}\n",
                "both \"text\" and a prompt-response pair");
    }
};

QTEST_GUILESS_MAIN(PromptResponseTest)
#include "tst_prompt_response.moc"

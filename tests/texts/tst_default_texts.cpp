// The committed default text set: the C++ builder remakes it from the committed corpora and recipe
// exactly, the quick subset is its stratified subset, and it has the promised shape.
#include <QtTest>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "text/subset.h"
#include "text/text_loaders.h"
#include "text/text_set_builder.h"
#include "util/compressed_file.h"
#include "util/sha256.h"

using namespace llmap;

namespace {

const std::string kTexts = std::string(LLMAP_RESOURCES_DIR) + "/texts/";

nlohmann::json readJson(const std::string& path) {
    return nlohmann::json::parse(readInputFile(path));
}

std::string rawBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

class DefaultTextsTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        recipe_ = readJson(kTexts + "default_recipe.json");
        defaultSet_ = loadTextSet(kTexts + recipe_["output"].get<std::string>());
        quick_ = loadTextSet(kTexts + recipe_["quick"]["output"].get<std::string>());
    }

    void corporaMatchTheManifest() {
        const auto manifest = readJson(kTexts + "corpora/MANIFEST.json");
        QCOMPARE(manifest["corpora"].size(), recipe_["sources"].size());
        for (const auto& [label, entry] : manifest["corpora"].items()) {
            const std::string file = kTexts + "corpora/" + entry["file"].get<std::string>();
            QCOMPARE(sha256Hex(rawBytes(file)), entry["sha256"].get<std::string>());
            QCOMPARE(readInputFile(file).size(), entry["bytes"].get<size_t>());
        }
    }

    void rebuiltExactlyFromTheCorpora() {
        std::vector<SourceSpec> sources;
        for (const auto& s : recipe_["sources"]) {
            sources.push_back(parseSourceSpec(s["label"].get<std::string>() + ":" +
                                              std::to_string(s["count"].get<size_t>()) + "=" +
                                              kTexts + s["corpus"].get<std::string>()));
        }
        BuildOptions options;
        options.seed = recipe_["seed"].get<uint64_t>();
        options.count = recipe_["count"].get<size_t>();
        const TextSet rebuilt = buildTextSet(sources, options);
        QCOMPARE(rebuilt.contentHash(), defaultSet_.contentHash());
        QCOMPARE(rebuilt.ids, defaultSet_.ids);
        QCOMPARE(rebuilt.sources, defaultSet_.sources);

        const TextSet quick = stratifiedSubset(defaultSet_, recipe_["quick"]["count"].get<size_t>(),
                                               recipe_["quick"]["seed"].get<uint64_t>());
        QCOMPARE(quick.contentHash(), quick_.contentHash());
        QCOMPARE(quick.ids, quick_.ids);
    }

    void shapeOfTheSet() {
        QCOMPARE(defaultSet_.size(), size_t(10000));
        QCOMPARE(quick_.size(), size_t(1000));
        for (const std::string& t : defaultSet_.texts) {
            QVERIFY(t.size() > 256);
            QVERIFY(t.size() <= 1024);
        }
        std::map<std::string, size_t> counts, quickCounts;
        for (const std::string& s : defaultSet_.sources) ++counts[s];
        for (const std::string& s : quick_.sources) ++quickCounts[s];
        QVERIFY(counts.size() >= 7);
        for (const auto& s : recipe_["sources"]) {
            const std::string label = s["label"].get<std::string>();
            QCOMPARE(counts[label], s["count"].get<size_t>());
            QCOMPARE(quickCounts[label], s["count"].get<size_t>() / 10);  // the same shares
        }
        // The declaration: about 10 % of the set, in at least 50 languages (the id names them).
        QCOMPARE(counts["udhr"], size_t(1000));
        std::set<std::string> languages;
        for (size_t i = 0; i < defaultSet_.size(); ++i) {
            if (defaultSet_.sources[i] != "udhr") continue;
            const std::string& id = defaultSet_.ids[i];
            const size_t hash = id.find('#');
            languages.insert(id.substr(hash + 1, id.find(' ', hash) - hash - 1));
        }
        QVERIFY2(languages.size() >= 50, qPrintable(QString::number(languages.size())));
    }

private:
    nlohmann::json recipe_;
    TextSet defaultSet_, quick_;
};

QTEST_GUILESS_MAIN(DefaultTextsTest)
#include "tst_default_texts.moc"

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

    void zooRecordAndBundledModels() {
        // The committed record of the demo zoo keeps the promises of its training script.
        const std::string zoo = std::string(LLMAP_TEST_DATA) + "/../oracle/zoo/";
        const auto models = readJson(zoo + "zoo_models.json");
        const auto perplexities = readJson(zoo + "perplexities.json");
        std::set<std::string> architectures, corpora, withCheckpoints;
        std::set<long> seeds;
        size_t finals = 0;
        std::map<std::string, nlohmann::json> byName;
        for (const auto& m : models) {
            byName[m["name"].get<std::string>()] = m;
            const std::string run =
                m["architecture"].get<std::string>() + "/" + m["corpus"].get<std::string>() + "/" +
                std::to_string(m["seed"].get<long>()) + "/" + m["size"].get<std::string>();
            if (!m["final"].get<bool>()) {
                withCheckpoints.insert(run);
                continue;
            }
            ++finals;
            architectures.insert(m["architecture"].get<std::string>());
            corpora.insert(m["corpus"].get<std::string>());
            seeds.insert(m["seed"].get<long>());
        }
        QVERIFY(finals >= 16);
        QVERIFY(architectures.size() >= 3);
        QVERIFY(corpora.size() >= 4);
        QVERIFY(seeds.size() >= 2);
        QVERIFY(withCheckpoints.size() >= 2);
        for (const auto& p : perplexities["models"]) {
            QVERIFY2(
                p["held_out_perplexity"].get<double>() < p["unigram_perplexity"].get<double>() ||
                    !byName[p["name"].get<std::string>()]["final"].get<bool>(),
                p["name"].get<std::string>().c_str());
        }
        // Each bundled model is a complete folder whose safetensors tensors hold exactly the
        // recorded parameter count.
        const std::string bundled = std::string(LLMAP_RESOURCES_DIR) + "/models/";
        size_t found = 0;
        for (const auto& [name, m] : byName) {
            const std::string folder = bundled + name + "/";
            if (!QFile::exists(QString::fromStdString(folder + "config.json"))) continue;
            ++found;
            QVERIFY(QFile::exists(QString::fromStdString(folder + "tokenizer.json")));
            const std::string weights = rawBytes(folder + "model.safetensors");
            QVERIFY(weights.size() < 1024 * 1024);
            uint64_t headerSize = 0;
            for (int i = 7; i >= 0; --i) headerSize = headerSize << 8 | uint8_t(weights[size_t(i)]);
            const auto header = nlohmann::json::parse(weights.substr(8, headerSize));
            size_t parameters = 0;
            for (const auto& [key, tensor] : header.items()) {
                if (key == "__metadata__") continue;
                size_t n = 1;
                for (const auto& d : tensor["shape"]) n *= d.get<size_t>();
                parameters += n;
            }
            QCOMPARE(parameters, m["parameters"].get<size_t>());
        }
        QVERIFY(found >= 2);
    }

private:
    nlohmann::json recipe_;
    TextSet defaultSet_, quick_;
};

QTEST_GUILESS_MAIN(DefaultTextsTest)
#include "tst_default_texts.moc"

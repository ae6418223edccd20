#include "score/sample_kl.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "model/causal_lm.h"
#include "model/device.h"
#include "model/model_info.h"
#include "model/model_source.h"
#include "score/convention_ids.h"
#include "score/sequence_sampler.h"
#include "tokenize/tokenizer.h"
#include "util/error.h"
#include "util/json_file.h"

namespace fs = std::filesystem;

namespace llmap {

namespace {

double secondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string loadDtype(const std::string& dtype, const std::string& device) {
    if (dtype == "auto") return device == "cpu" ? "float32" : "bfloat16";
    if (dtype == "fp32" || dtype == "float32") return "float32";
    if (dtype == "bf16" || dtype == "bfloat16") return "bfloat16";
    if (dtype == "fp16" || dtype == "float16") return "float16";
    throw InputError("dtype \"" + dtype + "\" is not known", "--dtype",
                     "use auto, fp32, bf16 or fp16");
}

// A model's first token in the "full" convention, refused with sample-kl's own fix.
int32_t startToken(const ModelInfo& info, const Tokenizer& tokenizer) {
    try {
        return fullConventionPrefix(info, tokenizer);
    } catch (const InputError&) {
        throw InputError("the model has no BOS, <|endoftext|> or EOS token to start a sample from",
                         info.path,
                         "sample-kl needs a model whose config or tokenizer names one of them");
    }
}

// Every id decodes to the same string under both tokenizers.
bool sameVocabulary(const Tokenizer& a, const Tokenizer& b) {
    if (a.vocabSize() != b.vocabSize()) return false;
    for (size_t i = 0; i < a.vocabSize(); ++i) {
        const std::vector<int32_t> id{static_cast<int32_t>(i)};
        if (a.decode(id) != b.decode(id)) return false;
    }
    return true;
}

struct Model {
    std::string path;
    ModelInfo info;
    std::unique_ptr<Tokenizer> tokenizer;
    int32_t start = 0;
    std::vector<int32_t> eos;
};

Model openModel(const std::string& path) {
    Model m;
    m.path = path;
    m.info = readModelInfo(path);
    m.tokenizer = loadTokenizer(path);
    m.start = startToken(m.info, *m.tokenizer);
    m.eos = eosTokenIds(path);
    return m;
}

}  // namespace

std::vector<int32_t> eosTokenIds(const std::string& modelPath) {
    std::vector<int32_t> out;
    const auto add = [&](int64_t id) {
        if (id >= 0 && std::find(out.begin(), out.end(), id) == out.end())
            out.push_back(static_cast<int32_t>(id));
    };
    const ModelInfo info = readModelInfo(modelPath);
    add(info.eosTokenId);
    const fs::path generation = fs::path(modelPath) / "generation_config.json";
    if (fs::is_directory(modelPath) && fs::exists(generation)) {
        const nlohmann::json j = readJsonFile(generation.string());
        const auto it = j.find("eos_token_id");
        if (it != j.end() && it->is_number_integer()) add(it->get<int64_t>());
        if (it != j.end() && it->is_array()) {
            for (const auto& e : *it)
                if (e.is_number_integer()) add(e.get<int64_t>());
        }
    }
    if (auto eos = loadTokenizer(modelPath)->eosId()) add(*eos);
    return out;
}

SampleKlResult runSampleKl(const SampleKlOptions& o) {
    if (o.samples < 1) {
        throw InputError("--samples must be at least 1", "llmap-cli sample-kl",
                         "pass e.g. --samples 256");
    }
    if (o.maxTokens < 1) {
        throw InputError("--max-tokens must be at least 1", "llmap-cli sample-kl",
                         "pass e.g. --max-tokens 256");
    }
    SampleKlResult result;
    result.device = resolveDevice(o.device);
    result.dtype = loadDtype(o.dtype, result.device);
    const Model a = openModel(o.modelA);
    std::error_code ec;
    result.sameModel = fs::equivalent(o.modelA, o.modelB, ec);
    const Model b = result.sameModel ? Model{} : openModel(o.modelB);
    result.sharedTokenizer =
        result.sameModel || (a.start == b.start && sameVocabulary(*a.tokenizer, *b.tokenizer));

    result.maxTokens = o.maxTokens;
    if (a.info.contextLength > 0 && o.maxTokens + 1 > a.info.contextLength) {
        result.maxTokens = a.info.contextLength - 1;
        result.notes.push_back("--max-tokens lowered to " + std::to_string(result.maxTokens) +
                               ": the first token and the samples fill A's context of " +
                               std::to_string(a.info.contextLength));
    }
    if (a.eos.empty()) {
        result.notes.push_back("A has no EOS token: every sample runs to --max-tokens");
    }

    LoadOptions load;
    load.device = result.device;
    load.dtype = result.dtype;
    const auto lmA = CausalLM::load(o.modelA, load);
    SamplingOptions s;
    s.samples = o.samples;
    s.maxTokens = result.maxTokens;
    s.seed = o.seed;
    s.batch = o.batch;
    s.cancel = o.cancel;
    if (o.progress) {
        const size_t total = static_cast<size_t>(o.samples);
        s.onBatch = [&o, total](size_t drawn) { o.progress(drawn, total); };
    }
    auto start = std::chrono::steady_clock::now();
    const std::vector<SampledSequence> samples = sampleSequences(*lmA, {a.start}, a.eos, s);
    if (o.cancel && o.cancel->cancelled()) {
        result.cancelled = true;
        return result;
    }
    result.sampleSeconds = secondsSince(start);
    result.cachedDecoding = lmA->decodesWithCache(result.maxTokens + 1);

    // Each sample's text: the drawn tokens without the first token and a final EOS.
    std::vector<std::vector<int32_t>> idsA, idsB;
    std::vector<double> bytes;
    double tokens = 0;
    for (const auto& sample : samples) {
        idsA.push_back(sample.ids);
        tokens += static_cast<double>(sample.ids.size() - 1);
        if (sample.endedWithEos) ++result.endedWithEos;
        const auto first = sample.ids.begin() + 1;
        const auto last = sample.ids.end() - (sample.endedWithEos ? 1 : 0);
        const std::string text = a.tokenizer->decode(std::vector<int32_t>(first, last));
        bytes.push_back(static_cast<double>(text.size()));
        if (result.sharedTokenizer) continue;
        std::vector<int32_t> ids{b.start};
        const std::vector<int32_t> plain = b.tokenizer->encode(text, false);
        ids.insert(ids.end(), plain.begin(), plain.end());
        if (sample.endedWithEos && !b.eos.empty()) ids.push_back(b.eos.front());
        if (b.info.contextLength > 0 && static_cast<int64_t>(ids.size()) > b.info.contextLength) {
            throw InputError("a sample re-tokenised for B has " + std::to_string(ids.size()) +
                                 " tokens, more than B's context of " +
                                 std::to_string(b.info.contextLength),
                             o.modelB, "lower --max-tokens");
        }
        idsB.push_back(std::move(ids));
    }
    result.meanTokens = tokens / static_cast<double>(samples.size());
    if (!result.sharedTokenizer && result.endedWithEos > 0 && b.eos.empty()) {
        result.notes.push_back("B has no EOS token: its score of a sample leaves out the end");
    }

    start = std::chrono::steady_clock::now();
    const std::vector<double> logA = sequenceLogProbs(*lmA, idsA, o.batch);
    std::vector<double> logB = logA;
    if (!result.sameModel) {
        const auto lmB = CausalLM::load(o.modelB, load);
        logB = sequenceLogProbs(*lmB, result.sharedTokenizer ? idsA : idsB, o.batch);
    }
    result.scoreSeconds = secondsSince(start);
    result.kl = estimateSampledKl(logA, logB, bytes);
    return result;
}

}  // namespace llmap

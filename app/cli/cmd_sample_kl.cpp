#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "analysis/kl.h"
#include "analysis/project_geometry.h"
#include "cli/analysis_context.h"
#include "cli/commands.h"
#include "cli/open_project.h"
#include "score/sample_kl.h"
#include "score/scorer.h"
#include "store/project.h"
#include "util/error.h"

namespace llmap::cli {

namespace {
const char* kHelp =
    R"(Usage: llmap-cli sample-kl --model A --model B [--samples 256] [--max-tokens 256]
                            [--seed 42] [--project P.h5] [--device D] [--dtype T] [--batch 16]

A sampled (Monte-Carlo) check of the map's KL estimate. Draws --samples sequences from model A
(temperature 1, the full vocabulary, no top-k or top-p; each starts from the token LLMap's "full"
convention puts before a text, and runs until one of A's EOS tokens, which is kept and scored, or
--max-tokens new tokens), scores them under A and B, and prints

  KL(A||B) = mean over the samples of log p_A(x) - log p_B(x)

in nats per sequence (standard error: std / sqrt(n)) and in bits per byte of the samples' decoded
UTF-8 text (sum of the log-ratios / (ln 2 x total bytes); standard error of this ratio by the
delta method).

When A and B share the vocabulary and the first token, B scores A's token sequences as drawn.
Otherwise each sample is decoded to text and B scores the text in its own "full" convention (its
first token, the text's ids, its EOS if A's sample ended with EOS): a KL between text
distributions. A and B the same file: allowed, the KL is 0 by construction (a warning says so).

  --model A --model B  model folders or GGUF files (A first: samples come from A)
  --samples N          sequences to draw (default 256)
  --max-tokens N       new tokens per sequence at most (default 256); lowered, with a note, to
                       what A's context leaves after the first token
  --seed S             the samples are the same for the same seed, model and device (default 42)
  --project P.h5       also print the map's estimate for the pair from P's geometry (nats per
                       text of P and bits per byte, as 'llmap-cli kl'); the models are found by
                       the id 'llmap-cli score' gives them (the folder's name)
  --device D, --dtype T  as for 'llmap-cli score' (auto: a GPU when there is one; fp32 on the
                       CPU, bf16 on a GPU)
  --batch N            sequences decoded and scored together (default 16)

Without an EOS token in A's config.json, generation_config.json or tokenizer, every sample runs
to --max-tokens.
)";

std::string plusMinus(double value, double error, int digits) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%.*f +- %.*f", digits, value, digits, error);
    return buf;
}

// Both --model values, in order (Arguments keeps only the last of a repeated option).
std::vector<std::string> modelOptions(int argc, char** argv) {
    std::vector<std::string> out;
    for (int i = 2; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--model") && i + 1 < argc) {
            out.push_back(argv[++i]);
        } else if (!std::strncmp(argv[i], "--model=", 8)) {
            out.push_back(argv[i] + 8);
        }
    }
    return out;
}

int64_t countOption(const Arguments& args, const std::string& name, int fallback) {
    const int n = intOption(args, name, fallback, "sample-kl");
    if (n < 1) {
        throw InputError("--" + name + " must be at least 1", "llmap-cli sample-kl",
                         "pass e.g. --" + name + " " + std::to_string(fallback));
    }
    return n;
}

// The map's KL for the pair, or a note why there is none.
void printMapEstimate(const std::string& path, const std::string& idA, const std::string& idB) {
    const Project project = openProjectFile(path);
    ProjectGeometry g = projectGeometry(project, ProjectGeometryOptions{});
    size_t rowA = g.ids.size(), rowB = g.ids.size();
    for (size_t i = 0; i < g.ids.size(); ++i) {
        if (g.ids[i] == idA) rowA = i;
        if (g.ids[i] == idB) rowB = i;
    }
    if (rowA == g.ids.size() || rowB == g.ids.size()) {
        const std::string missing = rowA == g.ids.size() ? idA : idB;
        std::cout << "map estimate: none: \"" << missing << "\" is not a fully scored model of "
                  << path << " (the map's estimate needs both models scored in the project)\n";
        return;
    }
    const auto ra = static_cast<Eigen::Index>(rowA), rb = static_cast<Eigen::Index>(rowB);
    const double nats = klNatsPerText(g.geometry.centred, ra, rb);
    const double bits = natsPerTextToBitsPerByte(nats, project.texts().meanBytes());
    std::printf(
        "map estimate KL(A||B) from %s: %.6f bits per byte (%.4f nats per text of the "
        "project, %zu models)\n",
        path.c_str(), bits, nats, g.ids.size());
    std::printf("  (the map's KL is symmetric: ||q_A - q_B||^2 / 2N over the project's texts)\n");
}

}  // namespace

int runSampleKl(int argc, char** argv) {
    Arguments args(
        "sample-kl", argc, argv, 2,
        {"model", "samples", "max-tokens", "seed", "project", "device", "dtype", "batch"}, {});
    if (args.help()) {
        std::cout << kHelp;
        return 0;
    }
    const std::vector<std::string> models = modelOptions(argc, argv);
    if (models.size() != 2) {
        throw InputError("sample-kl needs two models, got " + std::to_string(models.size()),
                         "--model", "pass --model A --model B");
    }
    SampleKlOptions o;
    o.modelA = models[0];
    o.modelB = models[1];
    o.samples = countOption(args, "samples", 256);
    o.maxTokens = countOption(args, "max-tokens", 256);
    o.batch = countOption(args, "batch", 16);
    o.seed = seedOption(args, "sample-kl");
    o.device = args.value("device").value_or("auto");
    o.dtype = args.value("dtype").value_or("auto");
    const SampleKlResult r = runSampleKl(o);
    if (r.sameModel) {
        std::cerr << "llmap-cli sample-kl: warning: A and B are the same model; KL(A||A) is 0\n";
    }
    for (const auto& note : r.notes) std::cerr << "llmap-cli sample-kl: note: " << note << "\n";
    std::printf("A: %s\nB: %s\n", o.modelA.c_str(), o.modelB.c_str());
    std::printf(
        "%zu samples from A (seed %llu, at most %lld tokens; %zu ended with EOS, %.1f "
        "tokens and %.1f bytes on average) on %s in %s; %s\n",
        r.kl.samples, static_cast<unsigned long long>(o.seed), static_cast<long long>(r.maxTokens),
        r.endedWithEos, r.meanTokens, r.kl.meanBytes, r.device.c_str(), r.dtype.c_str(),
        r.sharedTokenizer ? "B scores the same token sequences (shared vocabulary)"
                          : "B scores the decoded text re-tokenised with its own tokenizer");
    std::printf("sampled KL(A||B): %s nats per sequence\n",
                plusMinus(r.kl.natsPerSequence, r.kl.natsStdErr, 4).c_str());
    std::printf("sampled KL(A||B): %s bits per byte (ratio estimator)\n",
                plusMinus(r.kl.bitsPerByte, r.kl.bitsPerByteStdErr, 6).c_str());
    std::printf("time: %.2f s sampling (%.1f ms per sample, %s), %.2f s scoring\n", r.sampleSeconds,
                1000 * r.sampleSeconds / static_cast<double>(r.kl.samples),
                r.cachedDecoding ? "key/value cache" : "prefix recomputed each step",
                r.scoreSeconds);
    if (const auto project = args.value("project")) {
        printMapEstimate(*project, defaultModelId(o.modelA), defaultModelId(o.modelB));
    }
    return 0;
}

}  // namespace llmap::cli

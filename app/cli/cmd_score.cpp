#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "cli/arguments.h"
#include "cli/commands.h"
#include "cli/score_progress_bar.h"
#include "score/scorer.h"
#include "score/shard.h"
#include "store/project.h"
#include "text/text_loaders.h"
#include "util/error.h"

namespace llmap::cli {

namespace {
const char* kHelp =
    R"(Usage: llmap-cli score --project P.h5 [--texts T] --model DIR [DIR...] [--shard-out DIR]
                        [--device auto|cpu|cuda[:N]] [--dtype auto|fp32|bf16|fp16]
                        [--convention full|paper] [--batch-tokens N] [--threads N]

Scores every model folder on every text of the project: one summed log-likelihood (nats) and one
token count per (model, text), written into P.h5.

  --project P.h5   created when missing (then --texts is required) with the texts of T and the
                   convention; an existing project keeps its texts and convention: a --texts of
                   another content, or another --convention, is refused
  --texts T        the text set (.jsonl, .csv with a "text" column, else one text per line)
  --model DIR...   Hugging Face model folders (config.json, *.safetensors, tokenizer files) or
                   GGUF files; a model's id is its folder's name (org/name for a Hugging Face
                   cache folder) or the file's name without .gguf
  --device D       auto (default: a GPU when there is one), cpu, cuda, cuda:N
  --dtype T        auto (default: fp32 on the CPU, bf16 on a GPU), fp32, bf16, fp16
  --convention C   full (default): a BOS (else <|endoftext|>, else EOS) before every text, every
                   text token scored; paper: the tokenizer's own special tokens, the first input
                   token not scored (as the paper did)
  --batch-tokens N padded tokens per forward pass (default: automatic; halved on out-of-memory)
  --threads N      CPU threads (default: every core)
  --shard-out DIR  score into DIR/<model id>.shard.h5 (one small file per model, without the
                   texts) instead of P.h5; --project (if it exists) or --texts gives the text
                   set. Merge the shards with 'llmap-cli merge --project P.h5 DIR/*.shard.h5'
  --flush-seconds S  write the scores into P.h5 at least every S seconds (default 5)

Texts longer than a model's context are cut at the end (recorded in the provenance). Scores are
saved every few seconds: a run stopped for any reason (Ctrl-C, a kill, a crash) resumes where it
stopped when run again, and finished rows are skipped. A model that fails is reported and skipped;
the others are scored, and the exit code is then non-zero (2 if every failure was bad input).
)";

CancelToken* gCancel = nullptr;

extern "C" void onInterrupt(int) {
    if (gCancel) gCancel->cancel();
}

void requireConvention(const Project& project, const std::string& convention);

// Created under another name and renamed when complete: a kill during creation leaves no
// half-written project behind.
void createProjectFile(const std::string& path, const TextSet& texts,
                       const std::string& convention) {
    const std::string partial = path + ".creating";
    std::filesystem::remove(partial);
    Project::create(partial, texts, convention);
    std::filesystem::rename(partial, path);
}

Project openOrCreate(const std::string& projectPath, const std::optional<std::string>& textsPath,
                     const std::string& convention, bool writable = false) {
    if (!std::filesystem::exists(projectPath)) {
        if (!textsPath) {
            throw InputError("the project does not exist and no text set was given", projectPath,
                             "add --texts T to create it");
        }
        createProjectFile(projectPath, loadTextSet(*textsPath), convention);
    }
    Project project = Project::open(projectPath, writable);
    if (textsPath) {
        const TextSet texts = loadTextSet(*textsPath);
        if (texts.contentHash() != project.textSetHash()) {
            throw InputError("the project holds another text set (project " +
                                 project.textSetHash() + ", " + *textsPath + " " +
                                 texts.contentHash() + ")",
                             projectPath, "leave out --texts, or score into a new project");
        }
    }
    requireConvention(project, convention);
    return project;
}

void requireConvention(const Project& project, const std::string& convention) {
    if (project.convention() != convention) {
        throw InputError("the project holds \"" + project.convention() +
                             "\" scores; --convention " + convention + " was asked for",
                         project.path(),
                         "use --convention " + project.convention() + " or a new project");
    }
}

// --shard-out: each model is scored into DIR/<id>.shard.h5.partial.h5 (a project of its own, so an
// interrupted job resumes), which becomes DIR/<id>.shard.h5 when complete.
class ShardTarget {
public:
    ShardTarget(std::string dir, TextSet texts, std::string convention)
        : dir_(std::move(dir)), texts_(std::move(texts)), convention_(std::move(convention)) {
        std::filesystem::create_directories(dir_);
    }

    ScoreResult score(const std::string& model, const ScoreOptions& options, ProgressSink* sink,
                      const CancelToken* cancel) const {
        const std::string id = options.modelId.empty() ? defaultModelId(model) : options.modelId;
        const std::string shard = dir_ + "/" + shardFileName(id);
        ScoreResult r;
        r.modelId = id;
        if (std::filesystem::exists(shard)) {
            r.textsSkipped = texts_.size();
            return r;
        }
        const std::string work = shard + ".partial.h5";
        if (!std::filesystem::exists(work)) createProjectFile(work, texts_, convention_);
        {
            Project project = Project::open(work, true);
            r = scoreModel(project, model, options, sink, cancel);
            if (r.cancelled) return r;
            writeShard(shard, shardOf(project, r.row));
        }
        std::filesystem::remove(work);
        return r;
    }

private:
    std::string dir_;
    TextSet texts_;
    std::string convention_;
};

TextSet shardTexts(const std::optional<std::string>& projectPath,
                   const std::optional<std::string>& textsPath, const std::string& convention) {
    if (projectPath && std::filesystem::exists(*projectPath)) {
        const Project project = openOrCreate(*projectPath, textsPath, convention);
        return project.texts();
    }
    if (!textsPath) {
        throw InputError("--shard-out needs the text set", "llmap-cli score",
                         "give --texts T or an existing --project P.h5");
    }
    return loadTextSet(*textsPath);
}

}  // namespace

int runScore(int argc, char** argv) {
    Arguments args("score", argc, argv, 2,
                   {"project", "texts", "model", "device", "dtype", "convention", "batch-tokens",
                    "threads", "flush-seconds", "shard-out"},
                   {});
    if (args.help()) {
        std::cout << kHelp;
        return 0;
    }
    const auto shardOut = args.value("shard-out");
    const auto projectPath = shardOut ? args.value("project") : args.required("project");
    std::vector<std::string> models{args.required("model")};
    for (const std::string& p : args.positionals()) models.push_back(p);

    ScoreOptions options;
    options.device = args.value("device").value_or("auto");
    options.dtype = args.value("dtype").value_or("auto");
    options.convention = args.value("convention").value_or("full");
    auto count = [&](const char* name) -> int64_t {
        const auto v = args.value(name);
        if (!v) return 0;
        char* end = nullptr;
        const long long n = std::strtoll(v->c_str(), &end, 10);
        if (v->empty() || *end || n < 0) {
            throw InputError(
                "--" + std::string(name) + " must be a whole number >= 0, not \"" + *v + "\"",
                "llmap-cli score", "give e.g. --" + std::string(name) + " 4096");
        }
        return n;
    };
    options.batchTokens = count("batch-tokens");
    options.threads = static_cast<int>(count("threads"));
    if (const auto f = args.value("flush-seconds")) {
        char* end = nullptr;
        options.flushSeconds = std::strtod(f->c_str(), &end);
        if (f->empty() || *end || !(options.flushSeconds >= 0)) {
            throw InputError("--flush-seconds must be a number >= 0, not \"" + *f + "\"",
                             "llmap-cli score", "give e.g. --flush-seconds 5");
        }
    }
    validateScoreOptions(options);

    std::optional<Project> project;
    std::optional<ShardTarget> shards;
    if (shardOut) {
        shards.emplace(*shardOut, shardTexts(projectPath, args.value("texts"), options.convention),
                       options.convention);
    } else {
        project.emplace(openOrCreate(*projectPath, args.value("texts"), options.convention, true));
    }

    CancelToken cancel;
    gCancel = &cancel;
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
    ScoreProgressBar bar;
    int failures = 0, inputFailures = 0;
    for (const std::string& model : models) {
        try {
            const ScoreResult r = shards ? shards->score(model, options, &bar, &cancel)
                                         : scoreModel(*project, model, options, &bar, &cancel);
            bar.finish();
            if (r.cancelled) {
                std::cerr << "llmap-cli score: stopped; " << r.modelId
                          << " resumes where it stopped when run again\n";
                return 130;
            }
            if (r.textsScored == 0) {
                std::cerr << r.modelId << ": already scored, skipped\n";
            } else {
                std::cerr << r.modelId << ": " << r.textsScored << " texts, " << r.tokensScored
                          << " tokens in " << formatDuration(r.seconds) << " ("
                          << static_cast<long long>(r.tokensScored / std::max(r.seconds, 1e-9))
                          << " tok/s, " << r.device << ", " << r.dtype << ")";
                if (!r.truncatedTexts.empty()) {
                    std::cerr << "; " << r.truncatedTexts.size()
                              << " texts cut to the model's context";
                }
                std::cerr << "\n";
            }
        } catch (const Error& e) {
            bar.finish();
            ++failures;
            if (dynamic_cast<const InputError*>(&e)) ++inputFailures;
            std::cerr << "llmap-cli score: " << model << " failed, skipped: " << e.message()
                      << "\n";
        } catch (const std::exception& e) {
            bar.finish();
            ++failures;
            std::cerr << "llmap-cli score: " << model << " failed, skipped: " << e.what() << "\n";
        }
    }
    gCancel = nullptr;
    if (failures == 0) return 0;
    std::cerr << "llmap-cli score: " << failures << " of " << models.size() << " models failed\n";
    return failures == inputFailures ? 2 : 1;
}

}  // namespace llmap::cli

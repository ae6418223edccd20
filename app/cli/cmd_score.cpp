#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "cli/arguments.h"
#include "cli/commands.h"
#include "cli/device_progress.h"
#include "cli/open_project.h"
#include "cli/score_progress_bar.h"
#include "cli/score_project.h"
#include "model/device.h"
#include "score/device_pool.h"
#include "score/manifest.h"
#include "score/scorer.h"
#include "score/shard.h"
#include "score/shard_target.h"
#include "store/project.h"
#include "text/text_loaders.h"
#include "util/error.h"

namespace llmap::cli {

namespace {
const char* kHelp =
    R"(Usage: llmap-cli score --project P.h5 [--texts T] --model DIR [DIR...] [--shard-out DIR]
                        [--device auto|cpu|cuda[:N]|cuda:0,cuda:1|all]
                        [--dtype auto|fp32|bf16|fp16]
                        [--convention full|paper] [--batch-tokens N] [--max-padding S]
                        [--threads N] [--token-logprobs] [--pmi]
       llmap-cli score --manifest M [--task-index I] [--shard-out DIR] [--device D] ...

Scores every model folder on every text of the project: one summed log-likelihood (nats) and one
token count per (model, text), written into P.h5.

  --project P.h5   created when missing (then --texts is required) with the texts of T and the
                   convention; an existing project keeps its texts and convention: a --texts of
                   another content, or another --convention, is refused
  --texts T        the text set (.jsonl, .csv with a "text" column, else one text per line);
                   a JSONL set of "prompt" and "response" pairs scores log p(response | prompt)
  --model DIR...   Hugging Face model folders (config.json, *.safetensors, tokenizer files) or
                   GGUF files; a model's id is its folder's name (org/name for a Hugging Face
                   cache folder) or the file's name without .gguf
  --device D       auto (default: a GPU when there is one), cpu, cuda, cuda:N; several GPUs
                   (cuda:0,cuda:1 or all) score one model each at a time from one queue, each
                   into a shard in P.h5.scoring/ that is merged into P.h5 when complete
  --dtype T        auto (default: fp32 on the CPU, bf16 on a GPU), fp32, bf16, fp16
  --convention C   full (default): a BOS (else <|endoftext|>, else EOS) before every text, every
                   text token scored; paper: the tokenizer's own special tokens, the first input
                   token not scored (as the paper did); a prompt-response set is always scored
                   with "response": the prompt with the tokenizer's own special tokens, then the
                   response without any, only the response's tokens scored
  --batch-tokens N padded tokens per forward pass; on the CPU, where a batch's texts run packed,
                   real tokens (default: automatic, on the CPU 1,024 in fp32, 4,096 in fp32
                   for a mixture of experts and in bf16 or fp16; halved on out-of-memory)
  --max-padding S  the share of a forward pass's positions that may be padding, 0 to 1 (default:
                   any on the CPU, which computes no padding; 0.1 elsewhere). Given, it also
                   makes --batch-tokens count padded tokens
  --threads N      CPU threads (default: every core)
  --shard-out DIR  score into DIR/<model id>.shard.h5 (one small file per model, without the
                   texts) instead of P.h5; --project (if it exists) or --texts gives the text
                   set. Merge the shards with 'llmap-cli merge --project P.h5 DIR/*.shard.h5'
  --flush-seconds S  write the scores into P.h5 at least every S seconds (default 5)
  --manifest M     score the models of one task of a manifest written by 'llmap-cli plan' into
                   shards (in the manifest's shard folder unless --shard-out is given); the
                   project and its text set are the manifest's. A task whose shards all exist
                   does nothing, so a task may be run again safely
  --task-index I   the task (0-based) of --manifest; default: $SLURM_ARRAY_TASK_ID, else
                   $JOB_COMPLETION_INDEX (a Kubernetes Indexed Job)
  --token-logprobs also keep every token's log-probability (P.h5's /token_logprobs; texts
                   scored earlier without them are scored again); not with --shard-out
  --pmi            prompt-response sets: also score each response alone (after the BOS, else
                   <|endoftext|>, else EOS), kept as P.h5's /scores/marginal; the analyses'
                   --matrix pmi then use log p(y|x) - log p(y). One device, not with --shard-out

Texts longer than a model's context are cut at the end (recorded per text in /scores/truncated).
On a full disk the run stops with the project intact; run it again once there is room. Scores are
saved every few seconds: a run stopped for any reason (Ctrl-C, a kill, a crash) resumes where it
stopped when run again, and finished rows are skipped. A model that fails is reported and skipped;
the others are scored, and the exit code is then non-zero (2 if every failure was bad input).
)";

CancelToken* gCancel = nullptr;

extern "C" void onInterrupt(int) {
    if (gCancel) gCancel->cancel();
}

// The task of --task-index, else of the array index the scheduler gives the process.
size_t taskIndex(const std::optional<std::string>& given, const Manifest& manifest,
                 const std::string& manifestPath) {
    std::string value, source = "--task-index";
    if (given) {
        value = *given;
    } else if (const char* slurm = std::getenv("SLURM_ARRAY_TASK_ID")) {
        value = slurm;
        source = "SLURM_ARRAY_TASK_ID";
    } else if (const char* k8s = std::getenv("JOB_COMPLETION_INDEX")) {
        value = k8s;
        source = "JOB_COMPLETION_INDEX";
    } else {
        throw InputError("no task index: neither --task-index nor SLURM_ARRAY_TASK_ID is set",
                         "llmap-cli score", "give --task-index I (0-based)");
    }
    char* end = nullptr;
    const long long i = std::strtoll(value.c_str(), &end, 10);
    if (value.empty() || *end || i < 0 || static_cast<size_t>(i) >= manifest.tasks.size()) {
        throw InputError(source + " \"" + value + "\" is not a task of the manifest (0.." +
                             std::to_string(manifest.tasks.size() - 1) + ")",
                         manifestPath, "give a task index the manifest has");
    }
    return static_cast<size_t>(i);
}

// The text set of --shard-out, and the convention resolved (the project's when it exists).
std::pair<TextSet, std::string> shardTexts(const std::optional<std::string>& projectPath,
                                           const std::optional<std::string>& textsPath,
                                           const std::string& convention) {
    if (projectPath && std::filesystem::exists(*projectPath)) {
        const Project project = openOrCreate(*projectPath, textsPath, convention);
        return {project.texts(), project.convention()};
    }
    if (!textsPath) {
        throw InputError("--shard-out needs the text set", "llmap-cli score",
                         "give --texts T or an existing --project P.h5");
    }
    TextSet texts = loadTextSet(*textsPath);
    std::string resolved = conventionFor(texts, convention);
    return {std::move(texts), std::move(resolved)};
}

// --device with several GPUs: the models from one queue, one per GPU at a time.
int scoreOnSeveralDevices(Project* project, const TextSet& texts, const std::vector<PoolJob>& jobs,
                          const std::vector<std::string>& devices, const ScoreOptions& options,
                          const std::string& workDir) {
    for (const std::string& d : devices)
        std::cerr << "llmap-cli score: device " << describeDevice(d, d) << "\n";
    CancelToken cancel;
    gCancel = &cancel;
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
    DeviceProgress progress(devices);
    std::vector<PoolOutcome> outcomes;
    try {
        outcomes =
            scoreOnDevices(project, texts, jobs, devices, options, workDir, &progress, cancel);
    } catch (const DiskFullError& e) {
        progress.finish();
        gCancel = nullptr;
        std::cerr << "llmap-cli score: " << e.message() << "\n";
        return 1;
    }
    progress.finish();
    gCancel = nullptr;
    int failures = 0, inputFailures = 0;
    bool stopped = false;
    for (size_t j = 0; j < outcomes.size(); ++j) {
        const PoolOutcome& o = outcomes[j];
        stopped = stopped || o.result.cancelled || o.device.empty();
        if (!o.failed) continue;
        ++failures;
        if (o.inputError) ++inputFailures;
        std::cerr << "llmap-cli score: " << jobs[j].model << " failed on " << o.device
                  << ", skipped: " << o.error << "\n";
    }
    if (stopped && cancel.cancelled()) {
        std::cerr << "llmap-cli score: stopped; the models resume where they stopped when run "
                     "again (their partial scores are in "
                  << workDir << ")\n";
        return 130;
    }
    if (failures == 0) return 0;
    std::cerr << "llmap-cli score: " << failures << " of " << jobs.size() << " models failed\n";
    return failures == inputFailures ? 2 : 1;
}

}  // namespace

int runScore(int argc, char** argv) {
    Arguments args(
        "score", argc, argv, 2,
        {"project", "texts", "model", "device", "dtype", "convention", "batch-tokens",
         "max-padding", "threads", "flush-seconds", "shard-out", "manifest", "task-index"},
        {"token-logprobs", "pmi"});
    if (args.help()) {
        std::cout << kHelp;
        return 0;
    }
    auto shardOut = args.value("shard-out");
    std::optional<std::string> projectPath;
    std::vector<std::string> models, modelIds;
    if (const auto manifestPath = args.value("manifest")) {
        if (args.value("model") || args.value("project") || args.value("texts")) {
            throw InputError("--manifest names the models, the project and its texts",
                             "llmap-cli score", "leave out --model, --project and --texts");
        }
        const Manifest manifest = readManifest(*manifestPath);
        const size_t task = taskIndex(args.value("task-index"), manifest, *manifestPath);
        for (const PlannedModel& m : manifest.tasks[task]) {
            models.push_back(m.folder);
            modelIds.push_back(m.id);
        }
        projectPath = manifest.project;
        if (!shardOut) shardOut = manifest.shardDir;
        std::cerr << "task " << task << " of " << manifest.tasks.size() << ": " << models.size()
                  << " model(s) into " << *shardOut << "\n";
    } else {
        projectPath = shardOut ? args.value("project") : args.required("project");
        models.push_back(args.required("model"));
        for (const std::string& p : args.positionals()) models.push_back(p);
    }

    ScoreOptions options;
    options.device = args.value("device").value_or("auto");
    options.dtype = args.value("dtype").value_or("auto");
    // "" until the project or the text set gives the default (conventionFor).
    options.convention = args.value("convention").value_or("");
    if (args.value("manifest") && !args.value("convention")) {
        options.convention = openProjectFile(*projectPath).convention();
    }
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
    if (const auto p = args.value("max-padding")) {
        char* end = nullptr;
        options.maxPadding = std::strtod(p->c_str(), &end);
        if (p->empty() || *end || !(options.maxPadding >= 0 && options.maxPadding <= 1)) {
            throw InputError("--max-padding must be a share between 0 and 1, not \"" + *p + "\"",
                             "llmap-cli score", "give e.g. --max-padding 0.1");
        }
    }
    options.tokenLogProbs = args.flag("token-logprobs");
    if (options.tokenLogProbs && shardOut) {
        throw InputError("--token-logprobs cannot be kept in shards", "llmap-cli score",
                         "score into a project (--project) to keep per-token values");
    }
    options.pmi = args.flag("pmi");
    {
        ScoreOptions check = options;
        if (check.convention.empty()) check.convention = "full";
        validateScoreOptions(check);
    }

    const std::vector<std::string> devices = resolveDevices(options.device);
    if (options.pmi && (shardOut || devices.size() > 1)) {
        throw InputError("--pmi keeps its second matrix in the project itself, not in shards",
                         "llmap-cli score",
                         "score with --pmi into --project on one device (not with --shard-out, "
                         "--manifest or several GPUs)");
    }
    std::optional<Project> project;
    std::optional<ShardTarget> shards;
    std::optional<TextSet> shardSet;
    if (shardOut) {
        std::tie(shardSet, options.convention) =
            shardTexts(projectPath, args.value("texts"), options.convention);
        shards.emplace(*shardOut, *shardSet, options.convention);
    } else {
        project.emplace(openOrCreate(*projectPath, args.value("texts"), options.convention, true));
        options.convention = project->convention();
    }
    if (devices.size() > 1) {
        std::vector<PoolJob> jobs;
        for (size_t m = 0; m < models.size(); ++m)
            jobs.push_back({models[m], modelIds.empty() ? "" : modelIds[m]});
        return scoreOnSeveralDevices(project ? &*project : nullptr,
                                     project ? project->texts() : *shardSet, jobs, devices, options,
                                     shardOut.value_or(*projectPath + ".scoring"));
    }

    // One device: "all" with one GPU (or none, then as auto) and a list of one are that device.
    const std::string asked = options.device == "all" ? "auto" : options.device;
    options.device = asked == "auto" ? asked : devices.front();
    // Where the models run, said once: with --device auto the user learns whether a GPU was found.
    if (options.device != "cpu") {
        std::cerr << "llmap-cli score: device " << describeDevice(asked, devices.front()) << "\n";
    }
    CancelToken cancel;
    gCancel = &cancel;
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
    ScoreProgressBar bar;
    int failures = 0, inputFailures = 0;
    for (size_t m = 0; m < models.size(); ++m) {
        const std::string& model = models[m];
        if (!modelIds.empty()) options.modelId = modelIds[m];
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
        } catch (const DiskFullError& e) {
            bar.finish();
            std::cerr << "llmap-cli score: " << e.message() << "\n";
            return 1;
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

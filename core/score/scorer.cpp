#include "score/scorer.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/version.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>

#include "model/causal_lm.h"
#include "model/device.h"
#include "model/model_info.h"
#include "model/model_source.h"
#include "score/batch_plan.h"
#include "score/convention_ids.h"
#include "tokenize/tokenizer.h"
#include "util/error.h"
#include "util/utc_time.h"
#include "util/version.h"

namespace fs = std::filesystem;

namespace llmap {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// ScoreOptions' spelling to the engine's.
std::string resolvedDtype(const std::string& dtype, const std::string& device) {
    if (dtype == "auto") return device == "cpu" ? "float32" : "bfloat16";
    if (dtype == "fp32") return "float32";
    if (dtype == "bf16") return "bfloat16";
    return "float16";
}

int64_t bytesPerValue(const std::string& dtype) {
    return dtype == "float32" ? 4 : 2;
}

// Padded tokens per forward pass when the user gave no budget (real tokens where the batch runs
// packed). On the CPU, enough to keep the matrix units busy (cpuPackedTokens). On a GPU, what its
// memory holds after the weights: a forward pass keeps the residual stream and one layer's widest
// activations alive, a few times over, and attention without a fused kernel holds heads x longest
// text scores per token; an out-of-memory halves it.
int64_t automaticBudget(const std::string& device, const ArchSpec& spec, const std::string& dtype,
                        int64_t longest, bool packed) {
    if (device == "cpu")
        return packed ? cpuPackedTokens(dtype == "float32", spec.experts > 0) : 4096;
    const std::optional<GpuMemory> memory = gpuMemory(gpuIndex(device));
    if (!memory) return 16384;
    const int64_t mlp = std::max(spec.intermediate, spec.moeIntermediate * spec.expertsPerToken);
    const int64_t perToken = bytesPerValue(dtype) * (8 * spec.hidden + 3 * mlp +
                                                     spec.heads * std::max<int64_t>(1, longest));
    // The head's fp32 logits come in chunks of 256 MB; CUDA and the allocator keep about 1 GiB.
    const int64_t usable = memory->freeBytes - (int64_t(5) << 28);
    return std::clamp<int64_t>(usable / 2 / std::max<int64_t>(1, perToken), 1024, int64_t(1) << 20);
}

// Refuses a row of the same id that holds another model's scores.
void requireSameModel(const Project& project, size_t row, const ModelInfo& info,
                      const std::string& modelPath) {
    const auto stored = nlohmann::json::parse(project.models()[row].metadataJson, nullptr, false);
    if (!stored.is_object() || !stored.contains("config_hash")) return;
    const std::string hash =
        stored["config_hash"].is_string() ? stored["config_hash"].get<std::string>() : "";
    if (!hash.empty() && hash != info.configHash) {
        throw InputError("the project's model \"" + project.models()[row].id +
                             "\" has other weights (config hash " + hash.substr(0, 12) +
                             "…, this folder " + info.configHash.substr(0, 12) + "…)",
                         modelPath, "give this model another id");
    }
}

// The scores of one model, kept in memory and written as a whole row (finished cells are rewritten
// with the same bytes, so a write cut short by a kill never damages them). Per-token values are
// written before the scores, so a text with a score has its values too.
class RowWriter {
public:
    RowWriter(Project& project, size_t row, double flushSeconds)
        : project_(project),
          row_(row),
          flushSeconds_(flushSeconds),
          loglik_(project.scoreRow(row)),
          tokens_(project.tokenRow(row)),
          truncated_(project.truncatedRow(row)),
          lastFlush_(Clock::now()) {
        if (project.hasMarginal()) marginal_ = project.marginalRow(row);
    }

    void set(size_t text, double loglik, int64_t tokens, bool truncated,
             std::vector<float> perToken) {
        loglik_[text] = loglik;
        tokens_[text] = static_cast<int32_t>(tokens);
        truncated_[text] = truncated ? 1 : 0;
        if (!perToken.empty()) perToken_.emplace_back(text, std::move(perToken));
        dirty_ = true;
    }
    void setMarginal(size_t text, double loglik) {
        marginal_.at(text) = loglik;
        dirty_ = true;
    }
    void flushIfDue() {
        if (secondsSince(lastFlush_) >= flushSeconds_) flush();
    }
    void flush() {
        if (dirty_) {
            for (const auto& [text, values] : perToken_)
                project_.writeTokenLogProbs(row_, text, values);
            if (!marginal_.empty()) project_.writeMarginal(row_, 0, marginal_);
            project_.writeScores(row_, 0, loglik_, tokens_, truncated_);
            perToken_.clear();
        }
        dirty_ = false;
        lastFlush_ = Clock::now();
    }
    size_t size() const { return loglik_.size(); }

private:
    Project& project_;
    size_t row_;
    double flushSeconds_;
    std::vector<double> loglik_;
    std::vector<int32_t> tokens_;
    std::vector<int8_t> truncated_;
    std::vector<double> marginal_;  // empty unless the project keeps the marginal matrix
    std::vector<std::pair<size_t, std::vector<float>>> perToken_;
    Clock::time_point lastFlush_;
    bool dirty_ = false;
};

// Texts of an existing row that still need scoring: those without a score and, when per-token
// values are asked for, those scored without them.
std::vector<size_t> pendingTexts(const Project& project, std::optional<size_t> row,
                                 bool tokenLogProbs, bool pmi) {
    std::vector<size_t> pending;
    if (!row) {
        for (size_t i = 0; i < project.texts().size(); ++i) pending.push_back(i);
        return pending;
    }
    const std::vector<double> stored = project.scoreRow(*row);
    const std::vector<double> marginal = pmi ? project.marginalRow(*row) : std::vector<double>();
    std::vector<int64_t> offsets;
    std::vector<float> values;
    std::vector<int32_t> tokens;
    if (tokenLogProbs) {
        offsets = project.tokenLogProbOffsets(*row);
        if (!offsets.empty()) values = project.allTokenLogProbs(*row);
        tokens = project.tokenRow(*row);
    }
    for (size_t i = 0; i < stored.size(); ++i) {
        bool missing = std::isnan(stored[i]) || (pmi && std::isnan(marginal[i]));
        if (!missing && tokenLogProbs && tokens[i] != 0) {
            missing = offsets.empty() || offsets[i + 1] - offsets[i] != tokens[i] ||
                      std::isnan(values[static_cast<size_t>(offsets[i])]);
        }
        if (missing) pending.push_back(i);
    }
    return pending;
}

// LLMAP_SCORE_OOM_ABOVE_TOKENS (tests only): batches above this many padded tokens fail as
// out of memory. 0 = off.
int64_t simulatedMemoryLimit() {
    const char* v = std::getenv("LLMAP_SCORE_OOM_ABOVE_TOKENS");
    return v ? std::max<int64_t>(0, std::atoll(v)) : 0;
}

// Right-padded ids and mask for texts order[from, from + count).
std::pair<at::Tensor, at::Tensor> paddedBatch(const std::vector<ConventionIds>& seqs,
                                              const std::vector<size_t>& order, size_t from,
                                              size_t count) {
    int64_t T = 0;
    for (size_t i = 0; i < count; ++i)
        T = std::max<int64_t>(T, static_cast<int64_t>(seqs[order[from + i]].ids.size()));
    const auto B = static_cast<int64_t>(count);
    at::Tensor ids = at::zeros({B, T}, at::kLong);
    at::Tensor mask = at::zeros({B, T}, at::kLong);
    int64_t* idp = ids.data_ptr<int64_t>();
    int64_t* mp = mask.data_ptr<int64_t>();
    for (size_t b = 0; b < count; ++b) {
        const auto& s = seqs[order[from + b]].ids;
        for (size_t t = 0; t < s.size(); ++t) {
            idp[static_cast<int64_t>(b) * T + static_cast<int64_t>(t)] = s[t];
            mp[static_cast<int64_t>(b) * T + static_cast<int64_t>(t)] = 1;
        }
    }
    return {ids, mask};
}

// Targets for targetLogProbs: the next id where a position is scored, -1 elsewhere (padding, and
// a prompt's positions, whose logits are then never computed).
at::Tensor scoredTargets(const std::vector<ConventionIds>& seqs, const std::vector<size_t>& order,
                         size_t from, size_t count, int64_t T) {
    at::Tensor targets = at::full({static_cast<int64_t>(count), T}, -1, at::kLong);
    int64_t* tp = targets.data_ptr<int64_t>();
    for (size_t b = 0; b < count; ++b) {
        const ConventionIds& s = seqs[order[from + b]];
        for (size_t t = s.context; t < s.ids.size(); ++t)
            tp[static_cast<int64_t>(b) * T + static_cast<int64_t>(t) - 1] = s.ids[t];
    }
    return targets;
}

struct PreparedBatch {
    size_t from = 0, count = 0;
    at::Tensor ids, mask;  // undefined when the batch's texts score nothing
    at::Tensor targets;    // defined when a text of the batch has a prompt (context > 1)
};

class ProgressReporter {
public:
    ProgressReporter(ProgressSink* sink, std::string model, size_t total, int64_t tokensPending)
        : sink_(sink), start_(Clock::now()), tokensPending_(tokensPending) {
        p_.model = std::move(model);
        p_.textsTotal = total;
    }
    void report(size_t textsDone, int64_t tokensDone) {
        if (!sink_) return;
        p_.textsDone = textsDone;
        p_.tokensDone = tokensDone;
        const double s = secondsSince(start_);
        p_.tokensPerSecond = s > 0 ? static_cast<double>(tokensDone) / s : 0;
        p_.etaSeconds = p_.tokensPerSecond > 0
                            ? static_cast<double>(tokensPending_ - tokensDone) / p_.tokensPerSecond
                            : -1;
        sink_->onProgress(p_);
    }

private:
    ProgressSink* sink_;
    Clock::time_point start_;
    int64_t tokensPending_;
    ScoreProgress p_;
};

}  // namespace

void validateScoreOptions(const ScoreOptions& o) {
    static const std::regex device("auto|cpu|cuda(:[0-9]+)?");
    if (o.device == "all" || o.device.find(',') != std::string::npos) {
        resolveDevices(o.device);  // several GPUs (scoreOnDevices): can they be had?
    } else if (!std::regex_match(o.device, device)) {
        throw InputError("device \"" + o.device + "\" is not known", "--device",
                         "use auto, cpu, cuda, cuda:N, a list such as cuda:0,cuda:1, or all");
    } else if (o.device.rfind("cuda", 0) == 0) {
        resolveDevice(o.device);  // CUDA asked for: can it be had?
    }
    if (o.dtype != "auto" && o.dtype != "fp32" && o.dtype != "bf16" && o.dtype != "fp16") {
        throw InputError("dtype \"" + o.dtype + "\" is not known", "--dtype",
                         "use auto, fp32, bf16 or fp16");
    }
    if (o.convention != "full" && o.convention != "paper" && o.convention != "response") {
        throw InputError("convention \"" + o.convention + "\" is not known", "--convention",
                         "use full or paper (or response, for prompt-response sets)");
    }
    if (o.batchTokens < 0 || o.maxBatchTexts < 0 || o.threads < 0 || !(o.flushSeconds >= 0)) {
        throw InputError("batch tokens, batch texts, threads and flush interval must be >= 0",
                         "score options", "give 0 for the automatic choice");
    }
    if (!(o.maxPadding <= 1)) {  // NaN too
        throw InputError("the padding share must be between 0 and 1", "score options",
                         "give e.g. 0.1, or a negative share for the automatic choice");
    }
}

std::string defaultModelId(const std::string& modelPath) {
    fs::path p = fs::path(modelPath).lexically_normal();
    if (p.filename().empty()) p = p.parent_path();
    std::error_code ec;
    const fs::path canonical = fs::weakly_canonical(p, ec);
    if (!ec && !canonical.filename().empty()) p = canonical;
    // Hugging Face cache layout: models--org--name/snapshots/<commit>.
    if (p.parent_path().filename() == "snapshots") {
        std::string name = p.parent_path().parent_path().filename().string();
        if (name.rfind("models--", 0) == 0) {
            name = name.substr(8);
            const size_t sep = name.find("--");
            if (sep != std::string::npos) name.replace(sep, 2, "/");
            return name;
        }
    }
    if (p.extension() == ".gguf") return p.stem().string();  // SmolLM2-135M-Instruct.Q4_1
    return p.filename().string();
}

std::string scoringEngineVersion() {
    return std::string(LLMAP_VERSION) + "; libtorch " + TORCH_VERSION;
}

ScoreResult scoreModel(Project& project, const std::string& modelPath, const ScoreOptions& options,
                       ProgressSink* progress, const CancelToken* cancel) {
    const auto start = Clock::now();
    validateScoreOptions(options);
    if (project.convention() != options.convention) {
        throw InputError(
            "the project holds \"" + project.convention() + "\" scores; \"" + options.convention +
                "\" was asked for",
            project.path(),
            "score with --convention " + project.convention() + " or use a new project");
    }
    const ModelSource source = openModelSource(modelPath);
    const ModelInfo info = readModelInfo(source);
    const std::unique_ptr<Tokenizer> tokenizer = loadModelTokenizer(source);

    ScoreResult result;
    result.modelId = options.modelId.empty() ? defaultModelId(modelPath) : options.modelId;
    const std::optional<size_t> existing = project.findModel(result.modelId);
    if (existing) requireSameModel(project, *existing, info, modelPath);
    if (options.pmi && !project.texts().hasPrompts()) {
        throw InputError("PMI needs a prompt-response text set; this project holds plain texts",
                         project.path(),
                         "leave out --pmi, or create a project from a set with \"prompt\" and "
                         "\"response\" fields");
    }
    const std::vector<size_t> pending =
        pendingTexts(project, existing, options.tokenLogProbs, options.pmi);
    result.textsSkipped = project.texts().size() - pending.size();
    if (pending.empty()) {
        result.row = *existing;
        return result;
    }

    result.device = resolveDevice(options.device);
    result.dtype = resolvedDtype(options.dtype, result.device);
    result.deviceNote = describeDevice(options.device, result.device);
    if (const auto memory = gpuMemory(gpuIndex(result.device))) {
        const int64_t weights = info.parameters * bytesPerValue(result.dtype);
        result.deviceNote += "; the weights take " + formatGiB(weights);
        if (weights > memory->freeBytes) {
            throw InputError("the model needs " + formatGiB(weights) + " of GPU memory for its " +
                                 result.dtype + " weights, but " + result.device + " has " +
                                 formatGiB(memory->freeBytes) + " free",
                             modelPath,
                             "score it in bf16 (--dtype bf16), on a GPU with more free memory "
                             "(--device cuda:N), or on the CPU (--device cpu)");
        }
    }
    if (progress && result.device != "cpu") progress->onDevice(result.modelId, result.deviceNote);
    LoadOptions load;
    load.device = result.device;
    load.dtype = result.dtype;
    const auto loadStart = Clock::now();
    const std::unique_ptr<CausalLM> lm = CausalLM::load(source, load);
    result.loadSeconds = secondsSince(loadStart);
    if (options.threads > 0) at::set_num_threads(options.threads);

    // Sequence k < P scores text pending[k]; with PMI, sequence P + k scores its response alone.
    const TextSet& texts = project.texts();
    const size_t P = pending.size();
    const ConventionTokenizer tokenize(*tokenizer, info, options.convention, lm->spec().context);
    std::vector<ConventionIds> seqs(options.pmi ? 2 * P : P);
    std::vector<int64_t> lengths(seqs.size());
    int64_t tokensPending = 0;
    for (size_t k = 0; k < seqs.size(); ++k) {
        if (cancel && cancel->cancelled()) break;
        const size_t text = pending[k % P];
        if (k >= P)
            seqs[k] = tokenize(texts.texts[text]);
        else if (texts.hasPrompts())
            seqs[k] = tokenize.pair(texts.prompts[text], texts.texts[text]);
        else
            seqs[k] = tokenize(texts.texts[text]);
        if (texts.hasPrompts() && (seqs[k].context == 0 || seqs[k].scoredTokens() == 0)) {
            throw InputError(
                (seqs[k].context == 0
                     ? "the prompt of text " + texts.ids[text] + " gives no tokens"
                     : "the prompt of text " + texts.ids[text] + " takes " +
                           std::to_string(seqs[k].context) + " tokens, and the model's context " +
                           "is " + std::to_string(lm->spec().context) +
                           ": no token of the response fits"),
                modelPath,
                "shorten that prompt or leave the pair out of the text set (a model with a "
                "longer context can score it)");
        }
        lengths[k] = static_cast<int64_t>(seqs[k].ids.size());
        tokensPending += seqs[k].scoredTokens();
    }
    // The row is added once the model has loaded and every text fits: a folder that cannot run
    // leaves no empty row.
    if (options.pmi) project.enableMarginal();
    result.row = existing ? *existing : project.addModel({result.modelId, info.toJson()});
    RowWriter row(project, result.row, options.flushSeconds);

    if (options.tokenLogProbs && !(cancel && cancel->cancelled())) {
        // The layout of the model's flat array: every text's scored tokens, in text order.
        std::vector<int32_t> counts = project.tokenRow(result.row);
        for (size_t k = 0; k < P; ++k)
            counts[pending[k]] = static_cast<int32_t>(seqs[k].scoredTokens());
        std::vector<int64_t> offsets(counts.size() + 1, 0);
        for (size_t i = 0; i < counts.size(); ++i)
            offsets[i + 1] = offsets[i] + std::max<int32_t>(0, counts[i]);
        project.beginTokenLogProbs(result.row, offsets);
    }

    const std::vector<size_t> order = longestFirst(lengths);
    const int64_t memoryLimit = simulatedMemoryLimit();
    const int64_t longest = order.empty() ? 0 : lengths[order.front()];
    const bool cpuFp32 = result.device == "cpu" && result.dtype == "float32";
    // Where the model packs texts, batches are planned by their real tokens unless a share of
    // padding is asked for.
    const bool packed = options.maxPadding < 0 && lm->packsTexts();
    BatchBudget budget(BatchLimits{
        options.batchTokens > 0
            ? options.batchTokens
            : automaticBudget(result.device, lm->spec(), result.dtype, longest, packed),
        options.maxBatchTexts,
        options.maxPadding >= 0 ? options.maxPadding : defaultPadding(cpuFp32), packed});
    ProgressReporter reporter(progress, result.modelId, row.size(), tokensPending);
    size_t done = result.textsSkipped;
    reporter.report(done, 0);
    // The next batch is padded (and, for a GPU, pinned) on a thread of its own while one runs.
    const bool pinned = result.device != "cpu";
    auto prepare = [&seqs, &order, &lengths, pinned](size_t from, BatchLimits limits) {
        PreparedBatch b;
        b.from = from;
        b.count = nextBatchSize(lengths, order, from, limits);
        if (b.count > 0 && lengths[order[from]] > 1) {  // texts of < 2 ids score nothing
            std::tie(b.ids, b.mask) = paddedBatch(seqs, order, from, b.count);
            bool prompts = false;
            for (size_t i = 0; i < b.count; ++i) prompts |= seqs[order[from + i]].context > 1;
            if (prompts) b.targets = scoredTargets(seqs, order, from, b.count, b.ids.size(1));
            if (pinned) {
                b.ids = b.ids.pin_memory();
                b.mask = b.mask.pin_memory();
            }
        }
        return b;
    };
    std::future<PreparedBatch> next =
        std::async(std::launch::async, prepare, size_t(0), budget.limits());
    for (;;) {
        if (cancel && cancel->cancelled()) {
            result.cancelled = next.get().count > 0;
            break;
        }
        const PreparedBatch batch = next.get();
        if (batch.count == 0) break;
        const size_t from = batch.from, count = batch.count;
        next = std::async(std::launch::async, prepare, from + count, budget.limits());
        std::vector<double> sums(count, 0.0);
        std::vector<std::vector<float>> perToken(count);
        if (batch.ids.defined()) {
            at::Tensor logProbs;
            try {
                if (memoryLimit > 0 && batch.ids.numel() > memoryLimit) {
                    throw OutOfMemoryError("out of memory (simulated above " +
                                               std::to_string(memoryLimit) + " tokens)",
                                           "LLMAP_SCORE_OOM_ABOVE_TOKENS");
                }
                logProbs = batch.targets.defined()
                               ? lm->targetLogProbs(batch.ids, batch.mask, batch.targets)
                                     .narrow(1, 0, batch.ids.size(1) - 1)
                                     .contiguous()
                               : lm->nextTokenLogProbs(batch.ids, batch.mask).contiguous();
            } catch (const OutOfMemoryError&) {
                if (!budget.halve(count)) throw;
                next.wait();
                next = std::async(std::launch::async, prepare, from, budget.limits());
                continue;
            }
            budget.succeeded();
            // A prompt's positions are not scored: their values are 0.
            const float* values = logProbs.data_ptr<float>();
            const int64_t width = logProbs.size(1);
            const at::Tensor rowSums = logProbs.to(at::kDouble).sum(1).contiguous();
            const double* p = rowSums.data_ptr<double>();
            std::copy(p, p + count, sums.begin());
            if (options.tokenLogProbs) {
                for (size_t b = 0; b < count; ++b) {
                    const ConventionIds& seq = seqs[order[from + b]];
                    if (order[from + b] >= P) continue;  // a response alone (PMI)
                    const float* first =
                        values + static_cast<int64_t>(b) * width + (seq.context - 1);
                    perToken[b].assign(first, first + seq.scoredTokens());
                }
            }
        }
        for (size_t b = 0; b < count; ++b) {
            const size_t k = order[from + b];
            if (k >= P) {
                row.setMarginal(pending[k - P], sums[b]);
            } else {
                row.set(pending[k], sums[b], seqs[k].scoredTokens(), seqs[k].truncated,
                        std::move(perToken[b]));
                if (seqs[k].truncated) result.truncatedTexts.push_back(pending[k]);
            }
            result.tokensScored += seqs[k].scoredTokens();
        }
        size_t textsDone = 0;  // a response alone (PMI) is not a text of its own
        for (size_t b = 0; b < count; ++b) textsDone += order[from + b] < P ? 1 : 0;
        done += textsDone;
        result.textsScored += textsDone;
        row.flushIfDue();
        reporter.report(done, result.tokensScored);
    }
    row.flush();
    std::sort(result.truncatedTexts.begin(), result.truncatedTexts.end());
    result.seconds = secondsSince(start);
    result.batchTokens = budget.limits().tokens;
    result.outOfMemoryHalvings = budget.halvings();

    nlohmann::json record = {
        {"action", "score"},
        {"time", utcNow()},
        {"model", result.modelId},
        {"model_path", modelPath},
        {"convention", options.convention},
        {"pmi", options.pmi},
        {"device", result.device},
        {"dtype", result.dtype},
        {"batch_tokens", result.batchTokens},
        {"threads", at::get_num_threads()},
        {"texts_scored", result.textsScored},
        {"texts_skipped", result.textsSkipped},
        {"tokens", result.tokensScored},
        {"seconds", result.seconds},
        {"load_seconds", result.loadSeconds},
        {"tokens_per_second",
         result.seconds > 0 ? static_cast<double>(result.tokensScored) / result.seconds : 0.0},
        {"truncated_texts", result.truncatedTexts},
        {"out_of_memory_halvings", result.outOfMemoryHalvings},
        {"token_logprobs", options.tokenLogProbs},
        {"cancelled", result.cancelled},
        {"llmap_version", LLMAP_VERSION},
        {"libtorch_version", TORCH_VERSION},
    };
    project.appendProvenance(record.dump());
    return result;
}

}  // namespace llmap

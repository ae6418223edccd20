#pragma once
// Scores one model on every text of a project: the row of the models x texts matrix (METHOD.md §2).
// No torch here: the app includes this header and runs scoreModel on a worker thread with its own
// writable Project.
#include <cstdint>
#include <string>
#include <vector>

#include "score/progress.h"
#include "store/project.h"

namespace llmap {

struct ScoreOptions {
    std::string device = "auto";  // "auto" (a GPU when libtorch has one), "cpu", "cuda", "cuda:N"
    std::string dtype = "auto";   // "auto" (fp32 on the CPU, bf16 on a GPU), "fp32", "bf16", "fp16"
    std::string convention = "full";  // "full", "paper" or "response"; must be the project's
    bool pmi = false;  // prompt-response sets: also score each response alone (marginal matrix)
    int64_t batchTokens = 0;     // padded (packed: real) tokens per pass; 0 = automatic budget
    int64_t maxBatchTexts = 0;   // texts per forward pass at most; 0 = no limit
    double maxPadding = -1;      // share of a batch that may be padding; < 0 = defaultPadding
    int threads = 0;             // CPU threads; 0 = libtorch's choice (every core)
    double flushSeconds = 5;     // scores are written to the project at least this often
    bool tokenLogProbs = false;  // also keep every token's log-probability (Project docs)
    std::string modelId;         // the row's id; "" = the folder's name
};

struct ScoreResult {
    std::string modelId;
    size_t row = 0;
    size_t textsScored = 0;   // in this run
    size_t textsSkipped = 0;  // already scored by an earlier run
    int64_t tokensScored = 0;
    double seconds = 0;      // everything, from reading the folder to the last write
    double loadSeconds = 0;  // reading the weights
    bool cancelled = false;
    std::string device, dtype;           // as resolved: "cpu" or "cuda:N"; "float32", ...
    std::string deviceNote;              // the device in words, with a GPU's free memory
    std::vector<size_t> truncatedTexts;  // texts cut to the model's context (of those scored now)
    int64_t batchTokens = 0;             // the padded-token budget at the end of the run
    int outOfMemoryHalvings = 0;         // how often an out-of-memory halved the batch
                                         // (it grows back after a run of batches that fit)
};

// Throws InputError for an unknown device, dtype or convention, CUDA asked for without CUDA, or a
// negative budget. scoreModel calls it too; the CLI calls it once before any model.
void validateScoreOptions(const ScoreOptions& options);

// Scores `modelPath` (a Hugging Face folder) into `project`: adds the model's row with its metadata
// if absent, skips texts already scored (non-NaN), writes scores and token counts at least every
// flushSeconds and when it stops; records per text whether it was cut to the context. With
// tokenLogProbs, texts scored earlier without per-token values are scored again. On out-of-memory
// the batch is halved and the run goes on. Throws InputError for a broken folder, a project of
// another convention, a prompt that leaves no room for its response in the model's context, PMI
// asked of a project without prompts, or weights larger than the GPU's free memory; DiskFullError
// (what is written stays) when the disk is full; Error when libtorch fails even with one text per
// batch.
//
// Test seam: LLMAP_SCORE_OOM_ABOVE_TOKENS=N makes every forward pass of more than N padded tokens
// fail as out of memory.
ScoreResult scoreModel(Project& project, const std::string& modelPath, const ScoreOptions& options,
                       ProgressSink* progress = nullptr, const CancelToken* cancel = nullptr);

// The id scoreModel gives a folder when ScoreOptions::modelId is empty.
std::string defaultModelId(const std::string& modelPath);

// "<LLMap version>; libtorch <version>".
std::string scoringEngineVersion();

}  // namespace llmap

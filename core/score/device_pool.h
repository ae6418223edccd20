#pragma once
// Several models on several devices at once (--device cuda:0,cuda:1 or all): one worker thread per
// device takes the next model from one queue and scores it into a shard of its own (ShardTarget).
// With a project, each shard is merged into it as soon as it is complete, under one lock (HDF5 has
// one writer), and removed; a stopped run resumes from the partial shards left in the work folder.
// No torch here.
#include <string>
#include <vector>

#include "score/progress.h"
#include "score/scorer.h"
#include "store/project.h"
#include "text/text_set.h"

namespace llmap {

struct PoolJob {
    std::string model;    // a model folder or GGUF file
    std::string modelId;  // "" = defaultModelId(model)
};

struct PoolOutcome {
    std::string device;  // where it ran; "" when it never started (stopped before)
    ScoreResult result;  // scored or skipped; result.cancelled when stopped in the middle
    bool failed = false, inputError = false;
    std::string error;  // why it failed
};

class PoolListener {
public:
    virtual ~PoolListener() = default;
    // The progress sink of the worker on devices[worker], asked for once before it starts.
    virtual ProgressSink* sinkFor(size_t worker) = 0;
    // Before a model starts on `device`, on the worker's thread; one call at a time.
    virtual void onStarted(size_t /*job*/, const std::string& /*device*/) {}
    // After each model, on the worker's thread; one call at a time.
    virtual void onFinished(size_t job, const PoolOutcome& outcome) = 0;
};

// Scores `jobs` on `devices` (one worker each). `project` (may be null) is merged into, and its
// complete rows are skipped; without it the shards stay in `workDir` (--shard-out). `cancel` stops
// every worker after its current batch; a full disk cancels it too and is rethrown once all
// workers have stopped. A model that fails is reported in its outcome and the others go on.
// Per-token values are not kept in shards: InputError when options.tokenLogProbs.
std::vector<PoolOutcome> scoreOnDevices(Project* project, const TextSet& texts,
                                        const std::vector<PoolJob>& jobs,
                                        const std::vector<std::string>& devices,
                                        const ScoreOptions& options, const std::string& workDir,
                                        PoolListener* listener, CancelToken& cancel);

}  // namespace llmap

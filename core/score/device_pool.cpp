#include "score/device_pool.h"

#include <atomic>
#include <cmath>
#include <exception>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include "score/shard.h"
#include "score/shard_target.h"
#include "util/error.h"

namespace llmap {

namespace {

bool rowComplete(const Project& project, const std::string& modelId) {
    const std::optional<size_t> row = project.findModel(modelId);
    if (!row) return false;
    for (const double v : project.scoreRow(*row))
        if (std::isnan(v)) return false;
    return true;
}

}  // namespace

std::vector<PoolOutcome> scoreOnDevices(Project* project, const TextSet& texts,
                                        const std::vector<PoolJob>& jobs,
                                        const std::vector<std::string>& devices,
                                        const ScoreOptions& options, const std::string& workDir,
                                        PoolListener* listener, CancelToken& cancel) {
    if (options.tokenLogProbs) {
        throw InputError("per-token values cannot be kept when scoring on several devices",
                         "--token-logprobs", "score on one device (e.g. --device cuda:0)");
    }
    const ShardTarget shards(workDir, texts, project ? project->convention() : options.convention);
    std::vector<PoolOutcome> outcomes(jobs.size());
    std::atomic<size_t> next{0};
    std::mutex lock;  // the project, the listener and `fatal`
    std::exception_ptr fatal;

    const auto work = [&](size_t worker) {
        ProgressSink* sink = listener ? listener->sinkFor(worker) : nullptr;
        ScoreOptions o = options;
        o.device = devices[worker];
        for (;;) {
            if (cancel.cancelled()) return;
            const size_t j = next++;
            if (j >= jobs.size()) return;
            PoolOutcome& out = outcomes[j];
            out.device = o.device;
            o.modelId = jobs[j].modelId.empty() ? defaultModelId(jobs[j].model) : jobs[j].modelId;
            if (listener) {
                const std::lock_guard<std::mutex> guard(lock);
                listener->onStarted(j, o.device);
            }
            try {
                bool done = false;
                if (project) {
                    const std::lock_guard<std::mutex> guard(lock);
                    done = rowComplete(*project, o.modelId);
                }
                if (done) {
                    out.result.modelId = o.modelId;
                    out.result.textsSkipped = texts.size();
                } else {
                    out.result = shards.score(jobs[j].model, o, sink, &cancel);
                    const std::string path = shards.shardPath(o.modelId);
                    if (project && !out.result.cancelled && std::filesystem::exists(path)) {
                        const std::lock_guard<std::mutex> guard(lock);
                        out.result.row = mergeShard(*project, readShard(path), path);
                        std::filesystem::remove(path);
                    }
                }
            } catch (const DiskFullError&) {
                const std::lock_guard<std::mutex> guard(lock);
                if (!fatal) fatal = std::current_exception();
                cancel.cancel();
                return;
            } catch (const Error& e) {
                out.failed = true;
                out.inputError = dynamic_cast<const InputError*>(&e) != nullptr;
                out.error = e.message();
            } catch (const std::exception& e) {
                out.failed = true;
                out.error = e.what();
            }
            if (listener) {
                const std::lock_guard<std::mutex> guard(lock);
                listener->onFinished(j, out);
            }
        }
    };
    std::vector<std::thread> workers;
    for (size_t w = 0; w < devices.size(); ++w) workers.emplace_back(work, w);
    for (std::thread& t : workers) t.join();
    if (fatal) std::rethrow_exception(fatal);
    return outcomes;
}

}  // namespace llmap

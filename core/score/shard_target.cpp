#include "score/shard_target.h"

#include <filesystem>

#include "score/shard.h"
#include "store/project.h"

namespace llmap {

ShardTarget::ShardTarget(std::string dir, TextSet texts, std::string convention)
    : dir_(std::move(dir)), texts_(std::move(texts)), convention_(std::move(convention)) {
    std::filesystem::create_directories(dir_);
}

std::string ShardTarget::shardPath(const std::string& modelId) const {
    return dir_ + "/" + shardFileName(modelId);
}

ScoreResult ShardTarget::score(const std::string& model, const ScoreOptions& options,
                               ProgressSink* sink, const CancelToken* cancel) const {
    const std::string id = options.modelId.empty() ? defaultModelId(model) : options.modelId;
    const std::string shard = shardPath(id);
    ScoreResult r;
    r.modelId = id;
    if (std::filesystem::exists(shard)) {
        r.textsSkipped = texts_.size();
        return r;
    }
    const std::string work = shard + ".partial.h5";
    if (!std::filesystem::exists(work)) {
        // Created under another name and renamed: a kill during creation leaves nothing behind.
        const std::string creating = work + ".creating";
        std::filesystem::remove(creating);
        Project::create(creating, texts_, convention_);
        std::filesystem::rename(creating, work);
    }
    {
        Project project = Project::open(work, true);
        r = scoreModel(project, model, options, sink, cancel);
        if (r.cancelled) return r;
        writeShard(shard, shardOf(project, r.row));
    }
    std::filesystem::remove(work);
    return r;
}

}  // namespace llmap

#pragma once
// Scoring into shards: each model into DIR/<id>.shard.h5 (shard.h), through
// DIR/<id>.shard.h5.partial.h5, a project of its own, so that an interrupted run resumes where it
// stopped; the shard appears complete or not at all. No torch here.
#include <string>

#include "score/scorer.h"
#include "text/text_set.h"

namespace llmap {

class ShardTarget {
public:
    // Creates `dir` when missing.
    ShardTarget(std::string dir, TextSet texts, std::string convention);

    // DIR/<id>.shard.h5
    std::string shardPath(const std::string& modelId) const;

    // Scores `model` into its shard; a shard that exists already is left as it is (the result
    // then counts every text as skipped).
    ScoreResult score(const std::string& model, const ScoreOptions& options, ProgressSink* sink,
                      const CancelToken* cancel) const;

private:
    std::string dir_;
    TextSet texts_;
    std::string convention_;
};

}  // namespace llmap

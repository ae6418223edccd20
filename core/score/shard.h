#pragma once
// One model's scores on a text set in a small file of its own (for cluster array jobs: one job per
// model, merged into the project afterwards). Holds the text set's hash and the convention, the
// model's id and metadata, its score, token and truncation rows and the provenance of the run: not
// the texts.
#include <cstdint>
#include <string>
#include <vector>

#include "store/project.h"

namespace llmap {

struct Shard {
    std::string textSetHash;
    std::string convention;
    ModelRecord model;
    std::vector<double> loglik;
    std::vector<int32_t> tokens;
    std::vector<int8_t> truncated;        // per text: 1 cut to the context, 0 whole, -1 unknown
    std::vector<std::string> provenance;  // JSON objects
};

// Written under a temporary name and renamed, so a shard file is always complete.
void writeShard(const std::string& path, const Shard& shard);
// InputError for a file that is not a shard.
Shard readShard(const std::string& path);
// readShard, tried first in a child process: libhdf5 1.10 can crash on some damaged files (a heap
// over-read in H5HG_read, tests/fuzz/hdf5-findings/). Such a crash becomes an InputError naming
// the file, and the process that merges many shards goes on.
Shard readShardIsolated(const std::string& path);

// The shard of row `row` of `project`.
Shard shardOf(const Project& project, size_t row);

// Puts the shard's row into `project`: refuses (InputError naming both sides) a shard of another
// text set or convention, or one with missing scores; replaces an unfinished row of the same id and
// refuses to replace a finished one. Returns the row.
size_t mergeShard(Project& project, const Shard& shard, const std::string& shardPath);

// A file name for a model id: "org/name" -> "org--name".
std::string shardFileName(const std::string& modelId);

}  // namespace llmap

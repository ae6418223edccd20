#pragma once
// The plan of a cluster run: which model folders each array task scores. Written by
// 'llmap-cli plan', read by 'llmap-cli score --manifest' and 'llmap-cli slurm'. A small TSV file
// (format in packaging/slurm/README.md): "# key<TAB>value" header lines, then one line per model.
#include <cstdint>
#include <string>
#include <vector>

namespace llmap {

struct PlannedModel {
    std::string id;      // the model id (and shard file name) the task uses
    std::string folder;  // absolute path of the model folder
    int64_t parameters = 0;
    double seconds = 0;  // estimated scoring time
};

struct Manifest {
    std::string project;   // absolute path of the project the shards are merged into
    std::string shardDir;  // absolute path of the folder the tasks write their shards into
    double tokens = 0;     // estimated tokens of the text set per model
    double flops = 0;      // sustained FLOP/s assumed for one task
    double overheadSeconds = 0;
    double packSeconds = 0;
    std::vector<std::vector<PlannedModel>> tasks;  // tasks[i] = the models of array index i
};

// Estimated seconds to score a model: the fixed cost of loading it plus a forward pass of
// 2 x parameters FLOP per token.
double estimateSeconds(int64_t parameters, double tokens, double flops, double overheadSeconds);

// Orders the models by estimated time (largest first) and packs them into tasks of at most
// `packSeconds` each (first fit; a model longer than that gets a task of its own). packSeconds
// <= 0 gives one model per task. Deterministic: ties are broken by id.
std::vector<std::vector<PlannedModel>> packTasks(std::vector<PlannedModel> models,
                                                 double packSeconds);

// Written under a temporary name and renamed. Paths must not hold tabs or line breaks.
void writeManifest(const std::string& path, const Manifest& manifest);
// InputError naming the file and line for anything malformed.
Manifest readManifest(const std::string& path);

}  // namespace llmap

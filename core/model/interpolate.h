#pragma once
// Model arithmetic: the weights (1 - alpha) * A + alpha * B of two checkpoints of one
// architecture, written as a Hugging Face folder per alpha. Every check runs before anything is
// written (planInterpolation); each folder is written under a temporary name and renamed when
// complete, so a failure never leaves a folder that looks finished.
#include <cstdint>
#include <string>
#include <vector>

#include "model/weight_files.h"

namespace llmap {

struct InterpolationPlan {
    std::string from, to;             // the two model folders, absolute and canonical
    std::string fromName, toName;     // how the output folders name them
    WeightFiles a, b;                 // their safetensors headers; the same tensors, shapes, dtypes
    std::vector<std::string> copied;  // file names of A's folder copied into every output
    uint64_t weightBytes = 0;         // bytes of the weights of one output
};

// Checks the two folders: both Hugging Face folders with safetensors weights (a GGUF file or a
// folder of GGUF only is refused: its weights are quantised blocks), not the same folder, the same
// model_type and architectures in config.json, the same tensor names with the same shapes and
// dtypes (the first that differs is named), not byte-identical weights, and no tensor of an
// integer or 8-bit float dtype that differs. InputError naming the file and the fix otherwise.
InterpolationPlan planInterpolation(const std::string& from, const std::string& to);

// "0.25,0.5,0.75" -> {0.25, 0.5, 0.75}; InputError naming `where` for an empty list, a value that
// is not a number, outside [0, 1] or given twice.
std::vector<double> parseAlphas(const std::string& list, const std::string& where);

// The shortest text that reads back as `alpha`: 0.25 -> "0.25", 1 -> "1".
std::string alphaLabel(double alpha);

// "<from name>--<to name>--alpha<label>", e.g. "llama-a--llama-b--alpha0.25".
std::string interpolationFolderName(const InterpolationPlan& plan, double alpha);

// Above this many bytes of weights an output is written in shards (as save_pretrained does).
constexpr uint64_t kInterpolationShardBytes = 5ull << 30;

// Writes the folder `target` (which must not exist unless `replace`): model.safetensors with
// (1 - alpha) * A + alpha * B computed per element in float32 as torch does (float64 for float64
// tensors) and rounded once to the stored dtype (round to nearest even), or, above `shardBytes`,
// shards of at most that size (a larger tensor alone) named model-00001-of-0000N.safetensors
// with model.safetensors.index.json; A's non-weight files (config.json, tokenizer and generation
// files, ...) and llmap_interpolation.json (from, to, alpha, LLMap version, time). Streams one
// tensor at a time through a small buffer.
void writeInterpolation(const InterpolationPlan& plan, double alpha, const std::string& target,
                        bool replace = false, uint64_t shardBytes = kInterpolationShardBytes);

}  // namespace llmap

#pragma once
// Which files of a model folder hold its weights, and which tensor lives in which file.
// Single (model.safetensors), sharded (model.safetensors.index.json) or any lone *.safetensors.
// PyTorch pickles (.bin/.pt) are refused: unpickling can run arbitrary code.
#include <map>
#include <string>
#include <vector>

#include "model/safetensors.h"

namespace llmap {

struct WeightFiles {
    std::vector<std::string> files;              // absolute paths, sorted
    std::vector<SafetensorsHeader> headers;      // one per file
    std::map<std::string, size_t> tensorToFile;  // tensor name -> index into files

    const TensorEntry* find(const std::string& name) const;
    const std::string& fileOf(const std::string& name) const;
};

// Lists and reads the headers (not the data) of the folder's safetensors files.
// Throws InputError when there are none (naming pickles when that is all there is), when the shard
// index names a missing file, or when a header is damaged.
WeightFiles openWeightFiles(const std::string& folder);

}  // namespace llmap

#pragma once
// One model as it is read from disk, once: its config, the architecture that config describes,
// the headers of its weight files (or its parsed GGUF file) and its tokenizer.json. The model
// info, the tokenizer and the engine all start from this, so that scoring a model opens each of
// its files once.
#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "model/arch_spec.h"
#include "model/gguf_model.h"
#include "model/weight_files.h"
#include "model/weight_format.h"
#include "tokenize/tokenizer.h"

namespace llmap {

struct ModelSource {
    std::string path;        // the folder, or the .gguf file
    std::string configPath;  // its config.json, or the .gguf file
    std::string configText;  // config.json's bytes (folders; hashed into the model info)
    nlohmann::json config;   // config.json, or what the GGUF metadata says in its terms
    ArchSpec spec;
    WeightFiles weights;                    // folders: the safetensors headers
    WeightFormat weightFormat;              // folders: FP8 blocks or plain
    std::shared_ptr<const GgufModel> gguf;  // GGUF files
    std::string tokenizerJson;              // folders: tokenizer.json's bytes, when there is one

    bool isGguf() const { return gguf != nullptr; }
};

// InputError naming the file for anything wrong with the folder or file: not there, no or broken
// config.json, an unsupported architecture, missing or damaged weight files. A missing tokenizer
// is left to what needs one.
ModelSource openModelSource(const std::string& path);

// The model's tokenizer, from what the source has read already where it can.
std::unique_ptr<Tokenizer> loadModelTokenizer(const ModelSource& source);

}  // namespace llmap

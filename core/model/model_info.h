#pragma once
// What the UI and the store show about a model folder, read without loading any weights:
// config.json, the safetensors headers, the tokenizer files and the model card; or about a GGUF
// file: its metadata and tensor directory. No torch here.
#include <cstdint>
#include <string>
#include <vector>

namespace llmap {

struct ModelSource;

struct ModelInfo {
    std::string path;
    std::string modelType;
    std::vector<std::string> architectures;
    int64_t parameters = 0;  // from the tensor shapes in the weight headers
    int64_t hiddenSize = 0, layers = 0, heads = 0, kvHeads = 0;
    int64_t contextLength = 0, vocabSize = 0;
    std::string torchDtype;
    std::string tokenizerKind;  // "BPE", "Unigram", "WordPiece", "sentencepiece", "vocab+merges"
    bool addsBos = false;
    int64_t bosTokenId = -1, eosTokenId = -1;
    int weightFiles = 0;
    int64_t weightBytes = 0;
    std::string configHash;  // SHA-256 of config.json and every weight file's header
                             // (GGUF: of the file's metadata and tensor directory)
    // GGUF files: the type of most matrix weights ("Q4_1") and bits per weight over all tensors.
    std::string quantisation;
    double bitsPerWeight = 0;
    // From README.md's YAML front matter.
    std::vector<std::string> baseModel;
    std::string license;
    std::vector<std::string> language;
    std::vector<std::string> tags;
    std::string pipelineTag;
    // A folder written by `llmap-cli interpolate`: its llmap_interpolation.json (from, to, alpha)
    // as a JSON object; "" otherwise.
    std::string interpolationJson;

    std::string toJson() const;
};

// Throws InputError for a broken folder: missing config.json/weights/tokenizer, damaged headers,
// absurd config values. A GGUF file: its metadata (see gguf_model.h for what is checked).
ModelInfo readModelInfo(const std::string& path);
// The same from a model already opened (model_source.h).
ModelInfo readModelInfo(const ModelSource& source);
ModelInfo readGgufModelInfo(const ModelSource& source);

// Every model_type the engine can run.
std::vector<std::string> supportedModelTypes();

}  // namespace llmap

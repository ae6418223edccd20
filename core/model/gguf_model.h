#pragma once
// A GGUF file (llama.cpp, Ollama, LM Studio) as a model: its architecture keys turned into the
// config.json the Hugging Face path would read, and its tensors renamed to the Hugging Face
// weight names, with what must be undone (llama.cpp's Q/K row permutation, GPT-2's transposes).
// Validated when opened: every tensor's type, shape and extent, the architecture, the vocabulary.
// No torch here; tensor_store.cpp dequantises.
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tokenize/gguf_reader.h"

namespace llmap {

// How a stored tensor becomes the Hugging Face one.
enum class GgufTransform {
    None,
    UnpermuteQ,  // llama.cpp interleaved the rotary halves of each q head: undo it
    UnpermuteK,  // the same over the key/value heads
    Transpose,   // Conv1D weights ([in, out]) stored as linear ones ([out, in])
    MinusOne,    // Gemma's norm scales, stored by llama.cpp as (1 + weight)
    JoinKvB,     // DeepSeek-V2's kv_b_proj, split by llama.cpp into attn_k_b (transposed) and
                 // attn_v_b: joined back per head
    // The gated DeltaNet's tensors, whose value heads llama.cpp's Qwen3.5 converter reordered
    // from grouped by key head to tiled (gguf_deltanet.h): put back in transformers' order.
    DeltaNetQkv,        // in_proj_qkv: the value rows
    DeltaNetValueRows,  // in_proj_z
    DeltaNetHeadRows,   // in_proj_b, in_proj_a, dt_bias (one row per value head)
    DeltaNetA,          // A_log, stored as -exp(A_log)
    DeltaNetConv,       // conv1d [channels, kernel]: the value channels; then [channels, 1, kernel]
    DeltaNetOutCols,    // out_proj: the value columns
    JoinQkvz,  // Qwen3-Next's in_proj_qkvz, split by llama.cpp into attn_qkv ([q; k; v] over all
               // heads) and attn_gate (z): joined back per key head [q | k | v | z]
};

// The gated DeltaNet's sizes, for the DeltaNet transforms.
struct GgufDeltaNetDims {
    int64_t keyHeads = 0, valueHeads = 0, keyDim = 0, valueDim = 0;
    bool tiled = false;  // value heads tiled (Qwen3.5's converter), else in transformers' order
};

struct GgufTensorRef {
    size_t index = 0;   // into GgufFile::tensors()
    size_t second = 0;  // JoinKvB: attn_v_b's index (index is attn_k_b's); JoinQkvz: attn_gate's
    std::vector<int64_t> shape;  // torch order (GGUF's dims reversed), before the transform
    GgufTransform transform = GgufTransform::None;
};

struct GgufModel {
    GgufFile file;
    std::string architecture;  // general.architecture, e.g. "llama"
    nlohmann::json config;     // what config.json would say (model_type, sizes, rope, ...)
    std::map<std::string, GgufTensorRef> tensors;  // by Hugging Face weight name
    int64_t heads = 0, kvHeads = 0;
    GgufDeltaNetDims deltaNet;
    int64_t parameters = 0;    // elements of every tensor
    uint64_t weightBytes = 0;  // bytes of every tensor
    std::string quantisation;  // the type holding most of the matrix weights, e.g. "Q4_1"
    double bitsPerWeight = 0;  // weightBytes * 8 / parameters
};

// llama.cpp's rotary frequency factors (Llama 3.1 scaling), kept under this name for the
// architectures that apply them; the engine divides the inverse frequencies by them.
inline constexpr const char* kRopeFreqsWeight = "rope_freqs.weight";

// True for a regular file named *.gguf or one that starts with the GGUF magic.
bool isGgufFile(const std::string& path);

// Reads and validates the metadata (no tensor data). InputError naming the file and the fix for a
// damaged file, an unknown architecture or quantisation type, keys of the wrong type, tensors
// past the end of the file, a vocabulary that disagrees with the embedding.
GgufModel openGgufModel(const std::string& path);

// The same over a GGUF image in memory (tensor extents checked against `size`).
GgufModel parseGgufModel(const void* data, size_t size, const std::string& name);

// general.architecture values that map onto the engine, sorted.
std::vector<std::string> supportedGgufArchitectures();

}  // namespace llmap

#pragma once
// The table that maps a GGUF general.architecture onto an engine family, after llama.cpp's
// src/llama-arch.cpp: one table gives each tensor role its GGUF name (gguf_tensor_roles.h); an
// architecture lists the roles its files hold (with the Hugging Face name where it is not the
// role's usual one), which ARCH.* keys become which config.json keys, and what the converter did
// to the weights that must be undone. Adding a family is adding one entry.
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/gguf_model.h"
#include "model/gguf_tensor_roles.h"

namespace llmap {

struct GgufArchitecture {
    enum class Value { Int, Real, Bool, IntArray };  // IntArray: integers or booleans
    struct Key {
        const char* gguf;    // after "ARCH."
        const char* config;  // config.json key
        Value value;
    };
    struct Tensor {
        GgufRole role;
        const char* hf = nullptr;  // Hugging Face name; nullptr: the role's usual one
        bool bare = false;         // the Hugging Face name takes no ".weight"/".bias" (dt_bias)
    };
    const char* gguf = "";       // general.architecture
    const char* modelType = "";  // the engine's model_type
    std::vector<Key> keys;
    std::vector<Tensor> tensors;
    const char* layerPrefix = "model.layers.";  // Hugging Face prefix of block N
    // Config booleans set when a tensor is present (e.g. attention_bias from blk.0.attn_q.bias).
    std::vector<std::pair<const char*, const char*>> presence;
    bool unpermuteQK = false;      // llama.cpp's convert permuted q/k rows for rotary
    bool transposeLayers = false;  // Conv1D weights stored transposed (GPT-2)
    bool normsPlusOne = false;     // "*norm" weights but ssm_norm stored as (1 + weight) (Gemma)
    // The gated DeltaNet as llama.cpp's converters store it (gguf_deltanet.h): Qwen3.5's value
    // heads tiled; Qwen3-Next's in_proj_qkvz split into attn_qkv and attn_gate, joined back.
    enum class DeltaNet { None, Qwen35, Qwen3Next };
    DeltaNet deltaNet = DeltaNet::None;
    // rope.scaling.type "yarn" read (factor, original_context_length, yarn_beta_fast/slow) into
    // rope_scaling; other architectures refuse it.
    bool yarn = false;
    // Names a file of this architecture that the table cannot map faithfully: the problem and
    // its fix, or nullptr when the file is fine. Sees the config built from the keys.
    const char* (*refuse)(const nlohmann::json& config) = nullptr;
    // Adds what llama.cpp derives rather than reads from the keys (Gemma-3's attention scale and
    // layer pattern) to the config built from them.
    void (*complete)(nlohmann::json& config) = nullptr;
    const char* contextKey = "max_position_embeddings";
    // Keys (after "ARCH.") that change what llama.cpp computes but that the table does not map:
    // a file that has one is refused, naming it.
    std::vector<const char*> refusedKeys;
    // Every tensor must be one of `tensors` (a ".bias" one only of `biases`); otherwise the file
    // is refused naming the tensor. Off: tensors of no listed role are not read.
    bool strictTensors = false;
    std::vector<GgufRole> biases;

    bool has(GgufRole role) const;
    bool bare(GgufRole role) const;
    // The Hugging Face name of a role of this architecture ("" when it has none), block i's for a
    // per-block role.
    std::string hfName(GgufRole role, int64_t block = -1) const;
};

// nullptr when the architecture is not in the table.
const GgufArchitecture* ggufArchitecture(const std::string& name);
const std::vector<GgufArchitecture>& ggufArchitectures();

}  // namespace llmap

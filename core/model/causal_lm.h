#pragma once
// A causal language model loaded from a Hugging Face folder, run with libtorch.
// Built through the registry (model/registry.h) from config.json's model_type/architectures.
#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "model/arch_spec.h"
#include "model/layer_cache.h"
#include "model/sequence_mixer.h"
#include "util/error.h"

namespace llmap {

struct ModelSource;

// What incremental decoding keeps between steps (CausalLM::decodeStep). Start from a fresh one.
struct DecodeState {
    std::vector<LayerCache> layers;  // empty when the model recomputes the prefix
    at::Tensor ids;                  // [B, T] on the host: every id so far
    int64_t length = 0;              // T
};

struct LoadOptions {
    std::string device = "cpu";     // "cpu", "cuda", "cuda:N"
    std::string dtype = "float32";  // "float32", "float16", "bfloat16", or "auto" (config's dtype)
};

class CausalLM {
public:
    // Reads config.json and the safetensors weights (memory-mapped; converted once when the dtype
    // or device differs). InputError for anything wrong with the folder or the options.
    static std::unique_ptr<CausalLM> load(const std::string& path, const LoadOptions& options = {});
    // The same from a model already opened (its config, weight headers or GGUF file).
    static std::unique_ptr<CausalLM> load(const ModelSource& source,
                                          const LoadOptions& options = {});
    ~CausalLM();

    const ArchSpec& spec() const;
    at::ScalarType dtype() const;
    at::Device device() const;
    // Bytes copied while loading (0 when every weight was wrapped in place).
    int64_t copiedBytes() const;

    // Logits [B, T, V] in the model's dtype for token ids [B, T] (int64) with a right-padded
    // attention mask [B, T] (1 = token, 0 = padding). For small vocabularies and tests; scoring
    // uses the log-prob functions below, which never hold [B, T, V] in fp32.
    at::Tensor forward(const at::Tensor& ids, const at::Tensor& attentionMask) const;

    // Final hidden states [B, T, hidden] (after the last norm).
    at::Tensor hiddenStates(const at::Tensor& ids, const at::Tensor& attentionMask) const;

    // fp32 [B, T]: log p(targets[b,t] | ids[b, 0..t]) where targets >= 0, 0 elsewhere. Log-softmax
    // by chunked logsumexp over rows, in fp32.
    at::Tensor targetLogProbs(const at::Tensor& ids, const at::Tensor& attentionMask,
                              const at::Tensor& targets) const;

    // fp32 [B, T-1]: log p(ids[b,t+1] | ids[b, 0..t]), 0 where ids[b,t+1] is padding.
    at::Tensor nextTokenLogProbs(const at::Tensor& ids, const at::Tensor& attentionMask) const;

    // Incremental decoding: ids [B, t] (no padding) that follow the state's earlier ids (none in
    // a fresh state), at positions [T, T + t). Returns the fp32 logits [B, V] on the host after
    // the last of them, equal to forward()'s at that position. Keeps each layer's keys and values
    // in the state; see decodesWithCache.
    at::Tensor decodeStep(DecodeState& state, const at::Tensor& ids) const;
    // Whether decodeStep reaches `length` tokens from the cache; false where it recomputes the
    // whole prefix each step instead (LongRoPE past its short context: the rotary tables of every
    // position change with the length of the text).
    bool decodesWithCache(int64_t length) const;
    // Whether a batch's texts run packed, their real tokens only (blocks::Packing): on the CPU,
    // unless LLMAP_PACK_TEXTS=0. Padding then costs nothing (BatchLimits::packed).
    bool packsTexts() const;

private:
    struct Impl;
    explicit CausalLM(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace llmap

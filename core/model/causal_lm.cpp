#include "model/causal_lm.h"

#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <new>
#include <regex>
#include <thread>

#include "model/blocks.h"
#include "model/blocks/attention_sinks.h"
#include "model/blocks/chunked_attention.h"
#include "model/blocks/clamped_swiglu.h"
#include "model/blocks/experts_beside_mlp.h"
#include "model/blocks/per_layer_inputs.h"
#include "model/blocks/query_temperature.h"
#include "model/blocks/unweighted_rms_norm.h"
#include "model/cpu_kernels.h"
#include "model/device.h"
#include "model/gguf_model.h"
#include "model/model_source.h"
#include "model/registry.h"
#include "model/tensor_store.h"
#include "util/error.h"
#include "util/json_file.h"
#include "util/memory.h"

namespace fs = std::filesystem;

namespace llmap {

namespace {

struct Layer {
    at::Tensor inputNormW, inputNormB, postNormW, postNormB;
    at::Tensor qkvW, qkvB, oW, oB, qNormW, kNormW;
    at::Tensor gateW, gateB, upW, upB, downW, downB;
    int64_t window = 0;
    bool gateUpFused = false;  // upW holds [gate; up] (merged at load, or Phi-3's own)
    bool localRope = false;    // rotates with the local rotary (Gemma-3's sliding layers)
    bool noRope = false;       // no rotary at all (NoPE layers)
    bool chunked = false;      // attends within its chunk of positions (chunked attention)
    // Gemma, Phi, OLMo and mixture-of-experts variants
    at::Tensor qNormB, kNormB, preMlpNormW, postMlpNormW, routerW, routerBias;
    std::vector<at::Tensor> expertGateW, expertUpW, expertDownW;
    at::Tensor sharedGateW, sharedUpW, sharedDownW, sharedScaleW;
    at::Tensor sharedGateB, sharedUpB, sharedDownB;
    at::Tensor qW, qaW, qaB, qaNormW, qbW, kvaW, kvaB, kvaNormW, kvbW;  // latent attention
    at::Tensor xieluAlphaP, xieluAlphaN, xieluBeta, xieluEps;           // Apertus's activation
    at::Tensor sinks, routerB;  // gpt-oss: attention sinks, the router's bias
    std::vector<at::Tensor> expertGateB, expertUpB, expertDownB;  // empty: experts without biases
    // Gemma-4: this layer's attention shape; the layer whose keys and values it attends to (its
    // own index unless sharesKv); whether later layers read its keys and values; values from the
    // key projection; the stream's scalar; per-layer input weights; experts beside the MLP.
    int64_t headDim = 0, kvHeads = 0, kvSource = 0;
    bool sharesKv = false, kvRead = false, valueFromKey = false;
    at::Tensor scalar, pleGate, pleOut, pleNorm;
    blocks::ExpertsBesideMlp beside;
    std::shared_ptr<const SequenceMixer> mixer;  // in place of attention (hybrid models)
};

at::ScalarType parseDtype(const std::string& name, const nlohmann::json& config,
                          const std::string& where) {
    std::string n = name;
    if (n == "auto") {
        n = jsonString(config, "torch_dtype", where)
                .value_or(jsonString(config, "dtype", where).value_or("float32"));
    }
    if (n == "float32" || n == "fp32") return at::kFloat;
    if (n == "float16" || n == "fp16" || n == "half") return at::kHalf;
    if (n == "bfloat16" || n == "bf16") return at::kBFloat16;
    throw InputError("dtype \"" + n + "\" is not supported", where,
                     "use float32, float16, bfloat16 or auto");
}

const char* dtypeName(at::ScalarType dtype) {
    return dtype == at::kFloat ? "float32" : dtype == at::kHalf ? "float16" : "bfloat16";
}

at::Device parseDevice(const std::string& name) {
    static const std::regex known("auto|cpu|cuda(:[0-9]+)?");
    if (!std::regex_match(name, known)) {
        throw InputError("device \"" + name + "\" is not known", "--device",
                         "use auto, cpu or cuda[:N]");
    }
    const std::string resolved = resolveDevice(name);
    return resolved == "cpu" ? at::Device(at::kCPU) : at::Device(resolved);
}

// Debian's libtorch 1.13 has no fp16 matrix kernels on the CPU (2.x has them): find out with a
// tiny product instead of failing in the middle of a forward pass.
void requireKernels(at::ScalarType dtype, at::Device device) {
    if (dtype != at::kHalf || device.type() != at::kCPU) return;
    try {
        const at::Tensor x = at::ones({2, 2}, at::TensorOptions().dtype(dtype));
        at::linear(x, x).sum().item<float>();
    } catch (const c10::Error&) {
        throw InputError("this libtorch has no float16 kernels on the CPU", "--dtype",
                         "use bfloat16 or float32 on the CPU, or float16 on a GPU");
    }
}

// libtorch picks one intra-op thread on small VMs; use every core unless the user said otherwise.
void setThreadsOnce() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (!std::getenv("OMP_NUM_THREADS")) {
            const unsigned n = std::thread::hardware_concurrency();
            if (n > 0) at::set_num_threads(static_cast<int>(n));
        }
    });
}

}  // namespace

struct CausalLM::Impl {
    ArchSpec spec;
    at::ScalarType dtype = at::kFloat;
    at::Device device{at::kCPU};
    int64_t copied = 0;
    at::Tensor embed, positions, finalNormW, finalNormB, lmHead;
    at::Tensor inverseFrequencies;
    at::Tensor embedNormW, embedNormB, projectInW, projectOutW;
    std::vector<Layer> layers;
    at::Tensor lmHeadB, longInverseFrequencies;
    at::Tensor localInverseFrequencies;
    blocks::PerLayerInputWeights perLayerInputs;

    // With `cache`: ids [B, T] without padding that follow the cache's `length` earlier tokens;
    // their keys and values are appended to the cache.
    at::Tensor hidden(const at::Tensor& ids, const at::Tensor& mask,
                      DecodeState* cache = nullptr) const;
    // A host tensor on the model's device: pinned and copied without waiting on a GPU.
    at::Tensor toDevice(const at::Tensor& host) const;
    at::Tensor attentionBlock(const Layer& l, const at::Tensor& x, const at::Tensor& allowed,
                              const at::Tensor& cos, const at::Tensor& sin,
                              const at::Tensor& alibi = {}, LayerCache* cache = nullptr,
                              const at::Tensor& queryScale = {}) const;
    at::Tensor mlpBlock(const Layer& l, const at::Tensor& x) const;
    at::Tensor normed(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) const;
    at::Tensor rms(const at::Tensor& x, const at::Tensor& w) const;
    at::Tensor qkNormed(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) const;
    at::Tensor expertsBlock(const Layer& l, const at::Tensor& x) const;
    at::Tensor latentAttention(const Layer& l, const at::Tensor& x, const at::Tensor& allowed,
                               const at::Tensor& cos, const at::Tensor& sin,
                               LayerCache* cache) const;
    std::pair<at::Tensor, at::Tensor> rotary(const at::Tensor& mask, int64_t T) const;
    at::Tensor logits(const at::Tensor& h) const;
    void scaleLogits(at::Tensor& z) const;
    at::Tensor logProbs(const at::Tensor& ids, const at::Tensor& mask,
                        const at::Tensor& targets) const;
};

namespace {

// Finds a weight under the family's base prefix or without it (checkpoints of the bare model).
class WeightBinder {
public:
    WeightBinder(const TensorStore& store, const WeightNames& names)
        : store_(store), names_(names) {}

    std::string resolve(const std::string& relative) const {
        for (const auto& wrapper : names_.wrappers) {
            const std::string name = resolveUnder(wrapper, relative);
            if (store_.has(name)) return name;
        }
        return resolveUnder("", relative);
    }
    // The output head, which lies outside the base prefix.
    std::string head(const std::string& name) const {
        for (const auto& wrapper : names_.wrappers)
            if (store_.has(wrapper + name)) return wrapper + name;
        return name;
    }
    at::Tensor base(const std::string& relative, const std::vector<int64_t>& shape) const {
        return store_.get(resolve(relative), shape);
    }
    at::Tensor layer(int64_t i, const std::string& relative,
                     const std::vector<int64_t>& shape) const {
        return base(names_.layerPrefix + std::to_string(i) + "." + relative, shape);
    }
    at::Tensor layerFp32(int64_t i, const std::string& relative,
                         const std::vector<int64_t>& shape) const {
        return store_.get(resolve(names_.layerPrefix + std::to_string(i) + "." + relative), shape,
                          at::kFloat);
    }
    bool hasLayer(int64_t i, const std::string& relative) const {
        return store_.has(resolve(names_.layerPrefix + std::to_string(i) + "." + relative));
    }

private:
    std::string resolveUnder(const std::string& wrapper, const std::string& relative) const {
        const std::string full = wrapper + names_.basePrefix + relative;
        // OPT's bare model saves "model.decoder.x" as "decoder.x".
        const size_t dot = names_.basePrefix.find('.');
        if (!store_.has(full) && dot != std::string::npos && dot + 1 < names_.basePrefix.size()) {
            const std::string inner = wrapper + names_.basePrefix.substr(dot + 1) + relative;
            if (store_.has(inner)) return inner;
        }
        if (store_.has(full) || !store_.has(wrapper + relative)) return full;
        return wrapper + relative;
    }

    const TensorStore& store_;
    const WeightNames& names_;
};

std::vector<int64_t> linearShape(int64_t out, int64_t in, bool conv1d) {
    return conv1d ? std::vector<int64_t>{in, out} : std::vector<int64_t>{out, in};
}

void loadQkNorms(const WeightBinder& w, const ArchSpec& s, int64_t i, int64_t hd, Layer& l) {
    const WeightNames& n = s.names;
    switch (s.qkNormKind) {
        case ArchSpec::QkNormKind::RmsPerHead:
            l.qNormW = w.layer(i, n.qNorm + ".weight", {hd});
            l.kNormW = w.layer(i, n.kNorm + ".weight", {hd});
            break;
        case ArchSpec::QkNormKind::RmsFull:
            l.qNormW = w.layer(i, n.qNorm + ".weight", {s.heads * hd});
            l.kNormW = w.layer(i, n.kNorm + ".weight", {s.kvHeads * hd});
            break;
        case ArchSpec::QkNormKind::LayerShared:
            l.qNormW = w.layer(i, n.qNorm + ".weight", {hd});
            l.qNormB = w.layer(i, n.qNorm + ".bias", {hd});
            l.kNormW = w.layer(i, n.kNorm + ".weight", {hd});
            l.kNormB = w.layer(i, n.kNorm + ".bias", {hd});
            break;
        case ArchSpec::QkNormKind::LayerPerHead: {
            // One bias-free LayerNorm per head, stacked to [heads, headDim].
            const auto stacked = [&](const std::string& name, int64_t heads) {
                std::vector<at::Tensor> rows;
                for (int64_t h = 0; h < heads; ++h) {
                    rows.push_back(
                        w.layer(i, name + ".norms." + std::to_string(h) + ".weight", {hd}));
                }
                return at::stack(rows);
            };
            l.qNormW = stacked(n.qNorm, s.heads);
            l.kNormW = stacked(n.kNorm, s.kvHeads);
            break;
        }
        case ArchSpec::QkNormKind::LayerPerHeadFp32:
            l.qNormW = w.layer(i, n.qNorm + ".weight", {s.heads, hd});
            l.kNormW = w.layer(i, n.kNorm + ".weight", {s.kvHeads, hd});
            break;
        case ArchSpec::QkNormKind::RmsNoWeight:
            break;
    }
}

// xIELU's parameters; beta and eps as transformers initialises them where the checkpoint has
// none (in the model's dtype, as there).
void loadXielu(const WeightBinder& w, const TensorStore& store, const ArchSpec& s, int64_t i,
               at::ScalarType dtype, at::Device device, Layer& l) {
    const std::string prefix = s.names.layerPrefix + std::to_string(i) + "." + s.xieluPrefix + ".";
    l.xieluAlphaP = w.base(prefix + "alpha_p", {1});
    l.xieluAlphaN = w.base(prefix + "alpha_n", {1});
    const auto scalar = [&](const char* name, double initial) {
        const std::string full = w.resolve(prefix + name);
        if (store.has(full)) return store.get(full, {});
        return at::scalar_tensor(initial, at::TensorOptions().dtype(dtype).device(device));
    };
    l.xieluBeta = scalar("beta", 0.5);
    l.xieluEps = scalar("eps", -1e-6);
}

// gpt-oss's experts: "gate_up_proj" [experts, hidden, 2 I] (x W) with gate and up in alternate
// columns and "down_proj" [experts, I, hidden], each with "<name>_bias"; kept per expert as
// contiguous [I, hidden] gate and up and [hidden, I] down.
void loadInterleavedExperts(const WeightBinder& w, const ArchSpec& s, int64_t i, Layer& l) {
    const int64_t D = s.hidden, I = s.moeIntermediate, E = s.experts;
    const std::string& p = s.moeExperts;
    const at::Tensor gateUp = w.layer(i, p + "gate_up_proj", {E, D, 2 * I}).transpose(1, 2);
    const at::Tensor down = w.layer(i, p + "down_proj", {E, I, D}).transpose(1, 2);
    at::Tensor gateUpB, downB;
    if (s.moeExpertBias) {
        gateUpB = w.layer(i, p + "gate_up_proj_bias", {E, 2 * I});
        downB = w.layer(i, p + "down_proj_bias", {E, D});
    }
    for (int64_t e = 0; e < E; ++e) {
        l.expertGateW.push_back(gateUp[e].slice(0, 0, 2 * I, 2).contiguous());
        l.expertUpW.push_back(gateUp[e].slice(0, 1, 2 * I, 2).contiguous());
        l.expertDownW.push_back(down[e].contiguous());
        if (!s.moeExpertBias) continue;
        l.expertGateB.push_back(gateUpB[e].slice(0, 0, 2 * I, 2).contiguous());
        l.expertUpB.push_back(gateUpB[e].slice(0, 1, 2 * I, 2).contiguous());
        l.expertDownB.push_back(downB[e]);
    }
}

// Gemma-4's layer scalar, per-layer input weights and experts beside the MLP, where the spec has
// them.
void loadGemma4Extras(const WeightBinder& w, const ArchSpec& s, int64_t i, Layer& l) {
    const int64_t D = s.hidden, P = s.perLayerInputDim, E = s.experts, I = s.moeIntermediate;
    if (!s.layerScalar.empty()) l.scalar = w.layer(i, s.layerScalar, {1});
    if (P > 0) {
        l.pleGate = w.layer(i, blocks::kPerLayerGate, {P, D});
        l.pleOut = w.layer(i, blocks::kPerLayerOut, {D, P});
        l.pleNorm = w.layer(i, blocks::kPerLayerNorm, {D});
    }
    if (s.expertsBesideMlp) {
        l.beside = {w.layer(i, blocks::kBesideRouter, {E, D}),
                    w.layer(i, blocks::kBesideRouterScale, {D}),
                    w.layer(i, blocks::kBesideExpertScale, {E}),
                    w.layer(i, blocks::kBesideGateUp, {E, 2 * I, D}),
                    w.layer(i, blocks::kBesideDown, {E, D, I}),
                    w.layer(i, blocks::kBesideMlpPostNorm, {D}),
                    w.layer(i, blocks::kBesidePreNorm, {D}),
                    w.layer(i, blocks::kBesidePostNorm, {D})};
    }
}

void loadExperts(const WeightBinder& w, const ArchSpec& s, int64_t i, Layer& l) {
    const int64_t D = s.hidden, I = s.moeIntermediate, S = s.sharedIntermediate;
    // Qwen2-MoE saves a shared expert of 0 channels as empty tensors: it adds nothing.
    if (!s.moeShared.empty() && S > 0 && w.hasLayer(i, s.moeShared + ".input_linear.weight")) {
        // GraniteMoeShared's layout: input_linear = [gate; up], output_linear = down.
        const at::Tensor gateUp = w.layer(i, s.moeShared + ".input_linear.weight", {2 * S, D});
        l.sharedGateW = gateUp.narrow(0, 0, S);
        l.sharedUpW = gateUp.narrow(0, S, S);
        l.sharedDownW = w.layer(i, s.moeShared + ".output_linear.weight", {D, S});
    } else if (!s.moeShared.empty() && S > 0) {
        l.sharedGateW = w.layer(i, s.moeShared + ".gate_proj.weight", {S, D});
        l.sharedUpW = w.layer(i, s.moeShared + ".up_proj.weight", {S, D});
        l.sharedDownW = w.layer(i, s.moeShared + ".down_proj.weight", {D, S});
        if (s.moeSharedBias) {
            l.sharedGateB = w.layer(i, s.moeShared + ".gate_proj.bias", {S});
            l.sharedUpB = w.layer(i, s.moeShared + ".up_proj.bias", {S});
            l.sharedDownB = w.layer(i, s.moeShared + ".down_proj.bias", {D});
        }
        if (!s.moeSharedGate.empty())
            l.sharedScaleW = w.layer(i, s.moeSharedGate + ".weight", {1, D});
    }
    l.routerW = s.routerInFp32 ? w.layerFp32(i, s.moeRouter + ".weight", {s.experts, D})
                               : w.layer(i, s.moeRouter + ".weight", {s.experts, D});
    if (!s.moeCorrectionBias.empty()) {
        std::string bias = s.moeRouter + "." + s.moeCorrectionBias;
        // ERNIE's checkpoints keep moe_statics beside the router, transformers' layout inside.
        if (s.moeCorrectionBiasRow && !w.hasLayer(i, bias)) {
            bias = s.moeRouter.substr(0, s.moeRouter.rfind('.') + 1) + s.moeCorrectionBias;
        }
        l.routerBias = s.moeCorrectionBiasRow ? w.layerFp32(i, bias, {1, s.experts}).view({-1})
                                              : w.layerFp32(i, bias, {s.experts});
    }
    if (!s.moeLayerCorrectionBias.empty())
        l.routerBias = w.layerFp32(i, s.moeLayerCorrectionBias, {s.experts});
    if (s.moeRouterBias) {
        l.routerB = s.routerInFp32 ? w.layerFp32(i, s.moeRouter + ".bias", {s.experts})
                                   : w.layer(i, s.moeRouter + ".bias", {s.experts});
    }
    if (s.moeInterleavedGateUp && w.hasLayer(i, s.moeExperts + "gate_up_proj")) {
        loadInterleavedExperts(w, s, i, l);
        return;
    }
    // The experts as 3-D tensors: GraniteMoE's input_linear/output_linear or transformers 5's
    // own layout; views of one expert each.
    const std::string gateUpName = s.moeFusedExperts ? "input_linear.weight" : "gate_up_proj";
    const std::string downName = s.moeFusedExperts ? "output_linear.weight" : "down_proj";
    if (s.moeExpertsInputMajor && w.hasLayer(i, s.moeExperts + gateUpName)) {
        const at::Tensor gateUp = w.layer(i, s.moeExperts + gateUpName, {s.experts, D, 2 * I});
        const at::Tensor down = w.layer(i, s.moeExperts + downName, {s.experts, I, D});
        for (int64_t e = 0; e < s.experts; ++e) {
            l.expertGateW.push_back(gateUp[e].narrow(1, 0, I).t());
            l.expertUpW.push_back(gateUp[e].narrow(1, I, I).t());
            l.expertDownW.push_back(down[e].t());
        }
        return;
    }
    if (s.moeFusedExperts || w.hasLayer(i, s.moeExperts + gateUpName)) {
        const at::Tensor gateUp = w.layer(i, s.moeExperts + gateUpName, {s.experts, 2 * I, D});
        const at::Tensor down = w.layer(i, s.moeExperts + downName, {s.experts, D, I});
        for (int64_t e = 0; e < s.experts; ++e) {
            l.expertGateW.push_back(gateUp[e].narrow(0, 0, I));
            l.expertUpW.push_back(gateUp[e].narrow(0, I, I));
            l.expertDownW.push_back(down[e]);
        }
        return;
    }
    if (w.hasLayer(i, s.moeExperts + s.moeGate + ".weight")) {
        // One 3-D tensor per projection (llama.cpp's ffn_gate_exps, ffn_up_exps,
        // ffn_down_exps).
        const auto stacked = [&](const std::string& name, int64_t rows, int64_t cols) {
            return w.layer(i, s.moeExperts + name + ".weight", {s.experts, rows, cols});
        };
        const at::Tensor gate = stacked(s.moeGate, I, D), up = stacked(s.moeUp, I, D),
                         down = stacked(s.moeDown, D, I);
        at::Tensor gateB, upB, downB;
        if (s.moeExpertBias) {
            gateB = w.layer(i, s.moeExperts + s.moeGate + ".bias", {s.experts, I});
            upB = w.layer(i, s.moeExperts + s.moeUp + ".bias", {s.experts, I});
            downB = w.layer(i, s.moeExperts + s.moeDown + ".bias", {s.experts, D});
        }
        for (int64_t e = 0; e < s.experts; ++e) {
            l.expertGateW.push_back(gate[e]);
            l.expertUpW.push_back(up[e]);
            l.expertDownW.push_back(down[e]);
            if (!s.moeExpertBias) continue;
            l.expertGateB.push_back(gateB[e]);
            l.expertUpB.push_back(upB[e]);
            l.expertDownB.push_back(downB[e]);
        }
        return;
    }
    for (int64_t e = 0; e < s.experts; ++e) {
        const std::string prefix = s.moeExperts + std::to_string(e) + ".";
        l.expertGateW.push_back(w.layer(i, prefix + s.moeGate + ".weight", {I, D}));
        l.expertUpW.push_back(w.layer(i, prefix + s.moeUp + ".weight", {I, D}));
        l.expertDownW.push_back(w.layer(i, prefix + s.moeDown + ".weight", {D, I}));
    }
}

// DeepSeek-V2's multi-head latent attention projections.
void loadLatentAttention(const WeightBinder& w, const ArchSpec& s, int64_t i, Layer& l) {
    const int64_t D = s.hidden, qOut = s.heads * (s.qkNopeDim + s.qkRopeDim);
    if (s.qLoraRank > 0) {
        l.qaW = w.layer(i, "self_attn.q_a_proj.weight", {s.qLoraRank, D});
        if (s.qkvBias) l.qaB = w.layer(i, "self_attn.q_a_proj.bias", {s.qLoraRank});
        l.qaNormW = w.layer(i, "self_attn.q_a_layernorm.weight", {s.qLoraRank});
        l.qbW = w.layer(i, "self_attn.q_b_proj.weight", {qOut, s.qLoraRank});
    } else {
        l.qW = w.layer(i, "self_attn.q_proj.weight", {qOut, D});
    }
    const int64_t kvA = s.kvLoraRank + s.qkRopeDim;
    l.kvaW = w.layer(i, "self_attn.kv_a_proj_with_mqa.weight", {kvA, D});
    if (s.qkvBias) l.kvaB = w.layer(i, "self_attn.kv_a_proj_with_mqa.bias", {kvA});
    l.kvaNormW = w.layer(i, "self_attn.kv_a_layernorm.weight", {s.kvLoraRank});
    l.kvbW = w.layer(i, "self_attn.kv_b_proj.weight",
                     {s.heads * (s.qkNopeDim + s.vHeadDim), s.kvLoraRank});
}

// The layer's attention weights, in its own shape (l.headDim, l.kvHeads): no k and v where it
// reads another layer's (l.sharesKv), no v where values are keys (l.valueFromKey).
void loadAttention(const WeightBinder& w, const ArchSpec& s, int64_t i, Layer& l) {
    const WeightNames& n = s.names;
    const int64_t D = s.hidden, hd = l.headDim, kvOut = l.kvHeads * hd;
    const int64_t qOut = s.heads * hd * (s.attnOutputGate ? 2 : 1);
    if (s.kvLoraRank > 0) {
        loadLatentAttention(w, s, i, l);
    } else if (s.qkvLayout == QkvLayout::Separate) {
        // One product instead of three: [q; k; v] stacked at load, split after.
        std::vector<at::Tensor> weights, biases;
        const int64_t kOut = l.sharesKv ? 0 : kvOut, vOut = l.valueFromKey ? 0 : kOut;
        for (const auto& [name, out] :
             {std::make_pair(n.q, qOut), std::make_pair(n.k, kOut), std::make_pair(n.v, vOut)}) {
            if (out == 0) continue;
            weights.push_back(w.layer(i, name + ".weight", {out, D}));
            if (s.qkvBias) biases.push_back(w.layer(i, name + ".bias", {out}));
        }
        l.qkvW = at::cat(weights);
        if (s.qkvBias) l.qkvB = at::cat(biases);
    } else {
        const int64_t fused = qOut + 2 * kvOut;
        l.qkvW = w.layer(i, n.qkv + ".weight", linearShape(fused, D, s.conv1d));
        if (s.qkvBias) l.qkvB = w.layer(i, n.qkv + ".bias", {fused});
    }
    const int64_t attnOut = s.kvLoraRank > 0 ? s.heads * s.vHeadDim : s.heads * hd;
    l.oW = w.layer(i, n.o + ".weight", linearShape(D, attnOut, s.conv1d));
    if (s.oBias) l.oB = w.layer(i, n.o + ".bias", {D});
    if (!s.attnSinks.empty()) {  // llama.cpp names them "<attnSinks>.weight"
        const bool plain = w.hasLayer(i, s.attnSinks);
        l.sinks = w.layer(i, plain ? s.attnSinks : s.attnSinks + ".weight", {s.heads});
    }
    if (s.qkNorm && l.sharesKv) {
        l.qNormW = w.layer(i, n.qNorm + ".weight", {hd});
    } else if (s.qkNorm) {
        loadQkNorms(w, s, i, hd, l);
    }
}

LayerWeights layerWeights(const WeightBinder& w, int64_t i) {
    LayerWeights weights;
    weights.get = [&w, i](const std::string& name, const std::vector<int64_t>& shape) {
        return w.layer(i, name, shape);
    };
    weights.getFp32 = [&w, i](const std::string& name, const std::vector<int64_t>& shape) {
        return w.layerFp32(i, name, shape);
    };
    weights.has = [&w, i](const std::string& name) { return w.hasLayer(i, name); };
    return weights;
}

}  // namespace

std::unique_ptr<CausalLM> CausalLM::load(const std::string& path, const LoadOptions& options) {
    return load(openModelSource(path), options);
}

std::unique_ptr<CausalLM> CausalLM::load(const ModelSource& source, const LoadOptions& options) {
    setThreadsOnce();
    c10::InferenceMode guard;
    const std::string& folder = source.path;
    const std::string& configPath = source.configPath;
    const nlohmann::json& config = source.config;
    auto impl = std::make_unique<Impl>();
    impl->spec = source.spec;
    impl->dtype = parseDtype(options.dtype, config, configPath);
    impl->device = parseDevice(options.device);
    requireKernels(impl->dtype, impl->device);
    const ArchSpec& s = impl->spec;
    const WeightNames& n = s.names;

    const TensorStore store = source.gguf ? TensorStore(source.gguf, impl->dtype, impl->device)
                                          : TensorStore(source.weights, source.weightFormat, folder,
                                                        impl->dtype, impl->device);
    if (impl->device.is_cpu()) {
        // The weights in the wanted dtype, and room for the activations of a first small batch.
        const int64_t weights =
            store.elementCount() * static_cast<int64_t>(c10::elementSize(impl->dtype));
        requireMemory(weights + (int64_t(256) << 20),
                      "loading the model (" + formatBytes(weights) + " of weights in " +
                          dtypeName(impl->dtype) + ")",
                      folder);
    }
    WeightBinder w(store, n);
    const int64_t D = s.hidden;
    const bool layerNorm = s.norm == NormKind::Layer && s.normBias;
    const int64_t E = s.embedDim > 0 ? s.embedDim : D;

    impl->embed = w.base(n.embed, {s.vocab, E});
    if (s.positions == Positions::Learned)
        impl->positions = w.base(n.positions, {s.context + s.positionOffset, D});
    if (s.normAffine && !n.finalNorm.empty()) {
        impl->finalNormW = w.base(n.finalNorm + ".weight", {D});
        if (layerNorm) impl->finalNormB = w.base(n.finalNorm + ".bias", {D});
    }
    if (s.tiedEmbeddings) {
        impl->lmHead = impl->embed;
    } else {
        impl->lmHead = store.get(w.head(n.lmHead), {s.vocab, E});
    }
    if (!s.lmHeadBias.empty()) impl->lmHeadB = store.get(s.lmHeadBias, {s.vocab});
    if (!s.embedNorm.empty()) {
        impl->embedNormW = w.base(s.embedNorm + ".weight", {D});
        if (layerNorm) impl->embedNormB = w.base(s.embedNorm + ".bias", {D});
    }
    if (!s.projectIn.empty()) impl->projectInW = w.base(s.projectIn + ".weight", {D, E});
    if (!s.projectOut.empty()) impl->projectOutW = w.base(s.projectOut + ".weight", {E, D});
    if (s.positions == Positions::Rotary) {
        impl->inverseFrequencies = blocks::rotaryInverseFrequencies(s.rope).to(impl->device);
        if (source.gguf && store.has(kRopeFreqsWeight)) {
            // llama.cpp's rotary frequency factors (Llama 3.1 scaling): they divide the
            // inverse frequencies, as transformers' llama3 scaling does.
            impl->inverseFrequencies =
                impl->inverseFrequencies /
                store.get(kRopeFreqsWeight, {s.rope.dim / 2}).to(impl->device, at::kFloat);
        }
        if (!s.localRopeLayers.empty()) {
            impl->localInverseFrequencies =
                blocks::rotaryInverseFrequencies(s.localRope).to(impl->device);
        }
        if (!s.ropeShortFactor.empty()) {
            const auto f64 = at::TensorOptions().dtype(at::kDouble);
            const auto factors = [&](const std::vector<double>& f) {
                return at::tensor(at::ArrayRef<double>(f), f64).to(at::kFloat).to(impl->device);
            };
            impl->longInverseFrequencies = impl->inverseFrequencies / factors(s.ropeLongFactor);
            impl->inverseFrequencies = impl->inverseFrequencies / factors(s.ropeShortFactor);
        }
    }

    for (int64_t i = 0; i < s.layers; ++i) {
        Layer l;
        l.window = s.slidingWindow.at(static_cast<size_t>(i));
        l.localRope = !s.localRopeLayers.empty() && s.localRopeLayers.at(static_cast<size_t>(i));
        l.noRope = !s.noRopeLayers.empty() && s.noRopeLayers.at(static_cast<size_t>(i));
        const auto ui = static_cast<size_t>(i);
        l.headDim = s.layerHeadDims.empty() ? s.headDim : s.layerHeadDims.at(ui);
        l.kvHeads = s.layerKvHeads.empty() ? s.kvHeads : s.layerKvHeads.at(ui);
        l.kvSource = s.kvSourceLayers.empty() ? i : s.kvSourceLayers.at(ui);
        l.sharesKv = l.kvSource != i;
        l.valueFromKey = !s.valueFromKeyLayers.empty() && s.valueFromKeyLayers.at(ui);
        l.chunked = s.attentionChunk > 0 && s.chunkedLayers.at(static_cast<size_t>(i));
        if (s.normAffine && !n.inputNorm.empty()) {
            l.inputNormW = w.layer(i, n.inputNorm + ".weight", {D});
            if (layerNorm) l.inputNormB = w.layer(i, n.inputNorm + ".bias", {D});
        }
        if (s.normAffine && !n.postNorm.empty()) {
            l.postNormW = w.layer(i, n.postNorm + ".weight", {D});
            if (layerNorm) l.postNormB = w.layer(i, n.postNorm + ".bias", {D});
        }
        if (!s.preMlpNorm.empty()) l.preMlpNormW = w.layer(i, s.preMlpNorm + ".weight", {D});
        if (!s.postMlpNorm.empty()) l.postMlpNormW = w.layer(i, s.postMlpNorm + ".weight", {D});
        const bool mixes =
            !s.layerMixers.empty() && s.layerMixers.at(static_cast<size_t>(i)) != Mixer::Attention;
        if (mixes) l.mixer = loadSequenceMixer(s, i, layerWeights(w, i));
        if (!mixes || s.mixerWithAttention) loadAttention(w, s, i, l);
        if (s.activation == Activation::XIELU)
            loadXielu(w, store, s, i, impl->dtype, impl->device, l);
        loadGemma4Extras(w, s, i, l);
        const int64_t I =
            s.layerIntermediates.empty() ? s.intermediate : s.layerIntermediates.at(ui);
        const bool denseMlp =
            !s.denseMlpLayers.empty() && s.denseMlpLayers.at(static_cast<size_t>(i));
        if (s.experts > 0 && !s.expertsBesideMlp && i >= s.denseLayers && !denseMlp) {
            loadExperts(w, s, i, l);
            impl->layers.push_back(std::move(l));
            continue;
        }
        if (s.fusedGateUp) {
            l.upW = w.layer(i, n.up + ".weight", linearShape(2 * I, D, s.conv1d));
            l.downW = w.layer(i, n.down + ".weight", linearShape(D, I, s.conv1d));
            l.gateUpFused = true;
            impl->layers.push_back(std::move(l));
            continue;
        }
        if (s.gatedMlp) {
            l.gateW = w.layer(i, n.gate + ".weight", linearShape(I, D, s.conv1d));
            if (s.mlpBias) l.gateB = w.layer(i, n.gate + ".bias", {I});
        }
        l.upW = w.layer(i, n.up + ".weight", linearShape(I, D, s.conv1d));
        l.downW = w.layer(i, n.down + ".weight", linearShape(D, I, s.conv1d));
        if (s.mlpBias) {
            l.upB = w.layer(i, n.up + ".bias", {I});
            l.downB = w.layer(i, n.down + ".bias", {D});
        }
        if (s.gatedMlp && !s.conv1d) {
            // One product instead of two: [gate; up] stacked, as Phi-3 stores it.
            l.upW = at::cat({l.gateW, l.upW});
            if (s.mlpBias) l.upB = at::cat({l.gateB, l.upB});
            l.gateW = l.gateB = at::Tensor();
            l.gateUpFused = true;
        }
        impl->layers.push_back(std::move(l));
    }
    for (const Layer& l : impl->layers) {
        if (l.sharesKv) impl->layers.at(static_cast<size_t>(l.kvSource)).kvRead = true;
    }
    if (s.perLayerInputDim > 0) {
        const int64_t all = s.layers * s.perLayerInputDim;
        impl->perLayerInputs = {w.base(blocks::kPerLayerTable, {s.perLayerVocab, all}),
                                w.base(blocks::kPerLayerProjection, {all, D}),
                                w.base(blocks::kPerLayerProjectionNorm, {s.perLayerInputDim})};
    }
    impl->copied = store.copiedBytes();
    return std::unique_ptr<CausalLM>(new CausalLM(std::move(impl)));
}

CausalLM::CausalLM(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CausalLM::~CausalLM() = default;

const ArchSpec& CausalLM::spec() const {
    return impl_->spec;
}
at::ScalarType CausalLM::dtype() const {
    return impl_->dtype;
}
at::Device CausalLM::device() const {
    return impl_->device;
}
int64_t CausalLM::copiedBytes() const {
    return impl_->copied;
}

at::Tensor CausalLM::Impl::attentionBlock(const Layer& l, const at::Tensor& x,
                                          const at::Tensor& allowed, const at::Tensor& cos,
                                          const at::Tensor& sin, const at::Tensor& alibi,
                                          LayerCache* cache, const at::Tensor& queryScale) const {
    if (spec.kvLoraRank > 0) return latentAttention(l, x, allowed, cos, sin, cache);
    const int64_t B = x.size(0), T = x.size(1), hd = l.headDim;
    at::Tensor q, k, v;  // [B, T, heads, hd]; k and v undefined where the layer reads another's
    at::Tensor outputGate;
    // Separate projections were stacked at load.
    const at::Tensor qkv = blocks::linear(x, l.qkvW, l.qkvB, spec.conv1d);
    if (spec.qkvLayout == QkvLayout::FusedGrouped) {  // per group: [q_0 .. q_{g-1} | k | v]
        const int64_t g = spec.heads / spec.kvHeads;
        const auto parts = qkv.view({B, T, spec.kvHeads, g + 2, hd}).split({g, 1, 1}, 3);
        q = parts[0].reshape({B, T, spec.heads, hd});
        k = parts[1].reshape({B, T, spec.kvHeads, hd});
        v = parts[2].reshape({B, T, spec.kvHeads, hd});
    } else if (spec.qkvLayout == QkvLayout::FusedPerHead) {  // per head: [q | k | v]
        const auto parts = qkv.view({B, T, spec.heads, 3 * hd}).chunk(3, -1);
        q = parts[0];
        k = parts[1];
        v = parts[2];
    } else if (spec.attnOutputGate) {  // q per head: [q | gate]
        const auto parts = qkv.split({spec.heads * hd * 2, l.kvHeads * hd, l.kvHeads * hd}, -1);
        const auto qGate = parts[0].view({B, T, spec.heads, 2 * hd}).chunk(2, -1);
        q = qGate[0];
        outputGate = qGate[1].reshape({B, T, spec.heads * hd});
        k = parts[1].view({B, T, l.kvHeads, hd});
        v = parts[2].view({B, T, l.kvHeads, hd});
    } else {
        const int64_t kOut = l.sharesKv ? 0 : l.kvHeads * hd, vOut = l.valueFromKey ? 0 : kOut;
        const auto parts = qkv.split({spec.heads * hd, kOut, vOut}, -1);
        q = parts[0].view({B, T, spec.heads, hd});
        if (!l.sharesKv) {
            k = parts[1].view({B, T, l.kvHeads, hd});
            v = l.valueFromKey ? k : parts[2].view({B, T, l.kvHeads, hd});
        }
    }
    if (spec.keyMultiplier != 1.0) k = k * spec.keyMultiplier;
    const bool qkNorm = spec.qkNorm && !(spec.qkNormRopeLayersOnly && l.noRope);
    if (qkNorm && !spec.qkNormAfterRotary) {
        q = qkNormed(q, l.qNormW, l.qNormB);
        if (k.defined()) k = qkNormed(k, l.kNormW, l.kNormB);
    }
    if (spec.valueNorm && v.defined()) v = blocks::unweightedRmsNorm(v, spec.normEps);
    if (spec.clipQkv > 0) {  // after the q/k norms (OLMoE)
        q = q.clamp(-spec.clipQkv, spec.clipQkv);
        k = k.clamp(-spec.clipQkv, spec.clipQkv);
        v = v.clamp(-spec.clipQkv, spec.clipQkv);
    }
    q = q.transpose(1, 2);
    if (!l.sharesKv) {
        k = k.transpose(1, 2);
        v = v.transpose(1, 2);
    }
    const at::ScalarType qkType = q.scalar_type();
    // Rotates q and, unless the layer reads another's keys, k.
    const auto forQk = [&](const auto& f) {
        q = f(q);
        if (k.defined()) k = f(k);
    };
    if (cos.defined() && spec.rotaryInFp32)
        forQk([](const at::Tensor& t) { return t.to(at::kFloat); });
    if (cos.defined() && spec.rotaryInterleaved) {
        forQk([&](const at::Tensor& t) { return blocks::applyRotaryInterleaved(t, cos, sin); });
    } else if (cos.defined()) {
        forQk([&](const at::Tensor& t) { return blocks::applyRotary(t, cos, sin); });
    }
    if (cos.defined() && spec.rotaryInFp32)
        forQk([&](const at::Tensor& t) { return t.to(qkType); });
    if (qkNorm && spec.qkNormAfterRotary) {  // qkNormed takes [B, T, heads, hd]
        q = qkNormed(q.transpose(1, 2), l.qNormW, l.qNormB).transpose(1, 2);
        if (k.defined()) k = qkNormed(k.transpose(1, 2), l.kNormW, l.kNormB).transpose(1, 2);
    }
    if (l.sharesKv) {
        // The source layer ran first and left its keys and values in `cache` (hidden()).
        k = cache->keys;
        v = cache->values;
    } else if (cache) {
        std::tie(k, v) = cache->append(k, v);
    }
    if (queryScale.defined()) q = blocks::scaleQueries(q, queryScale, spec.queryTemperatureInFp32);
    const double scale =
        spec.attentionScale > 0 ? spec.attentionScale : 1.0 / std::sqrt(static_cast<double>(hd));
    at::Tensor out;  // [B, heads, T, hd]
    if (l.sinks.defined()) {
        out = blocks::attentionWithSinks(q, k, v, allowed, scale, l.sinks);
    } else if (spec.attnSoftcap > 0) {
        out = blocks::attentionSoftcapped(q, k, v, allowed, scale, spec.attnSoftcap);
    } else if (alibi.defined() || spec.attentionScale > 0) {
        out = blocks::attentionWithBias(q, k, v, allowed, scale, alibi);
    } else {
        out = blocks::attention(q, k, v, allowed);
    }
    at::Tensor merged = out.transpose(1, 2).reshape({B, T, spec.heads * hd});
    if (outputGate.defined()) merged = merged * at::sigmoid(outputGate);
    return blocks::linear(merged, l.oW, l.oB, spec.conv1d);
}

at::Tensor CausalLM::Impl::mlpBlock(const Layer& l, const at::Tensor& x) const {
    if (l.routerW.defined()) return expertsBlock(l, x);
    at::Tensor h;
    if (l.gateUpFused) {
        const at::Tensor gateUp = blocks::linear(x, l.upW, l.upB, spec.conv1d);
        const double g = spec.mlpGateMultiplier;
        if (spec.activation == Activation::SiLU && g == 1.0) h = kernels::siluGate(gateUp);
        if (!h.defined()) {
            const auto parts = gateUp.chunk(2, -1);
            h = blocks::gatedActivation(spec, g == 1.0 ? parts[0] : parts[0] * g, parts[1]);
        }
    } else if (spec.gatedMlp) {
        const at::Tensor gate = blocks::linear(x, l.gateW, l.gateB, spec.conv1d);
        h = blocks::gatedActivation(
            spec, spec.mlpGateMultiplier == 1.0 ? gate : gate * spec.mlpGateMultiplier,
            blocks::linear(x, l.upW, l.upB, spec.conv1d));
    } else if (spec.activation == Activation::XIELU) {
        h = blocks::xielu(blocks::linear(x, l.upW, l.upB, spec.conv1d), l.xieluAlphaP,
                          l.xieluAlphaN, l.xieluBeta, l.xieluEps);
    } else {
        h = blocks::activate(spec.activation, blocks::linear(x, l.upW, l.upB, spec.conv1d));
    }
    const at::Tensor out = blocks::linear(h, l.downW, l.downB, spec.conv1d);
    return spec.mlpDownMultiplier == 1.0 ? out : out * spec.mlpDownMultiplier;
}

at::Tensor CausalLM::Impl::toDevice(const at::Tensor& host) const {
    if (device.is_cpu()) return host;
    const at::Tensor pinned = host.is_pinned() ? host : host.pin_memory();
    return pinned.to(device, /*non_blocking=*/true);
}

at::Tensor CausalLM::Impl::hidden(const at::Tensor& idsIn, const at::Tensor& maskIn,
                                  DecodeState* cache) const {
    if (idsIn.dim() != 2 || maskIn.sizes() != idsIn.sizes()) {
        throw InputError("token ids and attention mask must both be [batch, tokens]", "forward",
                         "pass 2-D tensors of the same shape");
    }
    const int64_t T = idsIn.size(1);
    if (T == 0 || idsIn.size(0) == 0) {
        throw InputError("empty batch", "forward", "pass at least one token");
    }
    // Positions [past, past + T): after the cache's tokens when decoding.
    const int64_t past = cache ? cache->length : 0, total = past + T;
    if (spec.positions == Positions::Learned && total > spec.context) {
        throw InputError(
            std::to_string(total) + " tokens exceed the context of " + std::to_string(spec.context),
            "forward", "cut texts to the model's context length");
    }
    // Checked on the host before the copy: a check on a GPU would wait for it.
    const at::Tensor hostMask = maskIn.to(at::kLong).cpu();
    // Padding may hold any id; only real tokens must be inside the vocabulary.
    at::Tensor hostIds = at::where(hostMask.to(at::kBool), idsIn.to(at::kLong).cpu(),
                                   at::zeros({}, hostMask.options()));
    const int64_t lo = hostIds.min().item<int64_t>(), hi = hostIds.max().item<int64_t>();
    if (lo < 0 || hi >= embed.size(0)) {
        throw InputError("token id " + std::to_string(lo < 0 ? lo : hi) +
                             " is outside the vocabulary of " + std::to_string(embed.size(0)),
                         "forward", "tokenize with this model's own tokenizer");
    }
    for (const int64_t id : spec.placeholderIds)
        hostIds.masked_fill_(hostIds == id, spec.placeholderPad);
    const at::Tensor mask = toDevice(hostMask);
    const at::Tensor ids = toDevice(hostIds);

    at::Tensor x = at::embedding(embed, ids);
    if (projectInW.defined()) x = blocks::linear(x, projectInW, {}, false);
    if (spec.embedScale > 0) x = x * at::scalar_tensor(spec.embedScale, x.options());
    if (spec.embedMultiplier != 1.0) x = x * spec.embedMultiplier;
    if (spec.positions == Positions::Learned) {
        x = x + positions.narrow(0, spec.positionOffset + past, T).unsqueeze(0);
    }
    if (embedNormW.defined()) x = normed(x, embedNormW, embedNormB);
    const blocks::WeightedNorm norm = [this](const at::Tensor& t, const at::Tensor& w) {
        return rms(t, w);
    };
    at::Tensor perLayer;  // [B, T, layers, dim]
    if (spec.perLayerInputDim > 0) {
        perLayer = blocks::perLayerInputs(perLayerInputs, ids, x, spec.layers,
                                          spec.perLayerInputDim, norm);
    }
    at::Tensor cos, sin, alibi;
    // The rotary tables of positions past..total-1 (LongRoPE, whose tables depend on the whole
    // text, never decodes with a cache: see decodesWithCache).
    const auto lastRows = [&](std::pair<at::Tensor, at::Tensor> tables) {
        if (past == 0) return tables;
        return std::make_pair(tables.first.narrow(-2, past, T), tables.second.narrow(-2, past, T));
    };
    if (spec.positions == Positions::Rotary) std::tie(cos, sin) = lastRows(rotary(mask, total));
    at::Tensor localCos, localSin;
    if (localInverseFrequencies.defined()) {
        std::tie(localCos, localSin) =
            lastRows(blocks::rotaryTables(localInverseFrequencies, total, dtype));
    }
    if (spec.positions == Positions::Alibi) {
        const double scale = 1.0 / std::sqrt(static_cast<double>(spec.headDim));
        alibi = blocks::alibiBias(spec.alibi, spec.heads, total, dtype, scale, device);
    }
    if (cache && cache->layers.empty()) cache->layers.resize(layers.size());
    // Without a decode cache, the keys and values that later layers read (KV sharing).
    std::vector<LayerCache> shared(spec.kvSourceLayers.empty() || cache ? 0 : layers.size());
    // Right-padded texts need no mask for causal attention: no real token reaches a padded one.
    const bool rightPadded =
        T < 2 || (hostMask.narrow(1, 1, T - 1) <= hostMask.narrow(1, 0, T - 1)).all().item<bool>();
    const bool masklessKernel = blocks::causalWithoutMask() && spec.attnSoftcap == 0 &&
                                spec.kvLoraRank == 0 && spec.positions != Positions::Alibi &&
                                spec.attnSinks.empty();
    // Queries scaled by position (attention temperature), for the layers it applies to.
    const at::Tensor queryScale =
        spec.queryTemperatureBeta != 0.0
            ? blocks::queryTemperature(past, T, spec.queryTemperatureBeta,
                                       spec.queryTemperatureFloor, spec.queryTemperatureOffset,
                                       device)
            : at::Tensor();
    std::map<std::pair<int64_t, bool>, at::Tensor> allowedByWindow;
    for (size_t i = 0; i < layers.size(); ++i) {
        const Layer& l = layers[i];
        at::Tensor allowed;  // undefined: plain causal
        const bool chunked = l.chunked && spec.attentionChunk < total;
        if (cache || !rightPadded || !masklessKernel || (l.window > 0 && l.window < T) || chunked) {
            auto it = allowedByWindow.find({l.window, chunked});
            if (it == allowedByWindow.end()) {
                at::Tensor a = cache ? blocks::decodeAllowed(past, T, l.window, device)
                                     : blocks::attentionAllowed(mask, l.window);
                if (chunked) a = blocks::withinChunks(a, past, spec.attentionChunk);
                it = allowedByWindow.emplace(std::make_pair(l.window, chunked), a).first;
            }
            allowed = it->second;
        }
        const bool tempered =
            queryScale.defined() && (!spec.queryTemperatureNoRopeOnly || l.noRope);
        const at::Tensor none;
        const at::Tensor& layerCos = l.noRope ? none : l.localRope ? localCos : cos;
        const at::Tensor& layerSin = l.noRope ? none : l.localRope ? localSin : sin;
        const auto source = static_cast<size_t>(l.kvSource);
        LayerCache* layerCache = cache                    ? &cache->layers[source]
                                 : l.kvRead || l.sharesKv ? &shared.at(source)
                                                          : nullptr;
        const auto attend = [&](const at::Tensor& in) {
            if (!l.mixer)
                return attentionBlock(l, in, allowed, layerCos, layerSin, alibi, layerCache,
                                      tempered ? queryScale : at::Tensor());
            at::Tensor mixed =
                l.mixer->forward(in, mask, layerCache ? &layerCache->mixer : nullptr);
            if (!spec.mixerWithAttention) return mixed;
            const at::Tensor attnIn =
                spec.attentionInMultiplier == 1.0 ? in : in * spec.attentionInMultiplier;
            const at::Tensor attended =
                attentionBlock(l, attnIn, allowed, layerCos, layerSin, alibi, layerCache,
                               tempered ? queryScale : at::Tensor());
            return mixed + (spec.attentionOutMultiplier == 1.0
                                ? attended
                                : attended * spec.attentionOutMultiplier);
        };
        // A block's output as it joins the residual stream (Granite's residual_multiplier).
        const auto scaled = [&](const at::Tensor& out) {
            return spec.residualMultiplier == 1.0 ? out : out * spec.residualMultiplier;
        };
        if (spec.normAfterResidual) {
            x = normed(x + attend(x), l.inputNormW, l.inputNormB);
            x = normed(x + mlpBlock(l, x), l.postNormW, l.postNormB);
            continue;
        }
        if (spec.postNormsOnly) {
            x = x + scaled(normed(attend(x), l.postNormW, l.postNormB));
            x = x + scaled(normed(mlpBlock(l, x), l.postMlpNormW, at::Tensor()));
            continue;
        }
        const at::Tensor a = normed(x, l.inputNormW, l.inputNormB);
        if (spec.sandwichNorms) {
            x = x + scaled(normed(attend(a), l.postNormW, l.postNormB));
            at::Tensor m = mlpBlock(l, normed(x, l.preMlpNormW, at::Tensor()));
            if (l.beside.router.defined()) {
                m = blocks::expertsBesideMlp(l.beside, x, m, spec.expertsPerToken, spec.normEps,
                                             spec.activation, norm);
            }
            x = x + scaled(normed(m, l.postMlpNormW, at::Tensor()));
        } else if (spec.parallelResidual) {
            const at::Tensor m = spec.sharedNorm ? a : normed(x, l.postNormW, l.postNormB);
            x = scaled(attend(a) + mlpBlock(l, m)) + x;
        } else if (spec.residualFromNorm) {
            const at::Tensor h = a + attend(a);
            const at::Tensor m = normed(h, l.postNormW, l.postNormB);
            x = m + mlpBlock(l, m);
        } else {
            // In place: x is this pass's own residual stream.
            x.add_(scaled(attend(a)));
            x.add_(scaled(mlpBlock(l, normed(x, l.postNormW, l.postNormB))));
        }
        if (perLayer.defined()) {
            x = blocks::addPerLayerInput(x, perLayer.select(2, static_cast<int64_t>(i)), l.pleGate,
                                         l.pleOut, l.pleNorm, spec.activation, norm);
        }
        if (l.scalar.defined()) x = x * l.scalar;
    }
    if (finalNormW.defined() || !spec.normAffine) x = normed(x, finalNormW, finalNormB);
    if (projectOutW.defined()) x = blocks::linear(x, projectOutW, {}, false);
    if (cache) cache->length = total;
    return x;
}

namespace {
// Runs `f` without autograd; libtorch's own failures (out of memory above all) become llmap::Error
// with one line instead of a C++ backtrace.
template <typename F>
at::Tensor guarded(const ArchSpec& spec, F f) {
    c10::InferenceMode guard;
    const char* fix = "lower the batch size or token budget";
    try {
        return f();
    } catch (const c10::Error& e) {
        const std::string what = e.what_without_backtrace();
        // libtorch 1.13's CPU allocator reports a failed allocation as a plain c10::Error.
        if (dynamic_cast<const c10::OutOfMemoryError*>(&e) ||
            what.find("out of memory") != std::string::npos ||
            what.find("not enough memory") != std::string::npos) {
            throw OutOfMemoryError("out of memory: " + what, spec.family + " model", fix);
        }
        throw Error("libtorch failed: " + what, spec.family + " model", fix);
    } catch (const std::bad_alloc&) {
        throw OutOfMemoryError("out of host memory", spec.family + " model", fix);
    }
}
}  // namespace

at::Tensor CausalLM::hiddenStates(const at::Tensor& ids, const at::Tensor& attentionMask) const {
    return guarded(impl_->spec, [&] { return impl_->hidden(ids, attentionMask); });
}

at::Tensor CausalLM::forward(const at::Tensor& ids, const at::Tensor& attentionMask) const {
    return guarded(impl_->spec, [&] { return impl_->logits(impl_->hidden(ids, attentionMask)); });
}

std::pair<at::Tensor, at::Tensor> LayerCache::append(const at::Tensor& k, const at::Tensor& v) {
    keys = keys.defined() ? at::cat({keys, k}, 2) : k;
    values = values.defined() ? at::cat({values, v}, 2) : v;
    return {keys, values};
}

bool CausalLM::decodesWithCache(int64_t length) const {
    // LongRoPE rotates every position with the long factors once the text is longer than
    // longRopeContext: from there on the cached keys are stale.
    // LLMAP_DECODE_RECOMPUTE=1 (for benchmarks): never use the cache.
    static const bool recompute = [] {
        const char* v = std::getenv("LLMAP_DECODE_RECOMPUTE");
        return v && std::string(v) == "1";
    }();
    const ArchSpec& s = impl_->spec;
    return !recompute && (s.ropeShortFactor == s.ropeLongFactor || length <= s.longRopeContext);
}

at::Tensor CausalLM::decodeStep(DecodeState& state, const at::Tensor& ids) const {
    if (ids.dim() != 2 || ids.size(0) == 0 || ids.size(1) == 0 ||
        (state.ids.defined() && state.ids.size(0) != ids.size(0))) {
        throw InputError("decoding needs [batch, tokens] ids with the batch of the earlier steps",
                         "decodeStep", "pass one row per sequence");
    }
    return guarded(impl_->spec, [&] {
        const at::Tensor hostIds = ids.to(at::kLong).cpu();
        const at::Tensor before = state.ids;
        state.ids = before.defined() ? at::cat({before, hostIds}, 1) : hostIds;
        at::Tensor h;
        if (decodesWithCache(state.ids.size(1))) {
            h = impl_->hidden(hostIds, at::ones_like(hostIds), &state);
        } else {
            state.layers.clear();
            h = impl_->hidden(state.ids, at::ones_like(state.ids));
            state.length = state.ids.size(1);
        }
        return impl_->logits(h.select(1, h.size(1) - 1)).to(at::kFloat).cpu();
    });
}

at::Tensor CausalLM::targetLogProbs(const at::Tensor& ids, const at::Tensor& attentionMask,
                                    const at::Tensor& targets) const {
    return guarded(impl_->spec, [&] { return impl_->logProbs(ids, attentionMask, targets); });
}

namespace {
// Values per chunk of fp32 logits (LLMAP_LOGIT_CHUNK, for benchmarks): small enough to stay
// in the last-level cache between the product and the logsumexp, and to be reused by the
// allocator rather than mapped afresh.
int64_t logitChunkValues() {
    static const int64_t values = [] {
        const char* v = std::getenv("LLMAP_LOGIT_CHUNK");
        return v && std::atoll(v) > 0 ? std::atoll(v) : int64_t(1) << 26;
    }();
    return values;
}
}  // namespace

at::Tensor CausalLM::Impl::logProbs(const at::Tensor& ids, const at::Tensor& attentionMask,
                                    const at::Tensor& targets) const {
    if (targets.sizes() != ids.sizes()) {
        throw InputError("targets must have the shape of the token ids", "targetLogProbs",
                         "pass [batch, tokens] targets, -1 where nothing is scored");
    }
    // The ids are checked on the host first (hidden), then the scored positions are found and
    // checked there too: the one wait for a GPU is the copy of the result.
    const at::Tensor h = hidden(ids, attentionMask);
    const int64_t V = lmHead.size(0);
    const at::Tensor hostTargets = targets.to(at::kLong).cpu().reshape({-1});
    const at::Tensor hostRows = at::nonzero(hostTargets >= 0).reshape({-1});
    if (hostRows.numel() == 0) return at::zeros(targets.sizes(), at::kFloat);
    const at::Tensor hostSelected = hostTargets.index_select(0, hostRows);
    if (hostSelected.max().item<int64_t>() >= V) {
        throw InputError("target id outside the vocabulary of " + std::to_string(V),
                         "targetLogProbs", "tokenize with this model's own tokenizer");
    }
    const int64_t D = h.size(-1);
    const at::Tensor rows = toDevice(hostRows);
    const at::Tensor selectedTargets = toDevice(hostSelected);
    at::Tensor out = at::zeros({hostTargets.size(0)}, h.options().dtype(at::kFloat));
    const at::Tensor selected = h.reshape({-1, D}).index_select(0, rows);
    // Rows per chunk so that one chunk of fp32 logits stays near LLMAP_LOGIT_CHUNK values.
    const int64_t chunk = std::max<int64_t>(1, logitChunkValues() / V);
    std::vector<at::Tensor> pieces;
    if (device.is_cpu() && spec.finalSoftcap == 0) {
        const bool rescaled = spec.logitScale != 1.0 || spec.logitsDivisor != 1.0;
        // Each chunk's logits go into one buffer (mapped once, not once per chunk) and are read
        // once more, by the fused log-softmax.
        const int64_t rowsTotal = selected.size(0);
        at::Tensor buffer = at::empty({std::min(chunk, rowsTotal), V}, selected.options());
        for (int64_t start = 0; start < rowsTotal; start += chunk) {
            const int64_t len = std::min(chunk, rowsTotal - start);
            at::Tensor z = buffer.narrow(0, 0, len);
            const at::Tensor x = selected.narrow(0, start, len);
            if (lmHeadB.defined()) {
                at::addmm_out(z, lmHeadB, x, lmHead.t());
            } else {
                at::mm_out(z, x, lmHead.t());
            }
            if (rescaled) scaleLogits(z);
            pieces.push_back(kernels::targetLogSoftmax(z, selectedTargets.narrow(0, start, len)));
        }
        out.index_copy_(0, rows, at::cat(pieces));
        return out.view(targets.sizes()).cpu();
    }
    for (int64_t start = 0; start < selected.size(0); start += chunk) {
        const int64_t len = std::min(chunk, selected.size(0) - start);
        // The chunk's logits are its own (a fresh product), so they are shifted and
        // exponentiated in place: log p(t) = (z_t - max) - log sum exp(z - max).
        at::Tensor rowLogits = logits(selected.narrow(0, start, len)).to(at::kFloat);
        const at::Tensor t = selectedTargets.narrow(0, start, len).unsqueeze(1);
        const at::Tensor top = rowLogits.amax(1, true);
        const at::Tensor picked = (rowLogits.gather(1, t) - top).squeeze(1);
        rowLogits.sub_(top).exp_();
        pieces.push_back(picked - rowLogits.sum(1).log_());
    }
    out.index_copy_(0, rows, at::cat(pieces));
    return out.view(targets.sizes()).cpu();
}

at::Tensor CausalLM::nextTokenLogProbs(const at::Tensor& ids,
                                       const at::Tensor& attentionMask) const {
    c10::InferenceMode guard;
    if (ids.dim() != 2 || ids.size(1) < 2) {
        throw InputError("need [batch, tokens] ids with at least 2 tokens", "nextTokenLogProbs",
                         "pass longer sequences");
    }
    const int64_t T = ids.size(1);
    const at::Tensor mask = attentionMask.to(at::kLong).cpu();
    const at::Tensor next = ids.to(at::kLong).cpu().narrow(1, 1, T - 1);
    const at::Tensor scored = mask.narrow(1, 1, T - 1).to(at::kBool);
    at::Tensor targets = at::full(ids.sizes(), -1, at::TensorOptions().dtype(at::kLong));
    targets.narrow(1, 0, T - 1).copy_(at::where(scored, next, at::full({}, -1, next.options())));
    return targetLogProbs(ids, attentionMask, targets).narrow(1, 0, T - 1);
}

// Gemma, Phi, OLMo and mixture-of-experts variants

at::Tensor CausalLM::Impl::rms(const at::Tensor& x, const at::Tensor& w) const {
    if (spec.rmsStyle == ArchSpec::RmsStyle::Llama) return blocks::rmsNorm(x, w, spec.normEps);
    return blocks::rmsNormWeightInFp32(x, w, spec.normEps,
                                       spec.rmsStyle == ArchSpec::RmsStyle::PlusOne);
}

at::Tensor CausalLM::Impl::normed(const at::Tensor& x, const at::Tensor& w,
                                  const at::Tensor& b) const {
    if (!spec.normAffine) {
        return at::layer_norm(x.to(at::kFloat), {x.size(-1)}, {}, {}, spec.normEps)
            .to(x.scalar_type());
    }
    if (spec.norm == NormKind::RMS) return rms(x, w);
    return blocks::norm(spec.norm, x, w, b, spec.normEps);
}

// q or k as [B, T, heads, headDim].
at::Tensor CausalLM::Impl::qkNormed(const at::Tensor& x, const at::Tensor& w,
                                    const at::Tensor& b) const {
    switch (spec.qkNormKind) {
        case ArchSpec::QkNormKind::RmsPerHead:
            return rms(x, w);
        case ArchSpec::QkNormKind::RmsFull:
            return rms(x.flatten(2), w).view(x.sizes());
        case ArchSpec::QkNormKind::LayerShared:
            return at::layer_norm(x, {x.size(-1)}, w, b, spec.normEps);
        case ArchSpec::QkNormKind::LayerPerHead:
            return at::layer_norm(x, {x.size(-1)}, {}, {}, spec.normEps) * w;
        case ArchSpec::QkNormKind::LayerPerHeadFp32:
            return (at::layer_norm(x.to(at::kFloat), {x.size(-1)}, {}, {}, spec.normEps) *
                    w.to(at::kFloat))
                .to(x.scalar_type());
        case ArchSpec::QkNormKind::RmsNoWeight:
            return blocks::rmsNormNoWeight(x, spec.normEps);
    }
    return x;
}

// Top-k routing as transformers does it: softmax (or sigmoid) over all router logits in fp32, the k
// largest, chosen with the correction bias where there is one (renormalised to sum 1 with
// normTopk); each expert's output weighted in fp32 (or in the model's
// dtype), a token's k weighted outputs summed (in fp32 for a 16-bit model), as transformers'
// grouped experts do. The (token, choice) pairs are sorted by expert once, so that each chosen
// expert runs on one contiguous slice of them.
at::Tensor CausalLM::Impl::expertsBlock(const Layer& l, const at::Tensor& x) const {
    const at::Tensor flat = x.reshape({-1, x.size(-1)});
    const int64_t N = flat.size(0), K = spec.expertsPerToken;
    const at::Tensor routerLogits =
        spec.routerInFp32
            ? blocks::linear(flat.to(at::kFloat), l.routerW.to(at::kFloat),
                             l.routerB.defined() ? l.routerB.to(at::kFloat) : at::Tensor(), false)
            : blocks::linear(flat, l.routerW, l.routerB, false).to(at::kFloat);
    const bool sigmoid = spec.routerScoring == ArchSpec::RouterScoring::Sigmoid;
    const at::Tensor scores = sigmoid ? at::sigmoid(routerLogits) : at::softmax(routerLogits, -1);
    at::Tensor choice = l.routerBias.defined() ? scores + l.routerBias : scores;
    if (spec.expertGroups > 1) {
        // Only experts in the topkGroups groups of the best scores stay eligible.
        const int64_t G = spec.expertGroups, per = spec.experts / G;
        const at::Tensor ranks =
            std::get<0>(choice.view({N, G, per}).topk(spec.groupRankTop, -1)).sum(-1);
        const at::Tensor best = std::get<1>(ranks.topk(spec.topkGroups, -1));
        const at::Tensor groups =
            at::zeros({N, G}, choice.options().dtype(at::kBool)).scatter_(1, best, true);
        // DeepSeek-V2 zeroes the other experts' probabilities; the sigmoid routers exclude them.
        choice = choice.masked_fill(
            groups.unsqueeze(-1).expand({N, G, per}).reshape({N, -1}).logical_not(),
            sigmoid ? -INFINITY : 0.0);
    }
    auto [weights, chosen] = choice.topk(K, -1);
    if (sigmoid || l.routerBias.defined()) weights = scores.gather(1, chosen);
    if (spec.softmaxAfterTopk) {
        std::tie(weights, chosen) = routerLogits.topk(K, -1);
        weights = at::softmax(weights, -1);
    }
    if (spec.normTopk && spec.normTopkMin > 0) {
        weights = weights / weights.sum(-1, true).clamp_min(spec.normTopkMin);
    } else if (spec.normTopk) {
        weights = weights / (weights.sum(-1, true) + (sigmoid ? spec.sigmoidNormEps : 0.0));
    }
    if (spec.routedScale != 1.0) weights = weights * spec.routedScale;
    if (spec.routedInModelDtype) weights = weights.to(flat.scalar_type());

    // Pair p = token * K + choice, sorted by expert (stably: each expert sees its tokens in order).
    const at::Tensor pairExperts = chosen.reshape({-1});
    const at::Tensor order = std::get<1>(pairExperts.sort(/*stable=*/true, 0, false));
    const at::Tensor counts = at::bincount(pairExperts, {}, spec.experts).cpu();
    const int64_t* perExpert = counts.data_ptr<int64_t>();
    at::Tensor routed = flat.index_select(0, at::div(order, K, "floor"));
    const at::Tensor pairWeights = weights.reshape({-1}).index_select(0, order).unsqueeze(1);
    // Llama-4 scales each expert's input by its weight (rounded to the model's dtype).
    if (spec.moeScaleInput) routed = routed * pairWeights.to(routed.scalar_type());
    std::vector<at::Tensor> outputs;
    int64_t start = 0;
    for (int64_t e = 0; e < spec.experts; ++e) {
        const int64_t n = perExpert[e];
        if (n == 0) continue;
        const at::Tensor xe = routed.narrow(0, start, n);
        const size_t i = static_cast<size_t>(e);
        const auto bias = [&](const std::vector<at::Tensor>& b) {
            return b.empty() ? at::Tensor() : b[i];
        };
        const at::Tensor h = blocks::gatedActivation(
            spec, blocks::linear(xe, l.expertGateW[i], bias(l.expertGateB), false),
            blocks::linear(xe, l.expertUpW[i], bias(l.expertUpB), false));
        outputs.push_back(blocks::linear(h, l.expertDownW[i], bias(l.expertDownB), false));
        start += n;
    }
    const at::Tensor weighted =
        spec.moeScaleInput ? at::cat(outputs) : at::cat(outputs) * pairWeights;
    // Back to pair order (unique indices: deterministic on a GPU too), then each token's sum.
    at::Tensor out = at::empty_like(weighted)
                         .index_copy_(0, order, weighted)
                         .view({N, K, flat.size(1)})
                         .sum(1)
                         .to(flat.scalar_type());
    if (l.sharedGateW.defined()) {
        at::Tensor shared = blocks::linear(
            blocks::activate(spec.activation,
                             blocks::linear(flat, l.sharedGateW, l.sharedGateB, false)) *
                blocks::linear(flat, l.sharedUpW, l.sharedUpB, false),
            l.sharedDownW, l.sharedDownB, false);
        if (l.sharedScaleW.defined())
            shared = at::sigmoid(at::linear(flat, l.sharedScaleW)) * shared;
        out = out + shared;
    }
    return out.view(x.sizes());
}

at::Tensor CausalLM::Impl::latentAttention(const Layer& l, const at::Tensor& x,
                                           const at::Tensor& allowed, const at::Tensor& cos,
                                           const at::Tensor& sin, LayerCache* cache) const {
    const int64_t B = x.size(0), T = x.size(1), H = spec.heads;
    const int64_t nope = spec.qkNopeDim, rope = spec.qkRopeDim, vd = spec.vHeadDim;
    const at::Tensor q =
        (spec.qLoraRank > 0
             ? at::linear(rms(blocks::linear(x, l.qaW, l.qaB, false), l.qaNormW), l.qbW)
             : at::linear(x, l.qW))
            .view({B, T, H, nope + rope})
            .transpose(1, 2);
    const auto qParts = q.split({nope, rope}, -1);
    const auto kvA = blocks::linear(x, l.kvaW, l.kvaB, false).split({spec.kvLoraRank, rope}, -1);
    const auto rotate = [&](const at::Tensor& t) {
        return spec.rotaryInterleaved ? blocks::applyInterleavedRotary(t, cos, sin)
                                      : blocks::applyRotary(t, cos, sin);
    };
    const at::Tensor keyRope = rotate(kvA[1].view({B, 1, T, rope}));
    const at::Tensor kv =
        at::linear(rms(kvA[0], l.kvaNormW), l.kvbW).view({B, T, H, nope + vd}).transpose(1, 2);
    const auto kvParts = kv.split({nope, vd}, -1);
    at::Tensor keys = at::cat({kvParts[0], keyRope.expand({B, H, T, rope})}, -1);
    at::Tensor values = kvParts[1];
    if (cache) std::tie(keys, values) = cache->append(keys, values);
    const at::Tensor queries = at::cat({qParts[0], rotate(qParts[1])}, -1);
    const at::Tensor out =
        blocks::attentionSoftcapped(queries, keys, values, allowed, spec.attentionScale, 0.0);
    return blocks::linear(out.transpose(1, 2).reshape({B, T, H * vd}), l.oW, l.oB, false);
}

// cos and sin for the batch; with LongRoPE per text: the long factors for a text longer than
// longRopeContext tokens, as transformers applies them to that text alone.
std::pair<at::Tensor, at::Tensor> CausalLM::Impl::rotary(const at::Tensor& mask, int64_t T) const {
    if (spec.ropeShortFactor.empty() && spec.ropeAttentionFactor == 1.0) {
        return blocks::rotaryTables(inverseFrequencies, T, dtype);
    }
    auto [cos, sin] =
        blocks::scaledRotaryTables(inverseFrequencies, T, dtype, spec.ropeAttentionFactor);
    if (!longInverseFrequencies.defined()) return {cos, sin};
    const at::Tensor isLong = (mask.sum(1) > spec.longRopeContext).view({-1, 1, 1, 1});
    if (!isLong.any().item<bool>()) return {cos, sin};
    auto [longCos, longSin] =
        blocks::scaledRotaryTables(longInverseFrequencies, T, dtype, spec.ropeAttentionFactor);
    return {at::where(isLong, longCos, cos), at::where(isLong, longSin, sin)};
}

// In place, in the logits' dtype, as the families' references scale them.
void CausalLM::Impl::scaleLogits(at::Tensor& z) const {
    if (spec.logitScale != 1.0) z.mul_(spec.logitScale);
    if (spec.logitsDivisor != 1.0) z.div_(spec.logitsDivisor);
}

at::Tensor CausalLM::Impl::logits(const at::Tensor& h) const {
    at::Tensor out = at::linear(
        h, lmHead, lmHeadB.defined() ? c10::optional<at::Tensor>(lmHeadB) : c10::nullopt);
    scaleLogits(out);
    if (spec.finalSoftcap > 0) out = at::tanh(out / spec.finalSoftcap) * spec.finalSoftcap;
    return out;
}

}  // namespace llmap

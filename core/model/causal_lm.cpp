#include "model/causal_lm.h"

#include <ATen/Parallel.h>
#include <ATen/record_function.h>
#include <c10/core/InferenceMode.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <new>
#include <optional>
#include <regex>
#include <thread>
#include <utility>

#include "model/blocks.h"
#include "model/blocks/attention.h"
#include "model/blocks/chunked_attention.h"
#include "model/blocks/experts.h"
#include "model/blocks/experts_beside_mlp.h"
#include "model/blocks/mlp.h"
#include "model/blocks/packing.h"
#include "model/blocks/per_layer_inputs.h"
#include "model/blocks/query_temperature.h"
#include "model/cpu_kernels.h"
#include "model/device.h"
#include "model/gguf_model.h"
#include "model/model_source.h"
#include "model/packed_linear.h"
#include "model/registry.h"
#include "model/tensor_store.h"
#include "util/error.h"
#include "util/json_file.h"
#include "util/memory.h"

namespace fs = std::filesystem;

namespace llmap {

namespace {

// LLMAP_PACK_TEXTS=0 (for benchmarks): run padded batches as they come.
bool packingWanted() {
    static const bool packs = [] {
        const char* v = std::getenv("LLMAP_PACK_TEXTS");
        return !v || std::string(v) != "0";
    }();
    return packs;
}

struct Layer {
    at::Tensor inputNormW, inputNormB, postNormW, postNormB;
    int64_t window = 0;
    bool localRope = false;  // rotates with the local rotary (Gemma-3's sliding layers)
    bool chunked = false;    // attends within its chunk of positions (chunked attention)
    blocks::AttentionWeights attention;
    // Gemma, Phi, OLMo and mixture-of-experts variants
    at::Tensor preMlpNormW, postMlpNormW;
    blocks::MlpWeights mlp;
    blocks::ExpertWeights experts;  // routed experts in place of the MLP
    // Gemma-4: the layer whose keys and values it attends to (its own index unless
    // attention.sharesKv); whether later layers read its keys and values; the stream's scalar;
    // per-layer input weights; experts beside the MLP.
    int64_t kvSource = 0;
    bool kvRead = false;
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
    // fp32 on a CPU whose products are oneDNN's: each slice of the output layer is packed for
    // oneDNN as it is used (1.6-1.9x libtorch's MKL product on an AMD EPYC; packed once at load,
    // 1.1x more, for another copy of the output layer's weight).
    bool headOnOneDnn = false;

    // With `cache`: ids [B, T] without padding that follow the cache's `length` earlier tokens;
    // their keys and values are appended to the cache.
    at::Tensor hidden(const at::Tensor& ids, const at::Tensor& mask,
                      DecodeState* cache = nullptr) const;
    // A host tensor on the model's device: pinned and copied without waiting on a GPU.
    at::Tensor toDevice(const at::Tensor& host) const;
    // Whether right-padded batches run packed (blocks::Packing): on the CPU, as asked.
    bool packs() const { return device.is_cpu() && packingWanted(); }
    at::Tensor mlpBlock(const Layer& l, const at::Tensor& x) const;
    at::Tensor normed(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) const;
    at::Tensor rms(const at::Tensor& x, const at::Tensor& w) const;
    // x += y in place, then normed(x, w, b): in one pass for an RMSNorm on the CPU.
    at::Tensor addNormed(at::Tensor& x, const at::Tensor& y, const at::Tensor& w,
                         const at::Tensor& b) const;
    std::pair<at::Tensor, at::Tensor> rotary(const at::Tensor& hostMask, int64_t T) const;
    at::Tensor logits(const at::Tensor& h) const;
    void finishLogits(at::Tensor& z) const;
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

// DeepSeek-V2's multi-head latent attention projections.
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

// libtorch 1.13's CPU allocator reports a failed allocation as a plain c10::Error.
bool outOfMemory(const c10::Error& e) {
    const std::string what = e.what_without_backtrace();
    return dynamic_cast<const c10::OutOfMemoryError*>(&e) ||
           what.find("out of memory") != std::string::npos ||
           what.find("not enough memory") != std::string::npos;
}

// libtorch's error while loading (on a GPU, most often its memory running out while the weights
// are copied or stacked), said without its C++ backtrace.
[[noreturn]] void throwLoadFailure(const std::string& folder, const std::string& device,
                                   const std::string& what, bool ranOutOfMemory) {
    if (ranOutOfMemory) {
        const bool gpu = device.rfind("cuda", 0) == 0;
        throw Error("out of memory while loading the weights: " + what, folder,
                    gpu ? "score it in bf16 (--dtype bf16), on a GPU with more free memory "
                          "(--device cuda:N), or on the CPU (--device cpu)"
                        : "close other programs, or score it in bf16 (--dtype bf16)");
    }
    throw Error("libtorch failed while loading the weights: " + what, folder,
                "check that the folder's weight files match its config.json");
}

// Rows per product that packed weights are laid out for: about a batch's tokens.
constexpr int64_t kPackedRows = 2048;

// The attention's and the dense MLP's weights packed for oneDNN (packed_linear.h), in place of the
// plain ones; in fp32 the experts' too, whose products would otherwise be libtorch's own, MKL's,
// which runs at about half oneDNN's rate on a CPU that is not Intel's (in bf16 libtorch's products
// are oneDNN's already, and packed experts were slower: 0.88x). Not the output layer, which runs
// one slice of its rows at a time (kHeadSlice).
void packForCpu(const ArchSpec& s, at::ScalarType dtype, std::vector<Layer>& layers) {
    const auto pack = [](at::Tensor& w, bool conv1d) {
        if (w.defined()) w = packed::pack(conv1d ? w.t() : w, kPackedRows);
    };
    for (Layer& l : layers) {
        for (at::Tensor* w :
             {&l.attention.qkvW, &l.attention.oW, &l.mlp.gateW, &l.mlp.upW, &l.mlp.downW})
            pack(*w, s.conv1d);
        if (dtype != at::kFloat || !l.experts.defined()) continue;
        for (auto* perExpert : {&l.experts.gateW, &l.experts.upW, &l.experts.downW}) {
            for (at::Tensor& w : *perExpert) pack(w, false);
        }
        for (at::Tensor* w : {&l.experts.sharedGateW, &l.experts.sharedUpW, &l.experts.sharedDownW})
            pack(*w, false);
    }
}

}  // namespace

std::unique_ptr<CausalLM> CausalLM::load(const std::string& path, const LoadOptions& options) {
    return load(openModelSource(path), options);
}

std::unique_ptr<CausalLM> CausalLM::load(const ModelSource& source,
                                         const LoadOptions& options) try {
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
        l.attention.noRope = !s.noRopeLayers.empty() && s.noRopeLayers.at(static_cast<size_t>(i));
        const auto ui = static_cast<size_t>(i);
        l.attention.headDim = s.layerHeadDims.empty() ? s.headDim : s.layerHeadDims.at(ui);
        l.attention.kvHeads = s.layerKvHeads.empty() ? s.kvHeads : s.layerKvHeads.at(ui);
        l.kvSource = s.kvSourceLayers.empty() ? i : s.kvSourceLayers.at(ui);
        l.attention.sharesKv = l.kvSource != i;
        l.attention.valueFromKey = !s.valueFromKeyLayers.empty() && s.valueFromKeyLayers.at(ui);
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
        if (!mixes || s.mixerWithAttention)
            blocks::loadAttentionWeights(layerWeights(w, i), s, l.attention);
        loadGemma4Extras(w, s, i, l);
        const int64_t I =
            s.layerIntermediates.empty() ? s.intermediate : s.layerIntermediates.at(ui);
        const bool denseMlp =
            !s.denseMlpLayers.empty() && s.denseMlpLayers.at(static_cast<size_t>(i));
        if (s.experts > 0 && !s.expertsBesideMlp && i >= s.denseLayers && !denseMlp) {
            l.experts = blocks::loadExperts(layerWeights(w, i), s);
            impl->layers.push_back(std::move(l));
            continue;
        }
        l.mlp = blocks::loadMlp(layerWeights(w, i), s, I);
        impl->layers.push_back(std::move(l));
    }
    for (const Layer& l : impl->layers) {
        if (l.attention.sharesKv) impl->layers.at(static_cast<size_t>(l.kvSource)).kvRead = true;
    }
    if (s.perLayerInputDim > 0) {
        const int64_t all = s.layers * s.perLayerInputDim;
        impl->perLayerInputs = {w.base(blocks::kPerLayerTable, {s.perLayerVocab, all}),
                                w.base(blocks::kPerLayerProjection, {all, D}),
                                w.base(blocks::kPerLayerProjectionNorm, {s.perLayerInputDim})};
    }
    if (impl->device.is_cpu() && packed::preferred(impl->dtype)) {
        packForCpu(s, impl->dtype, impl->layers);
        impl->headOnOneDnn = impl->dtype == at::kFloat;
    }
    impl->copied = store.copiedBytes();
    return std::unique_ptr<CausalLM>(new CausalLM(std::move(impl)));
} catch (const c10::Error& e) {
    throwLoadFailure(source.path, options.device, e.what_without_backtrace(), outOfMemory(e));
} catch (const std::bad_alloc&) {
    throwLoadFailure(source.path, "cpu", "out of host memory", true);
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

at::Tensor CausalLM::Impl::mlpBlock(const Layer& l, const at::Tensor& x) const {
    return l.experts.defined() ? blocks::experts(l.experts, spec, x) : blocks::mlp(l.mlp, spec, x);
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
    // Padding may hold any id; only real tokens must be inside the vocabulary. Ids that are all
    // inside it go on as they came (for a GPU already pinned by the scorer): no copy.
    at::Tensor hostIds = idsIn.to(at::kLong).cpu();
    const int64_t vocabulary = embed.size(0);
    bool copied = false;
    if (hostIds.min().item<int64_t>() < 0 || hostIds.max().item<int64_t>() >= vocabulary) {
        hostIds = at::where(hostMask.to(at::kBool), hostIds, at::zeros({}, hostMask.options()));
        copied = true;
        const int64_t lo = hostIds.min().item<int64_t>(), hi = hostIds.max().item<int64_t>();
        if (lo < 0 || hi >= vocabulary) {
            throw InputError("token id " + std::to_string(lo < 0 ? lo : hi) +
                                 " is outside the vocabulary of " + std::to_string(vocabulary),
                             "forward", "tokenize with this model's own tokenizer");
        }
    }
    for (const int64_t id : spec.placeholderIds) {
        const at::Tensor hit = hostIds == id;
        if (!hit.any().item<bool>()) continue;
        if (!std::exchange(copied, true)) hostIds = hostIds.clone();  // the caller's stay as given
        hostIds.masked_fill_(hit, spec.placeholderPad);
    }
    const at::Tensor mask = toDevice(hostMask);
    const at::Tensor ids = toDevice(hostIds);
    // Right-padded texts need no mask for causal attention: no real token reaches a padded one.
    const bool rightPadded =
        T < 2 || (hostMask.narrow(1, 1, T - 1) <= hostMask.narrow(1, 0, T - 1)).all().item<bool>();
    // On the CPU, the real tokens of right-padded texts go through the token-wise steps packed.
    std::optional<blocks::Packing> packing;
    if (!cache && packs() && rightPadded && hostMask.sum().item<int64_t>() < hostMask.numel()) {
        packing.emplace(hostMask, device);
    }
    const at::Tensor tokens = packing ? packing->pack(ids) : ids;

    at::Tensor x = at::embedding(embed, tokens);
    if (projectInW.defined()) x = blocks::linear(x, projectInW, {}, false);
    if (spec.embedScale > 0) x = x * at::scalar_tensor(spec.embedScale, x.options());
    if (spec.embedMultiplier != 1.0) x = x * spec.embedMultiplier;
    if (spec.positions == Positions::Learned) {
        x = x + (packing ? positions.index_select(0, packing->positions() + spec.positionOffset)
                         : positions.narrow(0, spec.positionOffset + past, T))
                    .unsqueeze(0);
    }
    if (embedNormW.defined()) x = normed(x, embedNormW, embedNormB);
    const blocks::WeightedNorm norm = [this](const at::Tensor& t, const at::Tensor& w) {
        return rms(t, w);
    };
    at::Tensor perLayer;  // [B, T, layers, dim]
    if (spec.perLayerInputDim > 0) {
        perLayer = blocks::perLayerInputs(perLayerInputs, tokens, x, spec.layers,
                                          spec.perLayerInputDim, norm);
    }
    at::Tensor cos, sin, alibi;
    // The rotary tables of positions past..total-1 (LongRoPE, whose tables depend on the whole
    // text, never decodes with a cache: see decodesWithCache).
    const auto lastRows = [&](std::pair<at::Tensor, at::Tensor> tables) {
        if (past == 0) return tables;
        return std::make_pair(tables.first.narrow(-2, past, T), tables.second.narrow(-2, past, T));
    };
    if (spec.positions == Positions::Rotary) std::tie(cos, sin) = lastRows(rotary(hostMask, total));
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
    const blocks::Packing* packed = packing ? &*packing : nullptr;
    at::Tensor pending;  // the last MLP's output, added to x by the next norm
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
            queryScale.defined() && (!spec.queryTemperatureNoRopeOnly || l.attention.noRope);
        const at::Tensor none;
        const at::Tensor& layerCos = l.attention.noRope ? none : l.localRope ? localCos : cos;
        const at::Tensor& layerSin = l.attention.noRope ? none : l.localRope ? localSin : sin;
        const auto source = static_cast<size_t>(l.kvSource);
        LayerCache* layerCache = cache                              ? &cache->layers[source]
                                 : l.kvRead || l.attention.sharesKv ? &shared.at(source)
                                                                    : nullptr;
        const auto attend = [&](const at::Tensor& in) {
            if (!l.mixer)
                return blocks::attention(l.attention, spec, in, allowed, layerCos, layerSin, alibi,
                                         layerCache, tempered ? queryScale : at::Tensor(), packed);
            at::Tensor mixed = l.mixer->forward(packed ? packed->unpack(in) : in, mask,
                                                layerCache ? &layerCache->mixer : nullptr);
            if (packed) mixed = packed->pack(mixed);
            if (!spec.mixerWithAttention) return mixed;
            const at::Tensor attnIn =
                spec.attentionInMultiplier == 1.0 ? in : in * spec.attentionInMultiplier;
            const at::Tensor attended =
                blocks::attention(l.attention, spec, attnIn, allowed, layerCos, layerSin, alibi,
                                  layerCache, tempered ? queryScale : at::Tensor(), packed);
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
        const at::Tensor a =
            pending.defined() ? addNormed(x, std::exchange(pending, {}), l.inputNormW, l.inputNormB)
                              : normed(x, l.inputNormW, l.inputNormB);
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
            const at::Tensor m = addNormed(x, scaled(attend(a)), l.postNormW, l.postNormB);
            pending = scaled(mlpBlock(l, m));
            if (perLayer.defined() || l.scalar.defined()) x.add_(std::exchange(pending, {}));
        }
        if (perLayer.defined()) {
            x = blocks::addPerLayerInput(x, perLayer.select(2, static_cast<int64_t>(i)), l.pleGate,
                                         l.pleOut, l.pleNorm, spec.activation, norm);
        }
        if (l.scalar.defined()) x = x * l.scalar;
    }
    if (finalNormW.defined() || !spec.normAffine) {
        x = pending.defined() ? addNormed(x, pending, finalNormW, finalNormB)
                              : normed(x, finalNormW, finalNormB);
    } else if (pending.defined()) {
        x.add_(pending);
    }
    if (projectOutW.defined()) x = blocks::linear(x, projectOutW, {}, false);
    if (cache) cache->length = total;
    return packing ? packing->unpack(x) : x;
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
        if (outOfMemory(e)) {
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

bool CausalLM::packsTexts() const {
    return impl_->packs();
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
// The output layer on the CPU: one slice of kHeadSlice rows of its weight at a time, over up to
// kHeadRows tokens. Each product is then large, the weight slice is laid out once for all those
// tokens, and the slice's logits (at most 32 MB in fp32) are read by the log-softmax soon after
// they are written. Measured on a 2-core Xeon: Gemma-3's output layer over 1,024 tokens 1.3x
// (fp32) to 2.3x (bf16) as fast as one product of the whole weight, and no faster packed there
// (libtorch's MKL product); on an AMD EPYC, fp32 slices packed as they are used ran 1.6-1.9x
// MKL's product (headOnOneDnn).
constexpr int64_t kHeadRows = 1024, kHeadSlice = 8192;

// On a GPU, values per chunk of fp32 logits (LLMAP_LOGIT_CHUNK, for
// benchmarks): a bound on the memory of one chunk's logits.
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
    std::vector<at::Tensor> pieces;
    if (device.is_cpu() && kernels::SlicedTargetLogSoftmax::takes(selected.scalar_type())) {
        RECORD_USER_SCOPE("llmap::head_logsumexp");
        const int64_t rowsTotal = selected.size(0);
        const int64_t width = std::min(kHeadSlice, V);
        const at::Tensor buffer =
            headOnOneDnn ? at::Tensor()
                         : at::empty({std::min(kHeadRows, rowsTotal) * width}, selected.options());
        for (int64_t start = 0; start < rowsTotal; start += kHeadRows) {
            const int64_t len = std::min(kHeadRows, rowsTotal - start);
            const at::Tensor x = selected.narrow(0, start, len);
            kernels::SlicedTargetLogSoftmax logSoftmax(selectedTargets.narrow(0, start, len));
            for (int64_t first = 0; first < V; first += width) {
                const int64_t w = std::min(width, V - first);
                const at::Tensor weight = lmHead.narrow(0, first, w);
                const at::Tensor bias =
                    lmHeadB.defined() ? lmHeadB.narrow(0, first, w) : at::Tensor();
                at::Tensor z;
                if (headOnOneDnn) {
                    z = packed::linear(x, packed::pack(weight, len), bias);
                } else {
                    z = buffer.narrow(0, 0, len * w).view({len, w});
                    if (bias.defined()) {
                        at::addmm_out(z, bias, x, weight.t());
                    } else {
                        at::mm_out(z, x, weight.t());
                    }
                }
                finishLogits(z);
                logSoftmax.add(z, first);
            }
            pieces.push_back(logSoftmax.result());
        }
        out.index_copy_(0, rows, at::cat(pieces));
        return out.view(targets.sizes()).cpu();
    }
    // Rows per chunk so that one chunk of fp32 logits stays near LLMAP_LOGIT_CHUNK values.
    const int64_t chunk = std::max<int64_t>(1, logitChunkValues() / V);
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
    return blocks::specRms(spec, x, w);
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

at::Tensor CausalLM::Impl::addNormed(at::Tensor& x, const at::Tensor& y, const at::Tensor& w,
                                     const at::Tensor& b) const {
    if (spec.normAffine && spec.norm == NormKind::RMS) return blocks::specAddRms(spec, x, y, w);
    x.add_(y);
    return normed(x, w, b);
}

// cos and sin for the batch; with LongRoPE per text: the long factors for a text longer than
// longRopeContext tokens, as transformers applies them to that text alone. The texts' lengths come
// from the host's mask, so that choosing the tables never waits for a GPU.
std::pair<at::Tensor, at::Tensor> CausalLM::Impl::rotary(const at::Tensor& hostMask,
                                                         int64_t T) const {
    if (spec.ropeShortFactor.empty() && spec.ropeAttentionFactor == 1.0) {
        return blocks::rotaryTables(inverseFrequencies, T, dtype);
    }
    auto [cos, sin] =
        blocks::scaledRotaryTables(inverseFrequencies, T, dtype, spec.ropeAttentionFactor);
    if (!longInverseFrequencies.defined()) return {cos, sin};
    const at::Tensor hostIsLong = hostMask.sum(1) > spec.longRopeContext;
    if (!hostIsLong.any().item<bool>()) return {cos, sin};
    const at::Tensor isLong = toDevice(hostIsLong).view({-1, 1, 1, 1});
    auto [longCos, longSin] =
        blocks::scaledRotaryTables(longInverseFrequencies, T, dtype, spec.ropeAttentionFactor);
    return {at::where(isLong, longCos, cos), at::where(isLong, longSin, sin)};
}

// In place, in the logits' dtype, as the families' references scale them.
// The output layer's scale, divisor and final soft cap, in place (the same roundings as
// out-of-place operators).
void CausalLM::Impl::finishLogits(at::Tensor& z) const {
    if (spec.logitScale != 1.0) z.mul_(spec.logitScale);
    if (spec.logitsDivisor != 1.0) z.div_(spec.logitsDivisor);
    if (spec.finalSoftcap > 0) z.div_(spec.finalSoftcap).tanh_().mul_(spec.finalSoftcap);
}

at::Tensor CausalLM::Impl::logits(const at::Tensor& h) const {
    at::Tensor out = blocks::linear(h, lmHead, lmHeadB, false);
    finishLogits(out);
    return out;
}

}  // namespace llmap

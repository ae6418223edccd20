#include "model/causal_lm.h"

#include <ATen/Parallel.h>
#include <c10/core/InferenceMode.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <new>
#include <thread>

#include "model/blocks.h"
#include "model/gguf_model.h"
#include "model/json_file.h"
#include "model/registry.h"
#include "model/tensor_store.h"
#include "util/error.h"

namespace fs = std::filesystem;

namespace llmap {

namespace {

struct Layer {
    at::Tensor inputNormW, inputNormB, postNormW, postNormB;
    at::Tensor qW, qB, kW, kB, vW, vB, qkvW, qkvB, oW, oB, qNormW, kNormW;
    at::Tensor gateW, gateB, upW, upB, downW, downB;
    int64_t window = 0;
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

at::Device parseDevice(const std::string& name) {
    if (name.rfind("cuda", 0) == 0) {
        if (!at::hasCUDA()) {
            throw InputError("device \"" + name +
                                 "\" asked for but this libtorch has no CUDA "
                                 "(or no GPU is visible)",
                             "--device", "use --device cpu or a CUDA build of libtorch");
        }
        return at::Device(name);
    }
    if (name == "cpu") return at::Device(at::kCPU);
    throw InputError("device \"" + name + "\" is not known", "--device", "use cpu or cuda[:N]");
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
    std::vector<Layer> layers;

    at::Tensor hidden(const at::Tensor& ids, const at::Tensor& mask) const;
    at::Tensor attentionBlock(const Layer& l, const at::Tensor& x, const at::Tensor& allowed,
                              const at::Tensor& cos, const at::Tensor& sin) const;
    at::Tensor mlpBlock(const Layer& l, const at::Tensor& x) const;
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
        const std::string full = names_.basePrefix + relative;
        if (store_.has(full) || !store_.has(relative)) return full;
        return relative;
    }
    at::Tensor base(const std::string& relative, const std::vector<int64_t>& shape) const {
        return store_.get(resolve(relative), shape);
    }
    at::Tensor layer(int64_t i, const std::string& relative,
                     const std::vector<int64_t>& shape) const {
        return base(names_.layerPrefix + std::to_string(i) + "." + relative, shape);
    }

private:
    const TensorStore& store_;
    const WeightNames& names_;
};

std::vector<int64_t> linearShape(int64_t out, int64_t in, bool conv1d) {
    return conv1d ? std::vector<int64_t>{in, out} : std::vector<int64_t>{out, in};
}

}  // namespace

std::unique_ptr<CausalLM> CausalLM::load(const std::string& folder, const LoadOptions& options) {
    setThreadsOnce();
    c10::InferenceMode guard;
    std::shared_ptr<const GgufModel> gguf;
    std::string configPath = (fs::path(folder) / "config.json").string();
    nlohmann::json config;
    if (isGgufFile(folder)) {
        gguf = std::make_shared<const GgufModel>(openGgufModel(folder));
        config = gguf->config;
        configPath = folder;
    } else {
        if (!fs::exists(configPath)) {
            throw InputError("config.json is missing", folder,
                             "a Hugging Face model folder needs its config.json");
        }
        config = readJsonFile(configPath);
    }
    auto impl = std::make_unique<Impl>();
    impl->spec = archSpecFromConfig(config, configPath);
    impl->dtype = parseDtype(options.dtype, config, configPath);
    impl->device = parseDevice(options.device);
    requireKernels(impl->dtype, impl->device);
    const ArchSpec& s = impl->spec;
    const WeightNames& n = s.names;

    const TensorStore store = gguf ? TensorStore(gguf, impl->dtype, impl->device)
                                   : TensorStore(folder, impl->dtype, impl->device);
    WeightBinder w(store, n);
    const int64_t D = s.hidden, hd = s.headDim, qOut = s.heads * hd, kvOut = s.kvHeads * hd;
    const bool layerNorm = s.norm == NormKind::Layer;

    impl->embed = w.base(n.embed, {s.vocab, D});
    if (s.positions == Positions::Learned) impl->positions = w.base(n.positions, {s.context, D});
    impl->finalNormW = w.base(n.finalNorm + ".weight", {D});
    if (layerNorm) impl->finalNormB = w.base(n.finalNorm + ".bias", {D});
    if (s.tiedEmbeddings) {
        impl->lmHead = impl->embed;
    } else {
        impl->lmHead = store.get(n.lmHead, {s.vocab, D});
    }
    if (s.positions == Positions::Rotary) {
        impl->inverseFrequencies = blocks::rotaryInverseFrequencies(s.rope).to(impl->device);
    }

    for (int64_t i = 0; i < s.layers; ++i) {
        Layer l;
        l.window = s.slidingWindow.at(static_cast<size_t>(i));
        l.inputNormW = w.layer(i, n.inputNorm + ".weight", {D});
        l.postNormW = w.layer(i, n.postNorm + ".weight", {D});
        if (layerNorm) {
            l.inputNormB = w.layer(i, n.inputNorm + ".bias", {D});
            l.postNormB = w.layer(i, n.postNorm + ".bias", {D});
        }
        if (s.qkvLayout == QkvLayout::Separate) {
            l.qW = w.layer(i, n.q + ".weight", {qOut, D});
            l.kW = w.layer(i, n.k + ".weight", {kvOut, D});
            l.vW = w.layer(i, n.v + ".weight", {kvOut, D});
            if (s.qkvBias) {
                l.qB = w.layer(i, n.q + ".bias", {qOut});
                l.kB = w.layer(i, n.k + ".bias", {kvOut});
                l.vB = w.layer(i, n.v + ".bias", {kvOut});
            }
        } else {
            const int64_t fused = qOut + 2 * kvOut;
            l.qkvW = w.layer(i, n.qkv + ".weight", linearShape(fused, D, s.conv1d));
            if (s.qkvBias) l.qkvB = w.layer(i, n.qkv + ".bias", {fused});
        }
        l.oW = w.layer(i, n.o + ".weight", linearShape(D, qOut, s.conv1d));
        if (s.oBias) l.oB = w.layer(i, n.o + ".bias", {D});
        if (s.qkNorm) {
            l.qNormW = w.layer(i, n.qNorm + ".weight", {hd});
            l.kNormW = w.layer(i, n.kNorm + ".weight", {hd});
        }
        const int64_t I = s.intermediate;
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
        impl->layers.push_back(std::move(l));
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
                                          const at::Tensor& sin) const {
    const int64_t B = x.size(0), T = x.size(1), hd = spec.headDim;
    at::Tensor q, k, v;  // [B, T, heads, hd]
    if (spec.qkvLayout == QkvLayout::Separate) {
        q = blocks::linear(x, l.qW, l.qB, false).view({B, T, spec.heads, hd});
        k = blocks::linear(x, l.kW, l.kB, false).view({B, T, spec.kvHeads, hd});
        v = blocks::linear(x, l.vW, l.vB, false).view({B, T, spec.kvHeads, hd});
    } else {
        const at::Tensor qkv = blocks::linear(x, l.qkvW, l.qkvB, spec.conv1d);
        if (spec.qkvLayout == QkvLayout::FusedStacked) {
            const auto parts =
                qkv.split({spec.heads * hd, spec.kvHeads * hd, spec.kvHeads * hd}, -1);
            q = parts[0].view({B, T, spec.heads, hd});
            k = parts[1].view({B, T, spec.kvHeads, hd});
            v = parts[2].view({B, T, spec.kvHeads, hd});
        } else {  // per head: [q | k | v] for each head
            const auto parts = qkv.view({B, T, spec.heads, 3 * hd}).chunk(3, -1);
            q = parts[0];
            k = parts[1];
            v = parts[2];
        }
    }
    if (spec.qkNorm) {
        q = blocks::rmsNorm(q, l.qNormW, spec.normEps);
        k = blocks::rmsNorm(k, l.kNormW, spec.normEps);
    }
    q = q.transpose(1, 2);
    k = k.transpose(1, 2);
    v = v.transpose(1, 2);
    if (cos.defined()) {
        q = blocks::applyRotary(q, cos, sin);
        k = blocks::applyRotary(k, cos, sin);
    }
    const at::Tensor out = blocks::attention(q, k, v, allowed);  // [B, heads, T, hd]
    return blocks::linear(out.transpose(1, 2).reshape({B, T, spec.heads * hd}), l.oW, l.oB,
                          spec.conv1d);
}

at::Tensor CausalLM::Impl::mlpBlock(const Layer& l, const at::Tensor& x) const {
    at::Tensor h;
    if (spec.gatedMlp) {
        h = blocks::activate(spec.activation, blocks::linear(x, l.gateW, l.gateB, spec.conv1d)) *
            blocks::linear(x, l.upW, l.upB, spec.conv1d);
    } else {
        h = blocks::activate(spec.activation, blocks::linear(x, l.upW, l.upB, spec.conv1d));
    }
    return blocks::linear(h, l.downW, l.downB, spec.conv1d);
}

at::Tensor CausalLM::Impl::hidden(const at::Tensor& idsIn, const at::Tensor& maskIn) const {
    if (idsIn.dim() != 2 || maskIn.sizes() != idsIn.sizes()) {
        throw InputError("token ids and attention mask must both be [batch, tokens]", "forward",
                         "pass 2-D tensors of the same shape");
    }
    const int64_t T = idsIn.size(1);
    if (T == 0 || idsIn.size(0) == 0) {
        throw InputError("empty batch", "forward", "pass at least one token");
    }
    if (spec.positions == Positions::Learned && T > spec.context) {
        throw InputError(
            std::to_string(T) + " tokens exceed the context of " + std::to_string(spec.context),
            "forward", "cut texts to the model's context length");
    }
    const at::Tensor mask = maskIn.to(device, at::kLong);
    // Padding may hold any id; only real tokens must be inside the vocabulary.
    const at::Tensor ids =
        at::where(mask.to(at::kBool), idsIn.to(device, at::kLong), at::zeros({}, mask.options()));
    const int64_t lo = ids.min().item<int64_t>(), hi = ids.max().item<int64_t>();
    if (lo < 0 || hi >= embed.size(0)) {
        throw InputError("token id " + std::to_string(lo < 0 ? lo : hi) +
                             " is outside the vocabulary of " + std::to_string(embed.size(0)),
                         "forward", "tokenize with this model's own tokenizer");
    }

    at::Tensor x = at::embedding(embed, ids);
    if (spec.positions == Positions::Learned) {
        x = x + positions.narrow(0, 0, T).unsqueeze(0);
    }
    at::Tensor cos, sin;
    if (spec.positions == Positions::Rotary) {
        std::tie(cos, sin) = blocks::rotaryTables(inverseFrequencies, T, dtype);
    }
    std::map<int64_t, at::Tensor> allowedByWindow;
    for (const Layer& l : layers) {
        auto it = allowedByWindow.find(l.window);
        if (it == allowedByWindow.end()) {
            it = allowedByWindow.emplace(l.window, blocks::attentionAllowed(mask, l.window)).first;
        }
        const at::Tensor& allowed = it->second;
        const at::Tensor a = blocks::norm(spec.norm, x, l.inputNormW, l.inputNormB, spec.normEps);
        if (spec.parallelResidual) {
            const at::Tensor m = blocks::norm(spec.norm, x, l.postNormW, l.postNormB, spec.normEps);
            x = attentionBlock(l, a, allowed, cos, sin) + mlpBlock(l, m) + x;
        } else {
            x = x + attentionBlock(l, a, allowed, cos, sin);
            x = x + mlpBlock(l, blocks::norm(spec.norm, x, l.postNormW, l.postNormB, spec.normEps));
        }
    }
    return blocks::norm(spec.norm, x, finalNormW, finalNormB, spec.normEps);
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
    return guarded(impl_->spec,
                   [&] { return at::linear(impl_->hidden(ids, attentionMask), impl_->lmHead); });
}

at::Tensor CausalLM::targetLogProbs(const at::Tensor& ids, const at::Tensor& attentionMask,
                                    const at::Tensor& targets) const {
    return guarded(impl_->spec, [&] { return impl_->logProbs(ids, attentionMask, targets); });
}

at::Tensor CausalLM::Impl::logProbs(const at::Tensor& ids, const at::Tensor& attentionMask,
                                    const at::Tensor& targets) const {
    if (targets.sizes() != ids.sizes()) {
        throw InputError("targets must have the shape of the token ids", "targetLogProbs",
                         "pass [batch, tokens] targets, -1 where nothing is scored");
    }
    const at::Tensor h = hidden(ids, attentionMask);
    const int64_t D = h.size(-1), V = lmHead.size(0);
    const at::Tensor flatTargets = targets.to(device, at::kLong).reshape({-1});
    const at::Tensor rows = at::nonzero(flatTargets >= 0).reshape({-1});
    at::Tensor out = at::zeros({flatTargets.size(0)}, h.options().dtype(at::kFloat));
    if (rows.numel() == 0) return out.view(targets.sizes()).cpu();
    const at::Tensor selectedTargets = flatTargets.index_select(0, rows);
    if (selectedTargets.max().item<int64_t>() >= V) {
        throw InputError("target id outside the vocabulary of " + std::to_string(V),
                         "targetLogProbs", "tokenize with this model's own tokenizer");
    }
    const at::Tensor selected = h.reshape({-1, D}).index_select(0, rows);
    // Rows per chunk so that one chunk of fp32 logits stays near 64 M values (256 MB).
    const int64_t chunk = std::max<int64_t>(1, (int64_t(1) << 26) / V);
    std::vector<at::Tensor> pieces;
    for (int64_t start = 0; start < selected.size(0); start += chunk) {
        const int64_t len = std::min(chunk, selected.size(0) - start);
        const at::Tensor logits = at::linear(selected.narrow(0, start, len), lmHead).to(at::kFloat);
        const at::Tensor t = selectedTargets.narrow(0, start, len).unsqueeze(1);
        pieces.push_back(logits.gather(1, t).squeeze(1) - at::logsumexp(logits, {1}));
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

}  // namespace llmap

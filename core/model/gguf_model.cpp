#include "model/gguf_model.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "model/gguf_architectures.h"
#include "model/gguf_quants.h"
#include "model/registry.h"
#include "util/error.h"

namespace fs = std::filesystem;

namespace llmap {

namespace {

const char* kReconvert = "convert the model to GGUF again (llama.cpp's convert_hf_to_gguf.py)";

[[noreturn]] void fail(const GgufFile& f, const std::string& what, const std::string& fix) {
    throw InputError(what, f.path(), fix);
}

std::string supportedArchitectureList() {
    std::string s;
    for (const auto& a : supportedGgufArchitectures()) s += (s.empty() ? "" : ", ") + a;
    return s;
}

// Elements of a tensor; InputError for a zero or absurd dimension.
int64_t elementsOf(const GgufFile& f, const GgufTensorInfo& t) {
    if (t.dims.empty()) fail(f, "tensor \"" + t.name + "\" has no dimensions", kReconvert);
    uint64_t n = 1;
    for (uint64_t d : t.dims) {
        if (d == 0 || d > (uint64_t(1) << 40) || n > (uint64_t(1) << 40) / d) {
            fail(f, "tensor \"" + t.name + "\" has an absurd shape", "download the file again");
        }
        n *= d;
    }
    return static_cast<int64_t>(n);
}

// Type known and dequantisable, rows whole blocks, data inside the file.
const GgmlType& checkTensor(const GgufFile& f, const GgufTensorInfo& t, int64_t elements) {
    const GgmlType* type = ggmlType(t.type);
    if (!type) {
        fail(f, "tensor \"" + t.name + "\" has unknown quantisation type " + std::to_string(t.type),
             "LLMap reads " + supportedGgmlTypes() + ": re-quantise the model to one of them");
    }
    if (!type->supported) {
        fail(
            f,
            "tensor \"" + t.name + "\" is quantised as " + type->name + ", which LLMap cannot read",
            "re-quantise the model to one of " + supportedGgmlTypes());
    }
    if (t.dims[0] % static_cast<uint64_t>(type->blockElements) != 0) {
        fail(f,
             "tensor \"" + t.name + "\" has rows of " + std::to_string(t.dims[0]) +
                 " values, not whole " + type->name + " blocks of " +
                 std::to_string(type->blockElements),
             "download the file again");
    }
    const uint64_t bytes = ggmlBytes(*type, static_cast<uint64_t>(elements));
    const uint64_t size = f.fileSize(), begin = f.dataOffset();
    if (t.offset > size || begin > size - t.offset || bytes > size - begin - t.offset) {
        fail(f,
             "tensor \"" + t.name + "\" lies past the end of the file (offset " +
                 std::to_string(t.offset) + " + " + std::to_string(bytes) + " bytes after byte " +
                 std::to_string(begin) + "; the file has " + std::to_string(size) + ")",
             "the file is truncated or damaged: download it again");
    }
    if (t.offset % f.alignment() != 0) {
        fail(f,
             "tensor \"" + t.name + "\" is not aligned to " + std::to_string(f.alignment()) +
                 " bytes",
             "download the file again");
    }
    return *type;
}

std::string shapeText(const GgufTensorInfo& t) {
    std::string s;
    for (uint64_t d : t.dims) s += (s.empty() ? "" : " x ") + std::to_string(d);
    return s;
}

// The writer lays tensors out one after the other, each padded to the alignment: in offset
// order, a tensor's bytes (as its type and shape declare them) padded must reach the next
// tensor's offset exactly, and the last must end in the file's final padding. A type or shape
// that disagrees with the data shows here, before any weight is read.
void checkDataSizes(const GgufFile& f) {
    const auto& tensors = f.tensors();
    std::vector<size_t> order(tensors.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return tensors[a].offset < tensors[b].offset; });
    const uint64_t dataSize = f.fileSize() - f.dataOffset();
    for (size_t k = 0; k < order.size(); ++k) {
        const GgufTensorInfo& t = tensors[order[k]];
        const GgmlType& type = *ggmlType(t.type);
        const uint64_t bytes = ggmlBytes(type, static_cast<uint64_t>(elementsOf(f, t)));
        const uint64_t padded = (bytes + f.alignment() - 1) / f.alignment() * f.alignment();
        const bool last = k + 1 == order.size();
        const uint64_t room = (last ? dataSize : tensors[order[k + 1]].offset) - t.offset;
        if (last ? room >= bytes && room <= padded : room == padded) continue;
        fail(f,
             "tensor \"" + t.name + "\" is declared " + type.name + " with " + shapeText(t) +
                 " values (" + std::to_string(bytes) + " bytes), but the file holds " +
                 std::to_string(room) + " bytes for it (up to " +
                 (last ? std::string("the end of the file")
                       : "tensor \"" + tensors[order[k + 1]].name + "\"") +
                 ")",
             "the tensor directory disagrees with the data: convert or download the file again");
    }
}

// rope.scaling.* of a YaRN file as transformers' rope_scaling; llama.cpp's own attention and
// extrapolation factors have no counterpart there and are refused.
nlohmann::json yarnScaling(const GgufFile& f, const std::string& prefix) {
    for (const char* key : {"rope.scaling.attn_factor", "rope.scaling.yarn_attn_factor",
                            "rope.scaling.yarn_ext_factor", "rope.scaling.yarn_log_multiplier"}) {
        if (f.find(prefix + key)) {
            fail(f, "YaRN with " + prefix + key + " is not supported",
                 "use the model's Hugging Face checkpoint");
        }
    }
    nlohmann::json p = {{"rope_type", "yarn"}};
    if (auto factor = f.getReal(prefix + "rope.scaling.factor")) p["factor"] = *factor;
    if (auto original = f.getInteger(prefix + "rope.scaling.original_context_length"))
        p["original_max_position_embeddings"] = *original;
    if (auto fast = f.getReal(prefix + "rope.scaling.yarn_beta_fast")) p["beta_fast"] = *fast;
    if (auto slow = f.getReal(prefix + "rope.scaling.yarn_beta_slow")) p["beta_slow"] = *slow;
    return p;
}

void copyKeys(const GgufFile& f, const GgufArchitecture& a, nlohmann::json& config) {
    const std::string prefix = std::string(a.gguf) + ".";
    for (const char* required : {"block_count", "embedding_length", "attention.head_count"}) {
        if (!f.find(prefix + required)) {
            fail(f, "key " + prefix + required + " is missing", kReconvert);
        }
    }
    for (const char* refused : a.refusedKeys) {
        if (f.find(prefix + refused)) {
            fail(f, "key " + prefix + refused + " is not supported for " + a.gguf,
                 "convert the model again without it, or use its Hugging Face checkpoint");
        }
    }
    for (const auto& k : a.keys) {
        const std::string key = prefix + k.gguf;
        if (k.value == GgufArchitecture::Value::Int) {
            if (auto v = f.getInteger(key)) config[k.config] = *v;
        } else if (k.value == GgufArchitecture::Value::IntArray) {
            if (const GgufValue* v = f.find(key)) {
                if (v->type != GgufType::Array || !v->strings.empty() || !v->reals.empty()) {
                    fail(f, "key " + key + " is not an array of integers", kReconvert);
                }
                config[k.config] = v->integers;
            }
        } else if (k.value == GgufArchitecture::Value::Bool) {
            if (auto v = f.getBool(key)) config[k.config] = *v;
        } else if (auto v = f.getReal(key)) {
            config[k.config] = *v;
        }
    }
    if (auto type = f.getString(prefix + "rope.scaling.type")) {
        if (*type == "linear") {
            const double factor = f.getReal(prefix + "rope.scaling.factor").value_or(1.0);
            config["rope_scaling"] = {{"rope_type", "linear"}, {"factor", factor}};
        } else if (*type == "yarn" && a.yarn) {
            config["rope_scaling"] = yarnScaling(f, prefix);
        } else if (*type != "none") {
            fail(f, "rotary scaling \"" + *type + "\" is not supported",
                 "use a model without rope scaling or with linear scaling");
        }
    }
    for (const char* token : {"bos", "eos"}) {
        if (auto id = f.getInteger(std::string("tokenizer.ggml.") + token + "_token_id"))
            config[std::string(token) + "_token_id"] = *id;
    }
}

const GgufTensorInfo* findTensor(const GgufFile& f, const std::string& name) {
    for (const auto& t : f.tensors())
        if (t.name == name) return &t;
    return nullptr;
}

// Vocabulary size from the embedding, checked against the token list and the vocab_size key.
void checkVocabulary(const GgufFile& f, nlohmann::json& config) {
    const GgufTensorInfo* embed = findTensor(f, "token_embd.weight");
    if (!embed || embed->dims.size() != 2) {
        fail(f, "no two-dimensional token_embd.weight tensor", kReconvert);
    }
    const auto rows = static_cast<int64_t>(embed->dims[1]);
    if (const GgufValue* tokens = f.find("tokenizer.ggml.tokens")) {
        const auto n = static_cast<int64_t>(tokens->arraySize());
        if (tokens->type != GgufType::Array || n != rows) {
            fail(f,
                 "the vocabulary (tokenizer.ggml.tokens) has " + std::to_string(n) +
                     " tokens but the embedding token_embd.weight has " + std::to_string(rows) +
                     " rows",
                 "the file mixes two models: " + std::string(kReconvert));
        }
    }
    if (config.contains("vocab_size") && config["vocab_size"].get<int64_t>() != rows) {
        fail(f,
             "vocab_size " + std::to_string(config["vocab_size"].get<int64_t>()) +
                 " disagrees with the embedding token_embd.weight (" + std::to_string(rows) +
                 " rows)",
             kReconvert);
    }
    config["vocab_size"] = rows;
}

GgufTransform deltaNetTransformOf(GgufRole role) {
    switch (role) {
        case GgufRole::AttnQkv:
            return GgufTransform::DeltaNetQkv;
        case GgufRole::AttnGate:
            return GgufTransform::DeltaNetValueRows;
        case GgufRole::SsmBeta:
        case GgufRole::SsmAlpha:
        case GgufRole::SsmDt:
            return GgufTransform::DeltaNetHeadRows;
        case GgufRole::SsmA:
            return GgufTransform::DeltaNetA;
        case GgufRole::SsmConv1d:
            return GgufTransform::DeltaNetConv;
        case GgufRole::SsmOut:
            return GgufTransform::DeltaNetOutCols;
        default:
            return GgufTransform::None;
    }
}

GgufTransform transformOf(const GgufArchitecture& a, GgufRole role, size_t dims) {
    if (a.deltaNet == GgufArchitecture::DeltaNet::Qwen3Next && role == GgufRole::AttnQkv)
        return GgufTransform::JoinQkvz;
    if (a.deltaNet != GgufArchitecture::DeltaNet::None &&
        deltaNetTransformOf(role) != GgufTransform::None)
        return deltaNetTransformOf(role);
    if (a.unpermuteQK && role == GgufRole::AttnQ) return GgufTransform::UnpermuteQ;
    if (a.unpermuteQK && role == GgufRole::AttnK) return GgufTransform::UnpermuteK;
    if (a.transposeLayers && dims == 2 && ggufRoleIsPerBlock(role)) return GgufTransform::Transpose;
    return GgufTransform::None;
}

std::vector<int64_t> torchShape(const GgufTensorInfo& t) {
    std::vector<int64_t> shape;
    for (auto d = t.dims.rbegin(); d != t.dims.rend(); ++d)
        shape.push_back(static_cast<int64_t>(*d));
    return shape;
}

// attn_k_b [heads, kv_lora_rank, nope] and attn_v_b [heads, v_head_dim, kv_lora_rank] of one
// block as kv_b_proj [heads * (nope + v_head_dim), kv_lora_rank].
GgufTensorRef joinKvB(const GgufFile& f, size_t kb, int64_t block) {
    const std::string vbName = ggufTensorStem(GgufRole::AttnVB, block) + ".weight";
    const GgufTensorInfo& k = f.tensors()[kb];
    const GgufTensorInfo* vb = findTensor(f, vbName);
    if (!vb) fail(f, "tensor \"" + k.name + "\" has no \"" + vbName + "\"", kReconvert);
    const auto ks = torchShape(k), vs = torchShape(*vb);
    if (ks.size() != 3 || vs.size() != 3 || ks[0] != vs[0] || ks[1] != vs[2]) {
        fail(f,
             "tensors \"" + k.name + "\" (" + shapeText(k) + ") and \"" + vb->name + "\" (" +
                 shapeText(*vb) + ") are not the two halves of one kv_b projection",
             kReconvert);
    }
    GgufTensorRef ref;
    ref.index = kb;
    ref.second = static_cast<size_t>(vb - f.tensors().data());
    ref.shape = {ks[0] * (ks[2] + vs[1]), ks[1]};
    ref.transform = GgufTransform::JoinKvB;
    return ref;
}

// A tensor of no role of a strictTensors architecture, or a bias it does not list, would not be
// read: refused by name.
void checkStrict(const GgufFile& f, const GgufArchitecture& a, const std::string& name, bool known,
                 GgufRole role, const std::string& suffix) {
    const bool bias =
        suffix == ".bias" && std::find(a.biases.begin(), a.biases.end(), role) != a.biases.end();
    // llama.cpp names ssm_a without a suffix.
    const bool bare = suffix.empty() && role == GgufRole::SsmA;
    if (known && (suffix == ".weight" || bare || bias)) return;
    fail(f, "tensor \"" + name + "\" is not part of LLMap's " + a.gguf + " architecture",
         "convert the model again with llama.cpp's convert_hf_to_gguf.py, or use its Hugging Face "
         "checkpoint");
}

// attn_qkv [2 keys + values, hidden] and attn_gate [values, hidden] of one block as in_proj_qkvz.
GgufTensorRef joinQkvz(const GgufFile& f, size_t qkv, int64_t block) {
    const std::string gateName = ggufTensorStem(GgufRole::AttnGate, block) + ".weight";
    const GgufTensorInfo* gate = findTensor(f, gateName);
    const GgufTensorInfo& t = f.tensors()[qkv];
    if (!gate) fail(f, "tensor \"" + t.name + "\" has no \"" + gateName + "\"", kReconvert);
    const auto qs = torchShape(t), gs = torchShape(*gate);
    if (qs.size() != 2 || gs.size() != 2 || qs[1] != gs[1]) {
        fail(f,
             "tensors \"" + t.name + "\" (" + shapeText(t) + ") and \"" + gate->name + "\" (" +
                 shapeText(*gate) + ") are not the two parts of one in_proj_qkvz",
             kReconvert);
    }
    GgufTensorRef ref;
    ref.index = qkv;
    ref.second = static_cast<size_t>(gate - f.tensors().data());
    ref.shape = {qs[0] + gs[0], qs[1]};
    ref.transform = GgufTransform::JoinQkvz;
    return ref;
}

// The block a tensor belongs to ("blk.N."), -1 for a global one.
int64_t blockOf(const std::string& name) {
    if (name.rfind("blk.", 0) != 0) return -1;
    const size_t dot = name.find('.', 4);
    const std::string number = name.substr(4, dot == std::string::npos ? dot : dot - 4);
    if (number.empty() || number.size() > 6 ||
        !std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return -1;
    return std::stoll(number);
}

// `layers`: the blocks the model runs; those after them (multi-token prediction blocks, which
// llama.cpp runs only to draft tokens) are counted but not read.
void mapTensors(GgufModel& m, const GgufArchitecture& a, int64_t layers) {
    const GgufFile& f = m.file;
    std::map<uint32_t, int64_t> matrixElements;
    for (size_t i = 0; i < f.tensors().size(); ++i) {
        const GgufTensorInfo& t = f.tensors()[i];
        const int64_t elements = elementsOf(f, t);
        const GgmlType& type = checkTensor(f, t, elements);
        m.parameters += elements;
        m.weightBytes += ggmlBytes(type, static_cast<uint64_t>(elements));
        if (t.dims.size() >= 2) matrixElements[t.type] += elements;

        GgufTensorRef ref;
        ref.index = i;
        ref.shape = torchShape(t);
        // A role's name with ".weight" or ".bias", or alone (ssm_a).
        GgufRole role{};
        int64_t block = -1;
        const bool whole = ggufRoleOf(t.name, role, block);
        const size_t last = whole ? std::string::npos : t.name.rfind('.');
        const std::string stem = last == std::string::npos ? t.name : t.name.substr(0, last);
        const std::string suffix = last == std::string::npos ? "" : t.name.substr(last);
        const bool known = (whole || ggufRoleOf(stem, role, block)) && a.has(role);
        if (blockOf(t.name) >= layers) continue;
        if (a.strictTensors) checkStrict(f, a, t.name, known, role, suffix);
        const bool joined =
            role == GgufRole::AttnVB ||
            (role == GgufRole::AttnGate && a.deltaNet == GgufArchitecture::DeltaNet::Qwen3Next);
        if (!known || joined) continue;
        std::string hf = a.hfName(role, block) + (a.bare(role) ? "" : suffix);
        ref.transform = transformOf(a, role, t.dims.size());
        if (role == GgufRole::AttnKB) ref = joinKvB(f, i, block);
        if (ref.transform == GgufTransform::JoinQkvz) ref = joinQkvz(f, i, block);
        const bool isNorm = stem.size() >= 4 && stem.compare(stem.size() - 4, 4, "norm") == 0;
        if (a.normsPlusOne && isNorm && suffix == ".weight" && role != GgufRole::SsmNorm)
            ref.transform = GgufTransform::MinusOne;
        if (!hf.empty()) m.tensors[hf] = std::move(ref);
    }
    if (f.tensors().empty()) fail(f, "the file holds no tensors", kReconvert);
    checkDataSizes(f);
    uint32_t top = 0;
    int64_t most = -1;
    for (const auto& [type, n] : matrixElements) {
        if (n > most) {
            most = n;
            top = type;
        }
    }
    m.quantisation = ggmlTypeName(top);
    m.bitsPerWeight = m.parameters > 0 ? static_cast<double>(m.weightBytes) * 8.0 /
                                             static_cast<double>(m.parameters)
                                       : 0.0;
}

// The keys that size the blocks against the tensors they size: a file whose metadata contradicts
// its tensors is refused here, naming both, before any weight is read.
// `draftBlocks`: multi-token prediction blocks after the model's (nextn_predict_layers).
void checkKeysAgainstTensors(const GgufFile& f, const std::string& arch, const ArchSpec& spec,
                             int64_t draftBlocks) {
    const auto contradiction = [&](const std::string& key, int64_t value, const GgufTensorInfo& t,
                                   const std::string& why) {
        fail(f,
             "key " + arch + "." + key + " (" + std::to_string(value) + ") contradicts tensor \"" +
                 t.name + "\" (" + shapeText(t) + "): " + why,
             kReconvert);
    };
    for (const auto& t : f.tensors()) {
        GgufRole role{};
        int64_t block = -1;
        const size_t dot = t.name.rfind('.');
        if (dot == std::string::npos || !ggufRoleOf(t.name.substr(0, dot), role, block)) continue;
        if (block >= spec.layers + draftBlocks)
            contradiction("block_count", spec.layers + draftBlocks, t, "a block past the last");
        if (block >= spec.layers) continue;
        const bool weight = t.name.compare(dot, std::string::npos, ".weight") == 0;
        const auto rows = t.dims.size() >= 2 ? static_cast<int64_t>(t.dims[1]) : -1;
        const auto outer = t.dims.size() == 3 ? static_cast<int64_t>(t.dims[2]) : -1;
        if (role == GgufRole::TokenEmbd && static_cast<int64_t>(t.dims[0]) != spec.hidden)
            contradiction("embedding_length", spec.hidden, t, "rows of another width");
        if (!weight || spec.headDim <= 0) continue;
        // A gated attention's q rows hold per head [q | gate].
        const int64_t qRows = spec.heads * spec.headDim * (spec.attnOutputGate ? 2 : 1);
        if (role == GgufRole::AttnQ && rows != qRows) {
            contradiction("attention.head_count", spec.heads, t,
                          "not " + std::to_string(spec.heads) + " heads of " +
                              std::to_string(spec.headDim) +
                              (spec.attnOutputGate ? " (and a gate)" : ""));
        }
        if (role == GgufRole::AttnK && rows != spec.kvHeads * spec.headDim) {
            contradiction("attention.head_count_kv", spec.kvHeads, t,
                          "not " + std::to_string(spec.kvHeads) + " heads of " +
                              std::to_string(spec.headDim));
        }
        if (spec.experts <= 0) continue;  // llama.cpp writes Mixtral as llama with experts
        if (role == GgufRole::FfnGateInp && rows != spec.experts)
            contradiction("expert_count", spec.experts, t,
                          "a router over another number of experts");
        const bool stacked = role == GgufRole::FfnGateExps || role == GgufRole::FfnUpExps ||
                             role == GgufRole::FfnDownExps;
        if (stacked && outer != spec.experts)
            contradiction("expert_count", spec.experts, t, "another number of stacked experts");
    }
}

GgufModel build(GgufFile file) {
    GgufModel m;
    m.file = std::move(file);
    const GgufFile& f = m.file;
    const auto arch = f.getString("general.architecture");
    if (!arch) {
        fail(f, "no general.architecture key (a vocabulary-only GGUF holds no model)",
             "give a GGUF model file");
    }
    const GgufArchitecture* a = ggufArchitecture(*arch);
    if (!a) {
        fail(f, "GGUF architecture \"" + *arch + "\" is not supported",
             "supported GGUF architectures: " + supportedArchitectureList());
    }
    m.architecture = *arch;
    if (findTensor(f, kRopeFreqsWeight) && !a->has(GgufRole::RopeFreqs)) {
        fail(f,
             "the file carries rope_freqs.weight (rotary frequency factors), which LLMap reads "
             "for the llama and llama4 architectures only, not for " +
                 *arch,
             "convert the model again without rotary frequency factors, or use its Hugging Face "
             "checkpoint");
    }
    if (findTensor(f, "rope_factors_long.weight") || findTensor(f, "rope_factors_short.weight")) {
        fail(f, "the file carries rope_factors_long/short (LongRoPE rotary scaling), not supported",
             "use a model without LongRoPE (e.g. a 4k-context Phi-3) or its Hugging Face "
             "checkpoint");
    }
    m.config = nlohmann::json::object();
    m.config["model_type"] = a->modelType;
    copyKeys(f, *a, m.config);
    checkVocabulary(f, m.config);
    for (const auto& [tensor, key] : a->presence) m.config[key] = findTensor(f, tensor) != nullptr;
    m.config["tie_word_embeddings"] = findTensor(f, "output.weight") == nullptr;
    if (a->complete) a->complete(m.config);
    if (a->refuse) {
        if (const char* problem = a->refuse(m.config)) {
            fail(f, problem,
                 "no conversion back to the Hugging Face layout is known for it: use the model's "
                 "Hugging Face checkpoint instead");
        }
    }
    const ArchSpec spec = archSpecFromConfig(m.config, f.path());
    checkKeysAgainstTensors(f, *arch, spec, m.config.value("nextn_predict_layers", int64_t(0)));
    m.heads = spec.heads;
    m.kvHeads = spec.kvHeads;
    m.deltaNet = {spec.deltaNet.keyHeads, spec.deltaNet.valueHeads, spec.deltaNet.keyDim,
                  spec.deltaNet.valueDim, a->deltaNet == GgufArchitecture::DeltaNet::Qwen35};
    mapTensors(m, *a, spec.layers);
    return m;
}

}  // namespace

bool isGgufFile(const std::string& path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return false;
    if (fs::path(path).extension() == ".gguf") return true;
    std::ifstream in(path, std::ios::binary);
    char magic[4] = {};
    in.read(magic, 4);
    return in.gcount() == 4 && std::memcmp(magic, "GGUF", 4) == 0;
}

GgufModel openGgufModel(const std::string& path) {
    return build(GgufFile::read(path));
}

GgufModel parseGgufModel(const void* data, size_t size, const std::string& name) {
    return build(GgufFile::parse(data, size, name));
}

std::vector<std::string> supportedGgufArchitectures() {
    std::vector<std::string> names;
    for (const auto& a : ggufArchitectures()) names.emplace_back(a.gguf);
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace llmap

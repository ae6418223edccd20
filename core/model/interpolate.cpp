#include "model/interpolate.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "model/gguf_model.h"
#include "model/half_float.h"
#include "model/mapped_file.h"
#include "model/safetensors_writer.h"
#include "util/error.h"
#include "util/file_output.h"
#include "util/json_file.h"
#include "util/utc_time.h"
#include "util/version.h"

namespace fs = std::filesystem;

namespace llmap {

namespace {

const char* kGgufFix =
    "its weights are quantised blocks, which cannot be mixed element by element: interpolate the "
    "safetensors originals the GGUF file was made from";
const char* kSameArchFix =
    "interpolate two checkpoints of one architecture, such as two fine-tunes of the same base "
    "model";

// Files of a model folder that are weights (never copied into the output).
bool isWeightFile(const fs::path& name) {
    static const std::set<std::string> kWeightExtensions = {
        ".safetensors", ".bin",  ".pt",  ".pth", ".ckpt", ".gguf",  ".h5",
        ".msgpack",     ".onnx", ".npz", ".pkl", ".ot",   ".tflite"};
    const std::string file = name.filename().string();
    return kWeightExtensions.count(name.extension().string()) > 0 ||
           file == "model.safetensors.index.json" || file == "pytorch_model.bin.index.json";
}

// A's files worth copying: everything small and not weights. README.md (A's model card) would
// describe A, and llmap_interpolation.json A's own provenance, so neither is copied.
std::vector<std::string> filesToCopy(const fs::path& folder) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(folder)) {
        const std::string name = e.path().filename().string();
        if (!e.is_regular_file() || name.empty() || name[0] == '.' || isWeightFile(e.path()) ||
            name == "README.md" || name == "llmap_interpolation.json") {
            continue;
        }
        names.push_back(name);
    }
    std::sort(names.begin(), names.end());
    return names;
}

// The canonical folder behind --from / --to, refusing what cannot be interpolated.
fs::path checkFolder(const std::string& path, const std::string& option) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
        throw InputError(option + " does not exist", path,
                         "give the path of a Hugging Face model folder with safetensors weights");
    }
    if (!fs::is_directory(path)) {
        if (isGgufFile(path)) throw InputError(option + " is a GGUF file", path, kGgufFix);
        throw InputError(option + " is not a folder", path,
                         "give the path of a Hugging Face model folder with safetensors weights");
    }
    const fs::path folder = fs::canonical(path);
    bool safetensors = false;
    std::string gguf;
    for (const auto& e : fs::directory_iterator(folder)) {
        const std::string ext = e.path().extension().string();
        if (ext == ".safetensors" || e.path().filename() == "model.safetensors.index.json")
            safetensors = true;
        if (ext == ".gguf" && gguf.empty()) gguf = e.path().filename().string();
    }
    if (!safetensors && !gguf.empty()) {
        throw InputError(option + " holds only GGUF weights (" + gguf + ")", path, kGgufFix);
    }
    if (!fs::exists(folder / "config.json")) {
        throw InputError(option + ": config.json is missing", path,
                         "a Hugging Face model folder needs its config.json");
    }
    return folder;
}

// A short name for a folder: its own name, or org_name for a Hugging Face cache snapshot
// (.../models--org--name/snapshots/<commit>); characters other than [A-Za-z0-9._-] become '_'.
std::string displayName(const fs::path& folder) {
    std::string name = folder.filename().string();
    const fs::path parent = folder.parent_path();
    const std::string repo = parent.parent_path().filename().string();
    if (parent.filename() == "snapshots" && repo.rfind("models--", 0) == 0) {
        name = repo.substr(8);
        for (size_t at = name.find("--"); at != std::string::npos; at = name.find("--", at))
            name.replace(at, 2, "_");
    }
    for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-')
            c = '_';
    }
    return name.empty() ? "model" : name;
}

std::string shapeText(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

bool isFloat(StDtype d) {
    return d == StDtype::F32 || d == StDtype::F16 || d == StDtype::BF16 || d == StDtype::F64;
}

void compareConfigs(const fs::path& a, const fs::path& b) {
    const auto ca = readJsonFile((a / "config.json").string());
    const auto cb = readJsonFile((b / "config.json").string());
    for (const char* key : {"model_type", "architectures"}) {
        const auto va = ca.is_object() && ca.contains(key) ? ca[key] : nlohmann::json();
        const auto vb = cb.is_object() && cb.contains(key) ? cb[key] : nlohmann::json();
        if (va != vb) {
            throw InputError("the models are of different architectures: " + std::string(key) +
                                 " is " + va.dump() + " in --from but " + vb.dump() + " in --to",
                             (b / "config.json").string(), kSameArchFix);
        }
    }
}

void compareTensors(const WeightFiles& a, const WeightFiles& b, const fs::path& from,
                    const fs::path& to) {
    auto ia = a.tensorToFile.begin();
    auto ib = b.tensorToFile.begin();
    const std::string where = from.string() + " and " + to.string();
    while (ia != a.tensorToFile.end() || ib != b.tensorToFile.end()) {
        if (ib == b.tensorToFile.end() || (ia != a.tensorToFile.end() && ia->first < ib->first)) {
            throw InputError("tensor \"" + ia->first + "\" is only in --from", where, kSameArchFix);
        }
        if (ia == a.tensorToFile.end() || ib->first < ia->first) {
            throw InputError("tensor \"" + ib->first + "\" is only in --to", where, kSameArchFix);
        }
        const TensorEntry& ta = *a.find(ia->first);
        const TensorEntry& tb = *b.find(ib->first);
        if (ta.shape != tb.shape) {
            throw InputError("tensor \"" + ta.name + "\" has shape " + shapeText(ta.shape) +
                                 " in --from but " + shapeText(tb.shape) + " in --to",
                             where, kSameArchFix);
        }
        if (ta.dtype != tb.dtype) {
            throw InputError("tensor \"" + ta.name + "\" is stored as " + stDtypeName(ta.dtype) +
                                 " in --from but " + stDtypeName(tb.dtype) + " in --to",
                             where,
                             "save both models in one dtype first, e.g. "
                             "model.to(torch.bfloat16).save_pretrained(dir)");
        }
        ++ia;
        ++ib;
    }
}

// The memory-mapped files of a model and where each tensor's bytes start.
class MappedWeights {
public:
    explicit MappedWeights(const WeightFiles& w) : weights_(w) {
        for (const auto& f : w.files) files_.push_back(MappedFile::open(f));
    }
    const unsigned char* data(const std::string& name) const {
        const size_t file = weights_.tensorToFile.at(name);
        const TensorEntry& e = *weights_.find(name);
        return files_[file]->data() + weights_.headers[file].dataOffset + e.begin;
    }

private:
    const WeightFiles& weights_;
    std::vector<std::shared_ptr<MappedFile>> files_;
};

// Byte-identical weights give A for every alpha; integer or 8-bit float tensors cannot be mixed
// and must agree.
void compareBytes(const WeightFiles& a, const WeightFiles& b, const fs::path& from,
                  const fs::path& to) {
    const MappedWeights ma(a), mb(b);
    bool identical = true;
    for (const auto& [name, file] : a.tensorToFile) {
        const TensorEntry& e = *a.find(name);
        const size_t bytes = e.end - e.begin;
        if (isFloat(e.dtype) && !identical) continue;
        if (std::memcmp(ma.data(name), mb.data(name), bytes) == 0) continue;
        identical = false;
        if (!isFloat(e.dtype)) {
            throw InputError("tensor \"" + name + "\" is stored as " + stDtypeName(e.dtype) +
                                 " and differs between the models: only floating-point tensors "
                                 "(F32, F16, BF16, F64) can be interpolated",
                             from.string() + " and " + to.string(),
                             "interpolate unquantised checkpoints");
        }
    }
    if (identical) {
        throw InputError(
            "--from and --to hold identical weights: every alpha would give the same "
            "model",
            from.string() + " and " + to.string(), "give two different models");
    }
}

constexpr size_t kChunk = 1 << 16;  // elements per step: 256 kB of float32

// out[i] = wa * a[i] + wb * b[i] for n values of T stored in bytes, each product rounded to T
// before the sum (as torch's two multiplications and one addition).
template <typename T>
void mixValues(const unsigned char* a, const unsigned char* b, size_t n, T wa, T wb,
               unsigned char* out) {
    for (size_t i = 0; i < n; ++i) {
        T x, y;
        std::memcpy(&x, a + sizeof(T) * i, sizeof(T));
        std::memcpy(&y, b + sizeof(T) * i, sizeof(T));
        const T pa = wa * x, pb = wb * y;
        const T r = pa + pb;
        std::memcpy(out + sizeof(T) * i, &r, sizeof(T));
    }
}

// (1 - alpha) * a + alpha * b over `n` elements of dtype `dtype` (unaligned bytes), as torch
// computes ((1 - alpha) * A.float() + alpha * B.float()).to(dtype): each product and the sum
// rounded to float32 (float64 for F64), then once to the stored dtype.
void mix(StDtype dtype, const unsigned char* a, const unsigned char* b, size_t n, double alpha,
         unsigned char* out) {
    const float wa = static_cast<float>(1.0 - alpha), wb = static_cast<float>(alpha);
    switch (dtype) {
        case StDtype::F32:
            mixValues<float>(a, b, n, wa, wb, out);
            break;
        case StDtype::F64:
            mixValues<double>(a, b, n, 1.0 - alpha, alpha, out);
            break;
        case StDtype::BF16:
        case StDtype::F16: {
            const bool bf = dtype == StDtype::BF16;
            for (size_t i = 0; i < n; ++i) {
                uint16_t x, y;
                std::memcpy(&x, a + 2 * i, 2);
                std::memcpy(&y, b + 2 * i, 2);
                const float pa = wa * (bf ? bf16ToFloat(x) : f16ToFloat(x));
                const float pb = wb * (bf ? bf16ToFloat(y) : f16ToFloat(y));
                const float r = pa + pb;
                const uint16_t h = bf ? floatToBf16(r) : floatToF16(r);
                std::memcpy(out + 2 * i, &h, 2);
            }
            break;
        }
        default:  // equal in both models (compareBytes): A's bytes
            std::memcpy(out, a, n * stDtypeSize(dtype));
            break;
    }
}

// Tensors in name order, cut into files of at most `shardBytes` (a larger tensor alone).
std::vector<std::vector<TensorLayout>> shardLayout(const WeightFiles& a, uint64_t shardBytes) {
    std::vector<std::vector<TensorLayout>> shards(1);
    uint64_t size = 0;
    for (const auto& [name, index] : a.tensorToFile) {
        const TensorEntry& e = *a.find(name);
        TensorLayout t{name, e.dtype, e.shape};
        if (!shards.back().empty() && size + t.bytes() > shardBytes) {
            shards.emplace_back();
            size = 0;
        }
        size += t.bytes();
        shards.back().push_back(std::move(t));
    }
    return shards;
}

std::string shardName(size_t index, size_t count) {
    char name[64];
    std::snprintf(name, sizeof name, "model-%05zu-of-%05zu.safetensors", index + 1, count);
    return name;
}

// model.safetensors, or shards and model.safetensors.index.json as save_pretrained writes them.
void writeWeights(const InterpolationPlan& plan, double alpha, const fs::path& folder,
                  uint64_t shardBytes) {
    const auto shards = shardLayout(plan.a, shardBytes);
    const MappedWeights ma(plan.a), mb(plan.b);
    std::vector<unsigned char> buffer(kChunk * 8);
    nlohmann::ordered_json weightMap = nlohmann::ordered_json::object();
    for (size_t s = 0; s < shards.size(); ++s) {
        const std::string file =
            shards.size() == 1 ? std::string("model.safetensors") : shardName(s, shards.size());
        SafetensorsWriter writer((folder / file).string(), shards[s], {{"format", "pt"}});
        for (const auto& t : shards[s]) {
            weightMap[t.name] = file;
            const size_t size = stDtypeSize(t.dtype);
            const size_t n = static_cast<size_t>(t.bytes() / size);
            const unsigned char* pa = ma.data(t.name);
            const unsigned char* pb = mb.data(t.name);
            for (size_t done = 0; done < n; done += kChunk) {
                const size_t step = std::min(kChunk, n - done);
                mix(t.dtype, pa + done * size, pb + done * size, step, alpha, buffer.data());
                writer.append(buffer.data(), step * size);
            }
        }
        writer.finish();
    }
    if (shards.size() > 1) {
        const nlohmann::ordered_json index = {{"metadata", {{"total_size", plan.weightBytes}}},
                                              {"weight_map", weightMap}};
        writeFileAtomically((folder / "model.safetensors.index.json").string(),
                            index.dump(2) + "\n");
    }
}

}  // namespace

InterpolationPlan planInterpolation(const std::string& from, const std::string& to) {
    if (from.empty() || to.empty()) {
        throw InputError("both --from and --to are needed", "",
                         "give the two model folders to interpolate between");
    }
    InterpolationPlan plan;
    const fs::path a = checkFolder(from, "--from");
    const fs::path b = checkFolder(to, "--to");
    if (a == b) {
        throw InputError("--from and --to are the same folder", a.string(),
                         "give two different models");
    }
    compareConfigs(a, b);
    plan.from = a.string();
    plan.to = b.string();
    plan.fromName = displayName(a);
    plan.toName = displayName(b);
    plan.a = openWeightFiles(plan.from);
    plan.b = openWeightFiles(plan.to);
    compareTensors(plan.a, plan.b, a, b);
    compareBytes(plan.a, plan.b, a, b);
    plan.copied = filesToCopy(a);
    for (const auto& [name, file] : plan.a.tensorToFile) {
        const TensorEntry& e = *plan.a.find(name);
        plan.weightBytes += e.end - e.begin;
    }
    return plan;
}

std::vector<double> parseAlphas(const std::string& list, const std::string& where) {
    const std::string fix =
        "give numbers from 0 to 1 separated by commas, e.g. --alpha 0.25,0.5,0.75";
    std::vector<double> alphas;
    size_t start = 0;
    while (true) {
        const size_t comma = list.find(',', start);
        std::string item = list.substr(start, comma == std::string::npos ? comma : comma - start);
        const auto first = item.find_first_not_of(" \t");
        const auto last = item.find_last_not_of(" \t");
        item = first == std::string::npos ? "" : item.substr(first, last - first + 1);
        if (item.empty()) throw InputError("an empty value in \"" + list + "\"", where, fix);
        char* end = nullptr;
        const double v = std::strtod(item.c_str(), &end);
        if (end != item.c_str() + item.size() || !std::isfinite(v)) {
            throw InputError("\"" + item + "\" is not a number", where, fix);
        }
        if (v < 0 || v > 1) {
            throw InputError("alpha " + item +
                                 " lies outside [0, 1]: extrapolation beyond the two models is "
                                 "not supported",
                             where, fix);
        }
        if (std::find(alphas.begin(), alphas.end(), v) != alphas.end()) {
            throw InputError("alpha " + item + " is given twice", where, fix);
        }
        alphas.push_back(v == 0 ? 0.0 : v);  // -0 -> 0
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return alphas;
}

std::string alphaLabel(double alpha) {
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, alpha);
    return std::string(buffer, result.ptr);
}

std::string interpolationFolderName(const InterpolationPlan& plan, double alpha) {
    return plan.fromName + "--" + plan.toName + "--alpha" + alphaLabel(alpha);
}

void writeInterpolation(const InterpolationPlan& plan, double alpha, const std::string& targetName,
                        bool replace, uint64_t shardBytes) {
    const fs::path target = fs::absolute(targetName).lexically_normal();
    const fs::path parent = target.parent_path();
    const fs::path partial = parent / ("." + target.filename().string() + ".partial");
    const fs::path old = parent / ("." + target.filename().string() + ".old");
    if (fs::exists(target) && !replace) {
        throw InputError("the output folder exists already", target.string(),
                         "remove it, or pass --force to replace it");
    }
    std::error_code ec;
    fs::remove_all(partial, ec);  // left by an interrupted run
    try {
        fs::create_directories(partial);
        writeWeights(plan, alpha, partial, shardBytes);
        for (const auto& name : plan.copied) {
            fs::copy_file(fs::path(plan.from) / name, partial / name,
                          fs::copy_options::overwrite_existing);
        }
        const nlohmann::ordered_json provenance = {
            {"action", "interpolate"},
            {"from", plan.from},
            {"to", plan.to},
            {"alpha", alpha},
            {"formula",
             "(1 - alpha) * from + alpha * to per tensor, computed in float32 (float64 for float64 "
             "tensors) and rounded once to the stored dtype (round to nearest even)"},
            {"config", "config.json and the other files are those of from"},
            {"llmap_version", LLMAP_VERSION},
            {"time", utcNow()}};
        writeFileAtomically((partial / "llmap_interpolation.json").string(),
                            provenance.dump(2) + "\n");
        if (fs::exists(target)) {
            fs::remove_all(old, ec);
            fs::rename(target, old);
        }
        fs::rename(partial, target);
        fs::remove_all(old, ec);
    } catch (const fs::filesystem_error& e) {
        fs::remove_all(partial, ec);
        throw Error(std::string("writing the folder failed: ") + e.code().message(),
                    target.string(), "check that the output folder is writable");
    } catch (...) {
        fs::remove_all(partial, ec);
        throw;
    }
}

}  // namespace llmap

#include "model/tensor_store.h"

#include <cstring>
#include <sstream>

#include "model/gguf_deltanet.h"
#include "model/gguf_quants.h"
#include "model/mxfp4_weights.h"
#include "util/error.h"

namespace llmap {

namespace {

std::string shapeText(const std::vector<int64_t>& shape) {
    std::ostringstream s;
    s << "[";
    for (size_t i = 0; i < shape.size(); ++i) s << (i ? ", " : "") << shape[i];
    s << "]";
    return s.str();
}

bool isFloatingPoint(StDtype d) {
    return d == StDtype::F64 || d == StDtype::F32 || d == StDtype::F16 || d == StDtype::BF16;
}

// The torch type holding a stored tensor's elements: its own for the floating-point ones, bytes
// (or same-sized integers) for the rest, which are decoded elsewhere or refused.
at::ScalarType storageType(StDtype d) {
    switch (d) {
        case StDtype::F64:
            return at::kDouble;
        case StDtype::F32:
            return at::kFloat;
        case StDtype::F16:
            return at::kHalf;
        case StDtype::BF16:
            return at::kBFloat16;
        case StDtype::I64:
            return at::kLong;
        case StDtype::I32:
            return at::kInt;
        case StDtype::I16:
            return at::kShort;
        case StDtype::I8:
            return at::kChar;
        case StDtype::Bool:
            return at::kBool;
        default:
            return at::kByte;  // U8, F8E4M3, F8E5M2
    }
}

}  // namespace

TensorStore::TensorStore(WeightFiles weights, WeightFormat format, const std::string& folder,
                         at::ScalarType dtype, at::Device device)
    : folder_(folder),
      dtype_(dtype),
      device_(device),
      weights_(std::move(weights)),
      format_(format) {
    for (const auto& f : weights_.files) mapped_.push_back(MappedFile::open(f));
}

TensorStore::TensorStore(std::shared_ptr<const GgufModel> gguf, at::ScalarType dtype,
                         at::Device device)
    : gguf_(std::move(gguf)), folder_(gguf_->file.path()), dtype_(dtype), device_(device) {
    mapped_.push_back(MappedFile::open(folder_));
    if (mapped_.back()->size() != gguf_->file.fileSize()) {
        throw InputError("the file changed while it was read", folder_, "open it again");
    }
}

int64_t TensorStore::elementCount() const {
    int64_t total = 0;
    auto product = [](const std::vector<int64_t>& shape) {
        int64_t n = 1;
        for (const int64_t d : shape) n *= d;
        return n;
    };
    if (gguf_) {
        for (const auto& entry : gguf_->tensors) total += product(entry.second.shape);
    } else {
        // An MXFP4 block of 16 bytes holds 32 values; its scale byte is no parameter.
        const auto endsWith = [](const std::string& name, const std::string& suffix) {
            return name.size() > suffix.size() &&
                   name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
        };
        for (const auto& header : weights_.headers) {
            for (const auto& [name, entry] : header.tensors) {
                const int64_t n = product(entry.shape);
                if (!format_.mxfp4 || (!endsWith(name, "_blocks") && !endsWith(name, "_scales"))) {
                    total += n;
                } else if (endsWith(name, "_blocks")) {
                    total += 2 * n;
                }
            }
        }
    }
    return total;
}

// llama.cpp's convert_hf_to_gguf.py reorders the rows of each q/k head from [half 1; half 2] to
// interleaved pairs for its rotary kernel; this is the inverse, as transformers' GGUF loader does.
static at::Tensor unpermuteRotary(const at::Tensor& w, int64_t heads, const std::string& file) {
    if (w.size(0) % (2 * heads) != 0) {
        throw InputError("q/k rows " + std::to_string(w.size(0)) + " are not whole heads of " +
                             std::to_string(heads),
                         file, "the file's keys and tensors disagree: convert it again");
    }
    std::vector<int64_t> split = {heads, w.size(0) / heads / 2, 2};
    for (int64_t d = 1; d < w.dim(); ++d) split.push_back(w.size(d));
    return w.reshape(split).transpose(1, 2).reshape(w.sizes());
}

// Tensor `index` of the file, dequantised, in torch order.
static at::Tensor dequantized(const GgufModel& m, size_t index, const unsigned char* file) {
    const GgufTensorInfo& info = m.file.tensors()[index];
    const GgmlType& type = *ggmlType(info.type);  // checked when the file was opened
    std::vector<int64_t> shape;
    for (auto d = info.dims.rbegin(); d != info.dims.rend(); ++d)
        shape.push_back(static_cast<int64_t>(*d));
    at::Tensor t = at::empty(shape, at::TensorOptions().dtype(at::kFloat));
    dequantize(type, file + m.file.dataOffset() + info.offset, t.data_ptr<float>(), t.numel());
    return t;
}

// kv_b_proj from llama.cpp's attn_k_b [heads, rank, nope] and attn_v_b [heads, v, rank]: per
// head, the nope rows of k then the v rows.
static at::Tensor joinKvB(const GgufModel& m, const GgufTensorRef& ref, const unsigned char* file) {
    const at::Tensor k = dequantized(m, ref.index, file), v = dequantized(m, ref.second, file);
    return at::cat({k.transpose(1, 2), v}, 1).reshape(ref.shape).contiguous();
}

at::Tensor TensorStore::getGguf(const std::string& name, const std::vector<int64_t>& shape,
                                at::ScalarType dtype) const {
    const auto it = gguf_->tensors.find(name);
    if (it == gguf_->tensors.end()) {
        throw InputError("weight \"" + name + "\" is missing", folder_,
                         "the GGUF file lacks a tensor its architecture needs: convert it again");
    }
    const GgufTensorRef& ref = it->second;
    const GgufTensorInfo& info = gguf_->file.tensors()[ref.index];
    const bool joined =
        ref.transform == GgufTransform::JoinKvB || ref.transform == GgufTransform::JoinQkvz;
    at::Tensor t = joined ? at::Tensor() : dequantized(*gguf_, ref.index, mapped_[0]->data());
    switch (ref.transform) {
        case GgufTransform::UnpermuteQ:
            t = unpermuteRotary(t, gguf_->heads, folder_);
            break;
        case GgufTransform::UnpermuteK:
            t = unpermuteRotary(t, gguf_->kvHeads, folder_);
            break;
        case GgufTransform::Transpose:
            t = t.t().contiguous();
            break;
        case GgufTransform::MinusOne:
            t -= 1.0f;
            break;
        case GgufTransform::JoinKvB:
            t = joinKvB(*gguf_, ref, mapped_[0]->data());
            break;
        case GgufTransform::JoinQkvz:
            t = joinGgufQkvz(dequantized(*gguf_, ref.index, mapped_[0]->data()),
                             dequantized(*gguf_, ref.second, mapped_[0]->data()), gguf_->deltaNet);
            break;
        case GgufTransform::DeltaNetQkv:
        case GgufTransform::DeltaNetValueRows:
        case GgufTransform::DeltaNetHeadRows:
        case GgufTransform::DeltaNetA:
        case GgufTransform::DeltaNetConv:
        case GgufTransform::DeltaNetOutCols:
            t = undoGgufDeltaNet(t, ref.transform, gguf_->deltaNet);
            break;
        case GgufTransform::None:
            break;
    }
    if (t.sizes().vec() != shape) {
        throw InputError("tensor \"" + info.name + "\" has shape " + shapeText(t.sizes().vec()) +
                             " but the metadata implies " + shapeText(shape),
                         folder_, "the file's keys and tensors disagree: convert it again");
    }
    copied_ += t.numel() * 4;
    if (dtype != at::kFloat || device_ != at::Device(at::kCPU)) t = t.to(device_, dtype);
    return t;
}

at::Tensor TensorStore::get(const std::string& name, const std::vector<int64_t>& shape,
                            at::ScalarType dtype) const {
    if (gguf_) return getGguf(name, shape, dtype);
    if (format_.mxfp4 && !weights_.find(name) && weights_.find(name + "_blocks")) {
        at::Tensor tensor = dequantizeMxfp4(name, shape, dtype);
        copied_ += tensor.numel() * static_cast<int64_t>(tensor.element_size());
        return device_ == at::Device(at::kCPU) ? tensor : tensor.to(device_);
    }
    at::Tensor tensor = stored(name, shape);
    const StDtype storedAs = weights_.find(name)->dtype;
    if (storedAs == StDtype::F8E4M3 && format_.fp8Blocks) {
        tensor = dequantizeFp8(name, tensor);
    } else if (!isFloatingPoint(storedAs)) {
        const std::string& file = weights_.files[weights_.tensorToFile.at(name)];
        throw InputError("weight \"" + name + "\" is stored as " + stDtypeName(storedAs) +
                             ", not a floating-point type",
                         file,
                         "quantised checkpoints other than block-scaled FP8 are not supported: use "
                         "an F32/F16/BF16 one");
    }
    if (tensor.scalar_type() != dtype || device_ != at::Device(at::kCPU)) {
        tensor = tensor.to(device_, dtype);
        copied_ += tensor.numel() * static_cast<int64_t>(tensor.element_size());
    }
    return tensor;
}

at::Tensor TensorStore::stored(const std::string& name, const std::vector<int64_t>& shape) const {
    const TensorEntry* entry = weights_.find(name);
    if (!entry) {
        throw InputError("weight \"" + name + "\" is missing", folder_,
                         "the checkpoint does not match its config.json: download it again");
    }
    const size_t fileIndex = weights_.tensorToFile.at(name);
    const std::string& file = weights_.files[fileIndex];
    if (entry->shape != shape) {
        throw InputError("weight \"" + name + "\" has shape " + shapeText(entry->shape) +
                             " but config.json implies " + shapeText(shape),
                         file, "the checkpoint does not match its config.json");
    }
    const MappedFile& mapped = *mapped_[fileIndex];
    const SafetensorsHeader& header = weights_.headers[fileIndex];
    const uint64_t offset = header.dataOffset + entry->begin;
    if (offset + (entry->end - entry->begin) > mapped.size()) {
        throw InputError("weight \"" + name + "\" lies beyond the end of the file", file,
                         "the file changed or is truncated: download it again");
    }
    unsigned char* bytes = mapped.data() + offset;
    const size_t elementSize = stDtypeSize(entry->dtype);
    const at::ScalarType as = storageType(entry->dtype);
    if (reinterpret_cast<uintptr_t>(bytes) % elementSize == 0) {
        std::shared_ptr<MappedFile> keepAlive = mapped_[fileIndex];
        return at::from_blob(
            bytes, shape, [keepAlive](void*) mutable { keepAlive.reset(); },
            at::TensorOptions().dtype(as).device(at::kCPU));
    }
    // Unaligned data (legal in safetensors, rare): copy into aligned memory.
    at::Tensor tensor = at::empty(shape, at::TensorOptions().dtype(as));
    std::memcpy(tensor.data_ptr(), bytes, entry->end - entry->begin);
    copied_ += static_cast<int64_t>(entry->end - entry->begin);
    return tensor;
}

// weight [rows, cols] of E4M3 bytes times its "<name>_scale_inv" [ceil(rows / blockRows),
// ceil(cols / blockCols)], each scale covering one block (the last ones cut at the edges).
at::Tensor TensorStore::dequantizeFp8(const std::string& name, const at::Tensor& bytes) const {
    const std::string& file = weights_.files[weights_.tensorToFile.at(name)];
    const std::string scaleName = name + "_scale_inv";
    const TensorEntry* scaleEntry = weights_.find(scaleName);
    if (bytes.dim() != 2 || !scaleEntry) {
        throw InputError("FP8 weight \"" + name + "\" has no block scales \"" + scaleName + "\"",
                         file,
                         "the checkpoint is incomplete or not block-scaled FP8: download it again");
    }
    const int64_t rows = bytes.size(0), cols = bytes.size(1);
    const int64_t br = format_.blockRows, bc = format_.blockCols;
    const std::vector<int64_t> grid = {(rows + br - 1) / br, (cols + bc - 1) / bc};
    if (!isFloatingPoint(scaleEntry->dtype)) {
        throw InputError("block scales \"" + scaleName + "\" are stored as " +
                             stDtypeName(scaleEntry->dtype) + ", not as floats",
                         file, "the checkpoint is not block-scaled FP8 as transformers writes it");
    }
    const at::Tensor scale = stored(scaleName, grid).to(at::kFloat);
    static const std::vector<float> table = [] {
        std::vector<float> t(256);
        for (int b = 0; b < 256; ++b)
            t[static_cast<size_t>(b)] = fp8E4m3ToFloat(static_cast<uint8_t>(b));
        return t;
    }();
    at::Tensor out = at::empty({rows, cols}, at::TensorOptions().dtype(at::kFloat));
    const uint8_t* in = static_cast<const uint8_t*>(bytes.contiguous().data_ptr());
    const auto s = scale.accessor<float, 2>();
    float* o = out.data_ptr<float>();
    for (int64_t r = 0; r < rows; ++r) {
        for (int64_t c = 0; c < cols; ++c) {
            o[r * cols + c] = table[in[r * cols + c]] * s[r / br][c / bc];
        }
    }
    copied_ += out.numel() * 4;
    return out;
}

// "<name>_blocks" [..., rows, G, 16] and "<name>_scales" [..., rows, G], both bytes, decoded to
// [..., rows, 32 G] and returned transposed in the last two dimensions (see has()).
at::Tensor TensorStore::dequantizeMxfp4(const std::string& name, const std::vector<int64_t>& shape,
                                        at::ScalarType dtype) const {
    const std::string blocksName = name + "_blocks", scalesName = name + "_scales";
    const std::string& file = weights_.files[weights_.tensorToFile.at(blocksName)];
    const TensorEntry* blocks = weights_.find(blocksName);
    const TensorEntry* scales = weights_.find(scalesName);
    const char* fix = "the checkpoint is not MXFP4 as transformers writes it: download it again";
    if (!scales) {
        throw InputError(
            "MXFP4 weight \"" + name + "\" has blocks but no scales \"" + scalesName + "\"", file,
            fix);
    }
    if (blocks->dtype != StDtype::U8 || scales->dtype != StDtype::U8) {
        throw InputError("MXFP4 weight \"" + name + "\" has blocks of " +
                             stDtypeName(blocks->dtype) + " and scales of " +
                             stDtypeName(scales->dtype) + ", not bytes (U8)",
                         file, fix);
    }
    const std::vector<int64_t>& b = blocks->shape;
    const std::vector<int64_t> expectedScales(b.begin(), b.end() - (b.empty() ? 0 : 1));
    if (b.size() < 3 || b.back() != 16 || scales->shape != expectedScales) {
        throw InputError("MXFP4 weight \"" + name + "\" has blocks " + shapeText(b) +
                             " and scales " + shapeText(scales->shape) +
                             ", not [..., rows, G, 16] and [..., rows, G]",
                         file, fix);
    }
    std::vector<int64_t> transposed(b.begin(), b.end() - 2);
    const int64_t rows = transposed.back();
    transposed.back() = b[b.size() - 2] * 32;
    transposed.push_back(rows);
    if (transposed != shape) {
        throw InputError("MXFP4 weight \"" + name + "\" holds " + shapeText(transposed) +
                             " values but config.json implies " + shapeText(shape),
                         file, "the checkpoint does not match its config.json");
    }
    const at::Tensor values =
        dequantizeMxfp4Blocks(stored(blocksName, b), stored(scalesName, scales->shape), dtype);
    return values.transpose(-2, -1);
}

}  // namespace llmap

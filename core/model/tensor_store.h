#pragma once
// Weights of a model folder as tensors: memory-mapped safetensors, wrapped without copying when
// the stored dtype is the wanted one on the CPU, converted (once) otherwise; FP8 and MXFP4 blocks
// (see weight_format.h) dequantised. Or the weights of a memory-mapped GGUF file, dequantised to
// fp32 (then converted) as they are asked for.
#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <vector>

#include "model/gguf_model.h"
#include "model/mapped_file.h"
#include "model/weight_files.h"
#include "model/weight_format.h"

namespace llmap {

class TensorStore {
public:
    // The safetensors files of `folder`, whose headers `weights` has read (openWeightFiles).
    TensorStore(WeightFiles weights, WeightFormat format, const std::string& folder,
                at::ScalarType dtype, at::Device device);
    TensorStore(std::shared_ptr<const GgufModel> gguf, at::ScalarType dtype, at::Device device);

    // With MXFP4 weights, "<name>" stands for the tensor that "<name>_blocks" and "<name>_scales"
    // hold: blocks [..., rows, G, 16] give [..., rows, 32 G], which `get` returns transposed in its
    // last two dimensions, [..., 32 G, rows], as transformers' loader does (the gpt-oss experts'
    // parameters multiply from the right).
    bool has(const std::string& name) const {
        if (gguf_) return gguf_->tensors.count(name) > 0;
        return weights_.find(name) != nullptr ||
               (format_.mxfp4 && weights_.find(name + "_blocks") != nullptr);
    }

    // The tensor in the wanted dtype and device; InputError when missing or of another shape.
    at::Tensor get(const std::string& name, const std::vector<int64_t>& shape) const {
        return get(name, shape, dtype_);
    }
    // The same in `dtype` (weights transformers keeps in fp32 in a 16-bit model).
    at::Tensor get(const std::string& name, const std::vector<int64_t>& shape,
                   at::ScalarType dtype) const;

    // Elements of every stored tensor (the model's parameters, with any buffers it stores).
    int64_t elementCount() const;

    // Bytes copied so far (0 when everything was wrapped in place).
    int64_t copiedBytes() const { return copied_; }

private:
    at::Tensor getGguf(const std::string& name, const std::vector<int64_t>& shape,
                       at::ScalarType dtype) const;
    // The tensor as stored (on the CPU, mapped in place where aligned), after checking its shape.
    at::Tensor stored(const std::string& name, const std::vector<int64_t>& shape) const;
    at::Tensor dequantizeFp8(const std::string& name, const at::Tensor& bytes) const;
    at::Tensor dequantizeMxfp4(const std::string& name, const std::vector<int64_t>& shape,
                               at::ScalarType dtype) const;

    std::shared_ptr<const GgufModel> gguf_;
    std::string folder_;
    at::ScalarType dtype_;
    at::Device device_;
    WeightFiles weights_;
    WeightFormat format_;
    std::vector<std::shared_ptr<MappedFile>> mapped_;
    mutable int64_t copied_ = 0;
};

}  // namespace llmap

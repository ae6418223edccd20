#pragma once
// Weights of a model folder as tensors: memory-mapped safetensors, wrapped without copying when
// the stored dtype is the wanted one on the CPU, converted (once) otherwise.
#include <ATen/ATen.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model/mapped_file.h"
#include "model/weight_files.h"

namespace llmap {

class TensorStore {
public:
    TensorStore(const std::string& folder, at::ScalarType dtype, at::Device device);

    bool has(const std::string& name) const { return weights_.find(name) != nullptr; }

    // The tensor in the wanted dtype and device; InputError when missing or of another shape.
    at::Tensor get(const std::string& name, const std::vector<int64_t>& shape) const;

    // Bytes copied so far (0 when everything was wrapped in place).
    int64_t copiedBytes() const { return copied_; }
    const WeightFiles& files() const { return weights_; }

private:
    std::string folder_;
    at::ScalarType dtype_;
    at::Device device_;
    WeightFiles weights_;
    std::vector<std::shared_ptr<MappedFile>> mapped_;
    mutable int64_t copied_ = 0;
};

}  // namespace llmap

#pragma once

#include <ATen/ATen.h>
#include <functional>
#include <string>
#include <vector>

namespace llmap {

// One layer's weights by their names relative to the layer ("linear_attn.A_log"), in the model's
// dtype and on its device (getFp32: kept in fp32); `has` says whether the checkpoint holds one.
struct LayerWeights {
    std::function<at::Tensor(const std::string&, const std::vector<int64_t>&)> get, getFp32;
    std::function<bool(const std::string&)> has;
};

// A linear layer's weight shape: [out, in], or [in, out] for GPT-2's Conv1D.
inline std::vector<int64_t> linearShape(int64_t out, int64_t in, bool conv1d) {
    return conv1d ? std::vector<int64_t>{in, out} : std::vector<int64_t>{out, in};
}

}  // namespace llmap

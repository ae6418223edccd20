#include "model/blocks/packing.h"

#include <vector>

namespace llmap::blocks {

Packing::Packing(const at::Tensor& hostMask, at::Device device)
    : batch_(hostMask.size(0)), length_(hostMask.size(1)) {
    const at::Tensor flat = hostMask.to(at::kBool).reshape({-1});
    const at::Tensor index = at::nonzero(flat).reshape({-1});
    index_ = index.to(device);
    positions_ = index.remainder(length_).to(device);
    const at::Tensor lengths = hostMask.to(at::kLong).sum(1);
    int64_t offset = 0;
    for (int64_t b = 0; b < batch_; ++b) {
        offsets_.push_back(offset);
        lengths_.push_back(lengths[b].item<int64_t>());
        offset += lengths_.back();
    }
}

at::Tensor Packing::pack(const at::Tensor& padded) const {
    std::vector<int64_t> rows(padded.sizes().begin() + 1, padded.sizes().end());
    rows[0] = batch_ * length_;
    return padded.reshape(rows).index_select(0, index_).unsqueeze(0);
}

at::Tensor Packing::unpack(const at::Tensor& packed) const {
    std::vector<int64_t> rows(packed.sizes().begin() + 1, packed.sizes().end());
    rows[0] = batch_ * length_;
    std::vector<int64_t> shape{batch_, length_};
    shape.insert(shape.end(), rows.begin() + 1, rows.end());
    return at::zeros(rows, packed.options()).index_copy_(0, index_, packed[0]).view(shape);
}

}  // namespace llmap::blocks

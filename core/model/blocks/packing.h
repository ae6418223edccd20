#pragma once
// The texts of a right-padded batch [B, T] as one row [1, N] of their N real tokens. The steps
// that treat each token alone (embeddings, norms, projections, MLPs, experts) then run on real
// tokens only, and attention on each text's own rows (blocks::attention); sequence mixers, and
// attention that keeps keys for later layers, unpack to [B, T] around themselves. Padding then
// costs nothing.
#include <ATen/ATen.h>

#include <vector>

namespace llmap::blocks {

class Packing {
public:
    // hostMask [B, T] on the host, each text's tokens first; index and positions go to `device`.
    Packing(const at::Tensor& hostMask, at::Device device);
    // [B, T, ...] -> [1, N, ...]: the real tokens, text after text.
    at::Tensor pack(const at::Tensor& padded) const;
    // [1, N, ...] -> [B, T, ...], zeros at the padding.
    at::Tensor unpack(const at::Tensor& packed) const;
    // [N] long: each real token's position in its text.
    const at::Tensor& positions() const { return positions_; }
    // Text b's tokens are the packed rows offset(b) .. offset(b) + length(b) - 1.
    int64_t texts() const { return batch_; }
    int64_t offset(int64_t b) const { return offsets_[static_cast<size_t>(b)]; }
    int64_t length(int64_t b) const { return lengths_[static_cast<size_t>(b)]; }

private:
    int64_t batch_ = 0, length_ = 0;
    std::vector<int64_t> offsets_, lengths_;
    at::Tensor index_;  // [N] long: each real token's row in the flattened [B * T]
    at::Tensor positions_;
};

}  // namespace llmap::blocks

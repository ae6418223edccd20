#include "model/mxfp4_weights.h"

#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

#include <array>
#include <vector>

#include "model/gguf_iq_quants.h"

namespace llmap {

namespace {

template <typename T>
void decode(const uint8_t* blocks, const uint8_t* scales, int64_t count, T* out) {
    static const std::array<float, 16> doubled = [] {
        std::array<float, 16> t{};
        for (unsigned char c = 0; c < 16; ++c) t[c] = mxfp4DoubledValue(c);
        return t;
    }();
    // Blocks are independent: split them over libtorch's threads.
    at::parallel_for(0, count, 4096, [&](int64_t begin, int64_t end) {
        for (int64_t b = begin; b < end; ++b) {
            const float half = e8m0Half(scales[b]);
            const uint8_t* in = blocks + b * 16;
            T* y = out + b * 32;
            for (int j = 0; j < 16; ++j) {
                y[2 * j] = static_cast<T>(doubled[in[j] & 0xF] * half);
                y[2 * j + 1] = static_cast<T>(doubled[in[j] >> 4] * half);
            }
        }
    });
}

}  // namespace

at::Tensor dequantizeMxfp4Blocks(const at::Tensor& blocks, const at::Tensor& scales,
                                 at::ScalarType dtype) {
    const at::Tensor b = blocks.contiguous(), s = scales.contiguous();
    std::vector<int64_t> shape(s.sizes().begin(), s.sizes().end());
    shape.back() *= 32;
    at::Tensor out = at::empty(shape, at::TensorOptions().dtype(dtype));
    const int64_t count = s.numel();
    AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, dtype, "dequantizeMxfp4", [&] {
        decode<scalar_t>(b.data_ptr<uint8_t>(), s.data_ptr<uint8_t>(), count,
                         out.data_ptr<scalar_t>());
    });
    return out;
}

}  // namespace llmap

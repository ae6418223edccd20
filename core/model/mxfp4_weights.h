#pragma once
// MXFP4 weights as safetensors checkpoints store them (gpt-oss; transformers' integrations/mxfp4):
// "<name>_blocks" holds 32-value blocks of FP4 E2M1 codes, two a byte (the even value in the low
// nibble), and "<name>_scales" one E8M0 exponent byte (bias 127) per block.
#include <ATen/ATen.h>

namespace llmap {

// blocks uint8 [..., G, 16] and scales uint8 [..., G] (checked by the caller) -> the values
// [..., 32 G] in `dtype` on the CPU, every value exact: code value times 2^(scale - 127).
at::Tensor dequantizeMxfp4Blocks(const at::Tensor& blocks, const at::Tensor& scales,
                                 at::ScalarType dtype);

}  // namespace llmap

#pragma once
// How a safetensors checkpoint stores its weights, from config.json's quantization_config: plainly
// (F32/F16/BF16), or its linear weights as FP8 (E4M3) in blocks, each block with one float scale
// stored beside it as "<name>_scale_inv" (DeepSeek-V3, the "-FP8" Qwen3 checkpoints:
// quant_method "fp8" with weight_block_size), or some weights as MXFP4 blocks "<name>_blocks" with
// their exponents "<name>_scales" (gpt-oss: quant_method "mxfp4", see mxfp4_weights.h). Both are
// dequantised at load; every other quantisation method is refused, naming it.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace llmap {

struct WeightFormat {
    bool fp8Blocks = false;
    bool mxfp4 = false;
    int64_t blockRows = 128, blockCols = 128;
};

// InputError naming `where` (config.json) for a quantisation method or FP8 layout not read here.
WeightFormat readWeightFormat(const nlohmann::json& config, const std::string& where);

// The value of one FP8 E4M3 byte ("fn": no infinities; S.1111.111 is NaN).
float fp8E4m3ToFloat(uint8_t byte);

}  // namespace llmap

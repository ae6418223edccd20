#include "model/weight_format.h"

#include <cmath>
#include <limits>

#include "util/error.h"

namespace llmap {

namespace {

const char* const kFixQuantised =
    "use the model's unquantised checkpoint (F32, F16 or BF16 safetensors) or a GGUF file of it";

}  // namespace

WeightFormat readWeightFormat(const nlohmann::json& config, const std::string& where) {
    WeightFormat format;
    const auto q = config.find("quantization_config");
    if (q == config.end() || q->is_null()) return format;
    if (!q->is_object()) {
        throw InputError("\"quantization_config\" is not an object", where,
                         "fix quantization_config in config.json");
    }
    const auto methodField = q->find("quant_method");
    const std::string method = methodField != q->end() && methodField->is_string()
                                   ? methodField->get<std::string>()
                                   : std::string();
    if (method == "mxfp4") {
        format.mxfp4 = true;
        return format;
    }
    if (method != "fp8") {
        throw InputError("quantization_config's quant_method \"" + method + "\" is not supported",
                         where, kFixQuantised);
    }
    const std::string fmt = q->value("fmt", std::string("e4m3"));
    if (fmt != "e4m3") {
        throw InputError("FP8 format \"" + fmt + "\" is not supported (only e4m3)", where,
                         kFixQuantised);
    }
    const auto block = q->find("weight_block_size");
    if (block == q->end() || !block->is_array() || block->size() != 2 ||
        !(*block)[0].is_number_integer() || !(*block)[1].is_number_integer() ||
        (*block)[0].get<int64_t>() < 1 || (*block)[1].get<int64_t>() < 1) {
        throw InputError(
            "FP8 without a weight_block_size of two positive integers (per-tensor "
            "or per-channel FP8) is not supported",
            where, kFixQuantised);
    }
    format.fp8Blocks = true;
    format.blockRows = (*block)[0].get<int64_t>();
    format.blockCols = (*block)[1].get<int64_t>();
    return format;
}

float fp8E4m3ToFloat(uint8_t byte) {
    const bool negative = byte & 0x80;
    const int exponent = (byte >> 3) & 0xF, mantissa = byte & 0x7;
    float value;
    if (exponent == 0xF && mantissa == 0x7) {
        value = std::numeric_limits<float>::quiet_NaN();
    } else if (exponent == 0) {
        value = std::ldexp(static_cast<float>(mantissa), -9);  // subnormal: m/8 * 2^-6
    } else {
        value = std::ldexp(static_cast<float>(8 + mantissa), exponent - 10);  // (1+m/8) * 2^(e-7)
    }
    return negative ? -value : value;
}

}  // namespace llmap

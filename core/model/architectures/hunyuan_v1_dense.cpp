// HunYuan dense (V1): Llama's blocks with RMSNorm over each head's queries and keys after (not
// before) the rotary. Rope type "dynamic" with an alpha is NTK-alpha scaling: the rotary base
// times alpha^(d / (d - 2)) at every length.
#include <cmath>

#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec hunyuanV1DenseSpec(const nlohmann::json& c, const std::string& where) {
    const int64_t headDim = readDecoderSizes(c, where, false).headDim;
    ArchSpec s = readLlamaStyle(withNtkAlpha(c, headDim, where), where, "hunyuan_v1_dense");
    s.qkvBias = s.oBias = jsonBool(c, "attention_bias", where).value_or(false);
    s.qkNorm = true;
    s.qkNormAfterRotary = true;
    s.names.qNorm = "self_attn.query_layernorm";
    s.names.kNorm = "self_attn.key_layernorm";
    return s;
}

}  // namespace llmap

// Seed-OSS: Llama's blocks with biases on the q, k and v projections (attention_bias, on by
// default) and, separately, on the output projection (attention_out_bias).
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec seedOssSpec(const nlohmann::json& c, const std::string& where) {
    ArchSpec s = readLlamaStyle(withDefaultHeadDim(c, 128), where, "seed_oss");
    s.qkvBias = jsonBool(c, "attention_bias", where).value_or(true);
    s.oBias = jsonBool(c, "attention_out_bias", where).value_or(false);
    s.mlpBias = jsonBool(c, "mlp_bias", where).value_or(false);
    return s;
}

}  // namespace llmap

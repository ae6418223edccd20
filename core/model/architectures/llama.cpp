// Llama 1/2/3 (and TinyLlama, Yi, DeepSeek-LLM, SmolLM): RMSNorm, rotary (incl. llama3 scaling),
// grouped-query attention, SiLU-gated MLP.
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec llamaSpec(const nlohmann::json& c, const std::string& where) {
    ArchSpec s = readLlamaStyle(c, where, "llama");
    s.qkvBias = s.oBias = jsonBool(c, "attention_bias", where).value_or(false);
    s.mlpBias = jsonBool(c, "mlp_bias", where).value_or(false);
    return s;
}

}  // namespace llmap

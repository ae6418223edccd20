// Llama 1/2/3 (and TinyLlama, Yi, DeepSeek-LLM, SmolLM): RMSNorm, rotary (incl. llama3 scaling),
// grouped-query attention, SiLU-gated MLP.
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "model/json_file.h"

namespace llmap {

ArchSpec llamaSpec(const nlohmann::json& c, const std::string& where) {
    ArchSpec s = readDecoderSizes(c, where, false);
    s.family = "llama";
    s.normEps = jsonNumber(c, "rms_norm_eps", where).value_or(1e-6);
    s.rope = readRope(c, s.headDim, where);
    s.activation = readActivation(jsonString(c, "hidden_act", where).value_or("silu"), where);
    s.qkvBias = s.oBias = jsonBool(c, "attention_bias", where).value_or(false);
    s.mlpBias = jsonBool(c, "mlp_bias", where).value_or(false);
    s.slidingWindow.assign(static_cast<size_t>(s.layers), 0);
    s.names = llamaStyleNames();
    return s;
}

}  // namespace llmap

// Qwen3: Llama's blocks with RMSNorm over each head's queries and keys before rotary.
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "model/json_file.h"

namespace llmap {

ArchSpec qwen3Spec(const nlohmann::json& c, const std::string& where) {
    ArchSpec s = readDecoderSizes(c, where, false);
    s.family = "qwen3";
    s.normEps = jsonNumber(c, "rms_norm_eps", where).value_or(1e-6);
    s.rope = readRope(c, s.headDim, where);
    s.activation = readActivation(jsonString(c, "hidden_act", where).value_or("silu"), where);
    s.qkvBias = s.oBias = jsonBool(c, "attention_bias", where).value_or(false);
    s.qkNorm = true;
    const bool useWindow = jsonBool(c, "use_sliding_window", where).value_or(false);
    s.slidingWindow = readSlidingWindows(c, s.layers, 0, where);
    if (!useWindow) s.slidingWindow.assign(static_cast<size_t>(s.layers), 0);
    s.names = llamaStyleNames();
    s.names.qNorm = "self_attn.q_norm";
    s.names.kNorm = "self_attn.k_norm";
    return s;
}

}  // namespace llmap

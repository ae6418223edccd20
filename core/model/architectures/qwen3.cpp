// Qwen3: Llama's blocks with RMSNorm over each head's queries and keys before rotary.
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec qwen3Spec(const nlohmann::json& c, const std::string& where) {
    ArchSpec s = readLlamaStyle(c, where, "qwen3");
    s.qkvBias = s.oBias = jsonBool(c, "attention_bias", where).value_or(false);
    s.qkNorm = true;
    const bool useWindow = jsonBool(c, "use_sliding_window", where).value_or(false);
    s.slidingWindow = readSlidingWindows(c, s.layers, where);
    if (!useWindow) s.slidingWindow.assign(static_cast<size_t>(s.layers), 0);
    s.names.qNorm = "self_attn.q_norm";
    s.names.kNorm = "self_attn.k_norm";
    return s;
}

}  // namespace llmap

// GLM-4-MoE (GLM-4.5, GLM-4.6): Llama's attention with biases on q, k, v only, optional RMSNorm
// over each head's queries and keys (use_qk_norm), rotary on the first partial_rotary_factor of
// each head (0.5 when absent), and DeepSeek-V3's sigmoid router with correction bias, groups and
// shared experts (see readSigmoidRouter) after the first first_k_dense_replace dense layers.
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "model/architectures/moe_config.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec glm4MoeSpec(const nlohmann::json& c, const std::string& where) {
    nlohmann::json withDefaults = c;  // Glm4MoeConfig's defaults where transformers' differ
    if (!jsonInt(c, "num_key_value_heads", where)) withDefaults["num_key_value_heads"] = 8;
    if (!jsonInt(c, "intermediate_size", where)) withDefaults["intermediate_size"] = 10944;
    if (!jsonNumber(c, "rms_norm_eps", where)) withDefaults["rms_norm_eps"] = 1e-5;
    const bool inParameters = c.contains("rope_parameters") && c["rope_parameters"].is_object() &&
                              c["rope_parameters"].contains("partial_rotary_factor");
    if (!inParameters && !jsonNumber(c, "partial_rotary_factor", where))
        withDefaults["partial_rotary_factor"] = 0.5;
    ArchSpec s = readLlamaStyle(withDefaults, where, "glm4_moe");
    s.qkvBias = jsonBool(c, "attention_bias", where).value_or(false);
    s.oBias = false;
    if (jsonBool(c, "use_qk_norm", where).value_or(false)) {
        s.qkNorm = true;
        s.names.qNorm = "self_attn.q_norm";
        s.names.kNorm = "self_attn.k_norm";
    }
    readSigmoidRouter(c, where, {128, 8, 1, 1, 1, 1408, 1, 1.0}, s);
    return s;
}

}  // namespace llmap

// GLM-4 (0414): Llama's blocks with an RMSNorm after attention and after the MLP as well as
// before them, a fused gate/up projection, q/k/v biases and rotary on interleaved pairs of the
// first half (partial_rotary_factor) of each head.
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec glm4Spec(const nlohmann::json& c, const std::string& where) {
    // Glm4Config's defaults where config.json is silent.
    nlohmann::json withDefaults = c;
    const auto absent = [&](const char* key) { return !c.contains(key) || c[key].is_null(); };
    if (absent("num_key_value_heads")) withDefaults["num_key_value_heads"] = 2;
    if (absent("head_dim")) withDefaults["head_dim"] = 128;
    if (absent("rms_norm_eps")) withDefaults["rms_norm_eps"] = 1.5625e-7;
    const bool inParams = c.contains("rope_parameters") && c["rope_parameters"].is_object() &&
                          c["rope_parameters"].contains("partial_rotary_factor");
    if (!inParams && absent("partial_rotary_factor")) withDefaults["partial_rotary_factor"] = 0.5;
    ArchSpec s = readLlamaStyle(withDefaults, where, "glm4");
    s.qkvBias = jsonBool(c, "attention_bias", where).value_or(true);
    s.rotaryInterleaved = true;
    s.sandwichNorms = true;
    s.names.postNorm = "post_self_attn_layernorm";
    s.preMlpNorm = "post_attention_layernorm";
    s.postMlpNorm = "post_mlp_layernorm";
    s.fusedGateUp = true;
    s.names.up = "mlp.gate_up_proj";
    s.names.gate = "";
    return s;
}

}  // namespace llmap

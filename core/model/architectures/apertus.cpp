// Apertus: Llama's attention with RMSNorm on each head's q and k, llama3 rotary scaling by
// default, and a non-gated MLP whose activation is xIELU with learned per-layer parameters.
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec apertusSpec(const nlohmann::json& c, const std::string& where) {
    nlohmann::json withDefaults = c;
    const auto absent = [&](const char* key) { return !c.contains(key) || c[key].is_null(); };
    // ApertusConfig's rotary when config.json names none.
    if (absent("rope_parameters") && absent("rope_scaling")) {
        withDefaults["rope_parameters"] = {
            {"rope_type", "llama3"},  {"rope_theta", 12000000.0},
            {"factor", 8.0},          {"original_max_position_embeddings", 8192},
            {"low_freq_factor", 1.0}, {"high_freq_factor", 4.0}};
    }
    if (absent("rms_norm_eps")) withDefaults["rms_norm_eps"] = 1e-5;
    const std::string act = jsonString(c, "hidden_act", where).value_or("xielu");
    withDefaults["hidden_act"] = act == "xielu" ? "silu" : act;
    ArchSpec s = readLlamaStyle(withDefaults, where, "apertus");
    wholeHeadRotary(s, where);
    if (act == "xielu") {
        s.activation = Activation::XIELU;
        s.xieluPrefix = "mlp.act_fn";
    }
    s.gatedMlp = false;
    s.names.gate = "";
    s.qkvBias = s.oBias = jsonBool(c, "attention_bias", where).value_or(false);
    s.qkNorm = true;
    s.names.qNorm = "self_attn.q_norm";
    s.names.kNorm = "self_attn.k_norm";
    s.names.inputNorm = "attention_layernorm";
    s.names.postNorm = "feedforward_layernorm";
    return s;
}

}  // namespace llmap

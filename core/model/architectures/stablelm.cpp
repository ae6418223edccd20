// StableLM (2, Zephyr, stable-code): LayerNorm, partial rotary, optional q/k/v biases, a
// SiLU-gated MLP, optionally a parallel block fed by the one input norm, optionally a bias-free
// LayerNorm per head on q and k.
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec stablelmSpec(const nlohmann::json& c, const std::string& where) {
    // StableLmConfig rotates a quarter of each head unless the config says otherwise.
    nlohmann::json withDefault = c;
    const bool inParams = c.contains("rope_parameters") && c["rope_parameters"].is_object() &&
                          c["rope_parameters"].contains("partial_rotary_factor");
    if (!inParams && !c.contains("partial_rotary_factor"))
        withDefault["partial_rotary_factor"] = 0.25;
    ArchSpec s = readLlamaStyle(withDefault, where, "stablelm");
    s.norm = NormKind::Layer;
    s.normEps = jsonNumber(c, "layer_norm_eps", where).value_or(1e-5);
    s.qkvBias = jsonBool(c, "use_qkv_bias", where).value_or(false);
    s.parallelResidual = s.sharedNorm = jsonBool(c, "use_parallel_residual", where).value_or(false);
    if (s.parallelResidual) s.names.postNorm = "";
    s.qkNorm = jsonBool(c, "qk_layernorm", where).value_or(false);
    s.qkNormKind = ArchSpec::QkNormKind::LayerPerHead;
    s.names.qNorm = "self_attn.q_layernorm";
    s.names.kNorm = "self_attn.k_layernorm";
    return s;
}

}  // namespace llmap

// Phi-1/1.5/2: LayerNorm, partial rotary, biases on every projection and on the output head, one
// input norm feeding attention and a GELU MLP in parallel; optional LayerNorm on q and k.
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/json_file.h"

namespace llmap {

namespace {

// PhiConfig rotates half of each head unless the config says otherwise.
nlohmann::json withDefaultPartialRotary(nlohmann::json c, double fallback) {
    const bool inParams = c.contains("rope_parameters") && c["rope_parameters"].is_object() &&
                          c["rope_parameters"].contains("partial_rotary_factor");
    if (!inParams && !c.contains("partial_rotary_factor")) c["partial_rotary_factor"] = fallback;
    return c;
}

}  // namespace

ArchSpec phiSpec(const nlohmann::json& c, const std::string& where) {
    ArchSpec s = readDecoderSizes(c, where, false);
    s.family = "phi";
    s.norm = NormKind::Layer;
    s.normEps = jsonNumber(c, "layer_norm_eps", where).value_or(1e-5);
    s.rope = readRope(withDefaultPartialRotary(c, 0.5), s.headDim, where);
    s.qkvBias = s.oBias = s.mlpBias = true;
    s.lmHeadBias = "lm_head.bias";
    s.gatedMlp = false;
    s.activation = readActivation(jsonString(c, "hidden_act", where).value_or("gelu_new"), where);
    s.parallelResidual = s.sharedNorm = true;
    s.qkNorm = jsonBool(c, "qk_layernorm", where).value_or(false);
    s.qkNormKind = ArchSpec::QkNormKind::LayerShared;
    s.slidingWindow.assign(static_cast<size_t>(s.layers), 0);
    WeightNames& n = s.names;
    n.basePrefix = "model.";
    n.embed = "embed_tokens.weight";
    n.finalNorm = "final_layernorm";
    n.lmHead = "lm_head.weight";
    n.layerPrefix = "layers.";
    n.inputNorm = "input_layernorm";
    n.q = "self_attn.q_proj";
    n.k = "self_attn.k_proj";
    n.v = "self_attn.v_proj";
    n.o = "self_attn.dense";
    n.qNorm = "self_attn.q_layernorm";
    n.kNorm = "self_attn.k_layernorm";
    n.up = "mlp.fc1";
    n.down = "mlp.fc2";
    return s;
}

}  // namespace llmap

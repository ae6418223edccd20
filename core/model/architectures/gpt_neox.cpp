// GPT-NeoX (Pythia): LayerNorm, partial rotary, fused q/k/v laid out per head, plain GELU MLP and
// (by default) a parallel residual; untied output head "embed_out".
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec gptNeoxSpec(const nlohmann::json& c, const std::string& where) {
    ArchSpec s = readDecoderSizes(c, where, false);
    s.family = "gpt_neox";
    s.norm = NormKind::Layer;
    s.normEps = jsonNumber(c, "layer_norm_eps", where).value_or(1e-5);
    s.rope = readRope(c, s.headDim, where);
    s.qkvLayout = QkvLayout::FusedPerHead;
    s.qkvBias = s.oBias = jsonBool(c, "attention_bias", where).value_or(true);
    s.mlpBias = true;
    s.gatedMlp = false;
    s.activation = readActivation(jsonString(c, "hidden_act", where).value_or("gelu"), where);
    s.parallelResidual = jsonBool(c, "use_parallel_residual", where).value_or(true);
    s.slidingWindow.assign(static_cast<size_t>(s.layers), 0);
    WeightNames& n = s.names;
    n.basePrefix = "gpt_neox.";
    n.embed = "embed_in.weight";
    n.finalNorm = "final_layer_norm";
    n.lmHead = "embed_out.weight";
    n.layerPrefix = "layers.";
    n.inputNorm = "input_layernorm";
    n.postNorm = "post_attention_layernorm";
    n.qkv = "attention.query_key_value";
    n.o = "attention.dense";
    n.up = "mlp.dense_h_to_4h";
    n.down = "mlp.dense_4h_to_h";
    return s;
}

}  // namespace llmap

// BLOOM: ALiBi instead of positions, a LayerNorm on the token embeddings, q/k/v fused per head,
// tanh-GELU MLP of 4x width; optionally the residual taken after each norm.
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec bloomSpec(const nlohmann::json& c, const std::string& where) {
    nlohmann::json sizes = c;  // older BLOOM configs name the width "n_embed"
    if (const auto e = jsonInt(c, "n_embed", where)) sizes["hidden_size"] = *e;
    ArchSpec s = readDecoderSizes(sizes, where, true);
    s.family = "bloom";
    s.intermediate = 4 * s.hidden;
    s.norm = NormKind::Layer;
    s.normEps = jsonNumber(c, "layer_norm_epsilon", where).value_or(1e-5);
    s.positions = Positions::Alibi;
    s.alibi = AlibiStyle::Bloom;
    s.qkvLayout = QkvLayout::FusedPerHead;
    s.qkvBias = s.oBias = s.mlpBias = true;
    s.gatedMlp = false;
    s.activation = Activation::GeluTanh;
    s.residualFromNorm =
        jsonBool(c, "apply_residual_connection_post_layernorm", where).value_or(false);
    s.slidingWindow.assign(static_cast<size_t>(s.layers), 0);
    s.embedNorm = "word_embeddings_layernorm";
    WeightNames& n = s.names;
    n.basePrefix = "transformer.";
    n.embed = "word_embeddings.weight";
    n.finalNorm = "ln_f";
    n.lmHead = "lm_head.weight";
    n.layerPrefix = "h.";
    n.inputNorm = "input_layernorm";
    n.postNorm = "post_attention_layernorm";
    n.qkv = "self_attention.query_key_value";
    n.o = "self_attention.dense";
    n.up = "mlp.dense_h_to_4h";
    n.down = "mlp.dense_4h_to_h";
    return s;
}

}  // namespace llmap

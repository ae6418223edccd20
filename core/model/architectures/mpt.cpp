// MPT: ALiBi (alibi_bias_max 8), q/k/v fused as [q; k; v] and optionally clipped, LayerNorms
// without bias, no biases anywhere, GELU MLP of 4x width. As in transformers, which implements no
// other MPT variant: learned positions, multi-query attention, QK-LayerNorm and biases are refused.
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec mptSpec(const nlohmann::json& c, const std::string& where) {
    nlohmann::json sizes = c;
    sizes["hidden_size"] = requireInt(c, {"d_model"}, where);
    sizes["num_hidden_layers"] = requireInt(c, {"n_layers"}, where);
    sizes["num_attention_heads"] = requireInt(c, {"n_heads"}, where);
    sizes["max_position_embeddings"] = jsonInt(c, "max_seq_len", where).value_or(2048);
    sizes.erase("head_dim");
    sizes.erase("num_key_value_heads");
    ArchSpec s = readDecoderSizes(sizes, where, true);
    s.family = "mpt";
    if (s.hidden % s.heads != 0) {
        throw InputError("absurd config: " + std::to_string(s.heads) +
                             " heads do not divide d_model " + std::to_string(s.hidden),
                         where, "fix config.json");
    }
    const nlohmann::json attn = c.contains("attn_config") && c["attn_config"].is_object()
                                    ? c["attn_config"]
                                    : nlohmann::json::object();
    auto refuse = [&](const std::string& what, const std::string& fix) {
        throw InputError("MPT with " + what + " is not supported", where, fix);
    };
    if (!jsonBool(attn, "alibi", where).value_or(true)) {
        refuse("learned positions (attn_config.alibi=false)", "only ALiBi MPT models run");
    }
    if (jsonNumber(attn, "alibi_bias_max", where).value_or(8.0) != 8.0) {
        refuse("alibi_bias_max other than 8", "transformers fixes alibi_bias_max at 8");
    }
    if (jsonString(attn, "attn_type", where).value_or("multihead_attention") !=
        "multihead_attention") {
        refuse("attn_type other than multihead_attention", "use a multi-head MPT model");
    }
    if (jsonBool(attn, "qk_ln", where).value_or(false)) refuse("qk_ln", "use qk_ln=false");
    if (jsonBool(attn, "prefix_lm", where).value_or(false)) {
        refuse("prefix_lm", "use a causal MPT model");
    }
    if (!jsonBool(c, "no_bias", where).value_or(true)) {
        refuse("biases (no_bias=false)", "transformers' MPT has no biases; use no_bias=true");
    }
    if (jsonInt(c, "expansion_ratio", where).value_or(4) != 4) {
        refuse("expansion_ratio other than 4", "transformers' MPT fixes the MLP width at 4x");
    }
    s.intermediate = 4 * s.hidden;
    s.norm = NormKind::Layer;
    s.normBias = false;
    s.normEps = jsonNumber(c, "layer_norm_epsilon", where).value_or(1e-5);
    s.positions = Positions::Alibi;
    s.alibi = AlibiStyle::Mpt;
    s.qkvLayout = QkvLayout::FusedStacked;
    s.gatedMlp = false;
    s.activation = Activation::Gelu;
    const double softmaxScale = jsonNumber(attn, "softmax_scale", where).value_or(0.0);
    const double clip = jsonNumber(attn, "clip_qkv", where).value_or(0.0);
    if (softmaxScale < 0 || clip < 0) {
        throw InputError("absurd config: negative softmax_scale or clip_qkv", where,
                         "fix attn_config in config.json");
    }
    s.attentionScale = softmaxScale;
    s.clipQkv = clip;
    s.slidingWindow.assign(static_cast<size_t>(s.layers), 0);
    WeightNames& n = s.names;
    n.basePrefix = "transformer.";
    n.embed = "wte.weight";
    n.finalNorm = "norm_f";
    n.lmHead = "lm_head.weight";
    n.layerPrefix = "blocks.";
    n.inputNorm = "norm_1";
    n.postNorm = "norm_2";
    n.qkv = "attn.Wqkv";
    n.o = "attn.out_proj";
    n.up = "ffn.up_proj";
    n.down = "ffn.down_proj";
    return s;
}

}  // namespace llmap

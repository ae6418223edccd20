// Falcon: LayerNorm, fused q/k/v in three layouts (new decoder architecture: grouped per key/value
// head; old: multi-query [q; k; v] or per head), parallel or sequential blocks, rotary or ALiBi
// (Falcon-RW), biases everywhere or nowhere.
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec falconSpec(const nlohmann::json& c, const std::string& where) {
    nlohmann::json sizes = c;
    if (const auto e = jsonInt(c, "n_embed", where)) sizes["hidden_size"] = *e;
    sizes.erase("num_key_value_heads");
    ArchSpec s = readDecoderSizes(sizes, where, true);
    s.family = "falcon";
    // Configs written for the original RefinedWeb code: "RefinedWeb" (Falcon-40B) is the new
    // decoder architecture, and its key/value heads are "n_head_kv".
    const bool refinedWeb = jsonString(c, "model_type", where).value_or("") == "RefinedWeb";
    const bool newArch = jsonBool(c, "new_decoder_architecture", where).value_or(refinedWeb);
    const bool multiQuery = jsonBool(c, "multi_query", where).value_or(true);
    const bool parallel = jsonBool(c, "parallel_attn", where).value_or(true);
    const bool alibi = jsonBool(c, "alibi", where).value_or(false);
    const bool bias = jsonBool(c, "bias", where).value_or(false);
    if (s.hidden % s.heads != 0) {
        throw InputError("absurd config: " + std::to_string(s.heads) +
                             " heads do not divide hidden_size " + std::to_string(s.hidden),
                         where, "fix config.json");
    }
    s.headDim = s.hidden / s.heads;
    if (newArch) {
        s.kvHeads = jsonInt(c, "num_kv_heads", where)
                        .value_or(jsonInt(c, "n_head_kv", where).value_or(s.heads));
        if (s.kvHeads <= 0 || s.heads % s.kvHeads != 0) {
            throw InputError("absurd config: num_kv_heads " + std::to_string(s.kvHeads) +
                                 " does not divide " + std::to_string(s.heads) + " heads",
                             where, "fix config.json");
        }
        s.qkvLayout = QkvLayout::FusedGrouped;
    } else if (multiQuery) {
        s.kvHeads = 1;
        s.qkvLayout = QkvLayout::FusedStacked;
    } else {
        s.kvHeads = s.heads;
        s.qkvLayout = QkvLayout::FusedPerHead;
    }
    s.intermediate = jsonInt(c, "ffn_hidden_size", where).value_or(4 * s.hidden);
    if (s.intermediate <= 0 || s.intermediate > (1 << 20)) {
        throw InputError("absurd config: ffn_hidden_size " + std::to_string(s.intermediate), where,
                         "fix config.json");
    }
    s.norm = NormKind::Layer;
    s.normEps = jsonNumber(c, "layer_norm_epsilon", where).value_or(1e-5);
    if (alibi) {
        s.positions = Positions::Alibi;
        s.alibi = AlibiStyle::Falcon;
    } else {
        s.rope = readRope(c, s.headDim, where);
    }
    s.qkvBias = s.oBias = s.mlpBias = bias;
    s.gatedMlp = false;
    s.activation = readActivation(jsonString(c, "activation", where).value_or("gelu"), where);
    s.slidingWindow.assign(static_cast<size_t>(s.layers), 0);

    WeightNames& n = s.names;
    n.basePrefix = "transformer.";
    n.embed = "word_embeddings.weight";
    n.finalNorm = "ln_f";
    n.lmHead = "lm_head.weight";
    n.layerPrefix = "h.";
    n.qkv = "self_attention.query_key_value";
    n.o = "self_attention.dense";
    n.up = "mlp.dense_h_to_4h";
    n.down = "mlp.dense_4h_to_h";
    const int64_t norms = jsonInt(c, "num_ln_in_parallel_attn", where).value_or(newArch ? 2 : 1);
    if (newArch && norms == 2) {
        s.parallelResidual = true;
        n.inputNorm = "ln_attn";
        n.postNorm = "ln_mlp";
    } else if (newArch || parallel) {
        if (newArch && !parallel) {
            throw InputError(
                "Falcon's new decoder architecture with one norm needs parallel_attn=true", where,
                "set parallel_attn=true or num_ln_in_parallel_attn=2 in config.json");
        }
        s.parallelResidual = s.sharedNorm = true;
        n.inputNorm = "input_layernorm";
    } else {
        n.inputNorm = "input_layernorm";
        n.postNorm = "post_attention_layernorm";
    }
    return s;
}

}  // namespace llmap

// OPT: learned positions stored from row 2, separate q/k/v, plain MLP; pre-norm with a final norm
// (do_layer_norm_before) or post-norm without one (OPT-350m), and project_in/out when the token
// embeddings are narrower than the model (word_embed_proj_dim).
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec optSpec(const nlohmann::json& c, const std::string& where) {
    ArchSpec s = readDecoderSizes(c, where, true);
    s.family = "opt";
    if (s.context <= 0) {
        throw InputError("absurd config: max_position_embeddings must be positive", where,
                         "fix config.json");
    }
    s.intermediate = requireInt(c, {"ffn_dim"}, where);
    if (s.intermediate <= 0 || s.intermediate > (1 << 20)) {
        throw InputError("absurd config: ffn_dim " + std::to_string(s.intermediate), where,
                         "fix config.json");
    }
    if (!jsonBool(c, "layer_norm_elementwise_affine", where).value_or(true)) {
        throw InputError("OPT without LayerNorm weights is not supported", where,
                         "use layer_norm_elementwise_affine=true");
    }
    s.norm = NormKind::Layer;
    s.normEps = 1e-5;
    s.positions = Positions::Learned;
    s.positionOffset = 2;
    s.qkvBias = s.oBias = s.mlpBias = jsonBool(c, "enable_bias", where).value_or(true);
    s.gatedMlp = false;
    s.activation =
        readActivation(jsonString(c, "activation_function", where).value_or("relu"), where);
    s.slidingWindow.assign(static_cast<size_t>(s.layers), 0);
    const bool preNorm = jsonBool(c, "do_layer_norm_before", where).value_or(true);
    s.normAfterResidual = !preNorm;
    const int64_t projDim = jsonInt(c, "word_embed_proj_dim", where).value_or(s.hidden);
    if (projDim <= 0 || projDim > (1 << 18)) {
        throw InputError("absurd config: word_embed_proj_dim " + std::to_string(projDim), where,
                         "fix config.json");
    }
    WeightNames& n = s.names;
    n.basePrefix = "model.decoder.";
    n.embed = "embed_tokens.weight";
    n.positions = "embed_positions.weight";
    const bool removeFinal = jsonBool(c, "_remove_final_layer_norm", where).value_or(false);
    n.finalNorm = preNorm && !removeFinal ? "final_layer_norm" : "";
    n.lmHead = "lm_head.weight";
    n.layerPrefix = "layers.";
    n.inputNorm = "self_attn_layer_norm";
    n.postNorm = "final_layer_norm";
    n.q = "self_attn.q_proj";
    n.k = "self_attn.k_proj";
    n.v = "self_attn.v_proj";
    n.o = "self_attn.out_proj";
    n.up = "fc1";
    n.down = "fc2";
    if (projDim != s.hidden) {
        s.embedDim = projDim;
        s.projectIn = "project_in";
        s.projectOut = "project_out";
    }
    return s;
}

}  // namespace llmap

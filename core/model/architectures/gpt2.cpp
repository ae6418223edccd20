// GPT-2: LayerNorm, learned positions, fused q/k/v, plain GELU MLP, weights in Conv1D layout
// ([in, out]), head tied to the token embedding.
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec gpt2Spec(const nlohmann::json& c, const std::string& where) {
    ArchSpec s = readDecoderSizes(c, where, true);
    s.family = "gpt2";
    if (s.context <= 0) {
        throw InputError("absurd config: n_positions must be positive", where, "fix config.json");
    }
    s.intermediate = jsonInt(c, "n_inner", where).value_or(4 * s.hidden);
    s.norm = NormKind::Layer;
    s.normEps = jsonNumber(c, "layer_norm_epsilon", where).value_or(1e-5);
    s.positions = Positions::Learned;
    s.qkvLayout = QkvLayout::FusedStacked;
    s.qkvBias = s.oBias = s.mlpBias = true;
    s.conv1d = true;
    s.gatedMlp = false;
    s.activation =
        readActivation(jsonString(c, "activation_function", where).value_or("gelu_new"), where);
    if (jsonBool(c, "scale_attn_by_inverse_layer_idx", where).value_or(false) ||
        jsonBool(c, "reorder_and_upcast_attn", where).value_or(false) ||
        !jsonBool(c, "scale_attn_weights", where).value_or(true)) {
        throw InputError("GPT-2 attention scaling variants are not supported", where,
                         "use scale_attn_weights=true without per-layer scaling");
    }
    s.slidingWindow.assign(static_cast<size_t>(s.layers), 0);
    s.names = gpt2StyleNames();
    return s;
}

}  // namespace llmap

// GPT-BigCode (SantaCoder, StarCoder 1): GPT-2's blocks as plain linear layers, q/k/v fused as
// [q; k; v] with one shared key/value head (multi_query) or per head, optionally unscaled scores.
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec gptBigcodeSpec(const nlohmann::json& c, const std::string& where) {
    nlohmann::json sizes = c;
    sizes.erase("num_key_value_heads");
    sizes.erase("head_dim");
    ArchSpec s = readDecoderSizes(sizes, where, true);
    s.family = "gpt_bigcode";
    if (s.context <= 0) {
        throw InputError("absurd config: n_positions must be positive", where, "fix config.json");
    }
    if (s.hidden % s.heads != 0) {
        throw InputError("absurd config: " + std::to_string(s.heads) +
                             " heads do not divide n_embd " + std::to_string(s.hidden),
                         where, "fix config.json");
    }
    if (jsonBool(c, "add_cross_attention", where).value_or(false)) {
        throw InputError("GPT-BigCode with cross-attention is not supported", where,
                         "use a decoder-only model");
    }
    const bool multiQuery = jsonBool(c, "multi_query", where).value_or(true);
    s.kvHeads = multiQuery ? 1 : s.heads;
    s.qkvLayout = multiQuery ? QkvLayout::FusedStacked : QkvLayout::FusedPerHead;
    s.intermediate = jsonInt(c, "n_inner", where).value_or(4 * s.hidden);
    s.norm = NormKind::Layer;
    s.normEps = jsonNumber(c, "layer_norm_epsilon", where).value_or(1e-5);
    s.positions = Positions::Learned;
    s.qkvBias = s.oBias = s.mlpBias = true;
    s.gatedMlp = false;
    s.activation = readActivation(
        jsonString(c, "activation_function", where).value_or("gelu_pytorch_tanh"), where);
    if (!jsonBool(c, "scale_attn_weights", where).value_or(true)) s.attentionScale = 1.0;
    s.slidingWindow.assign(static_cast<size_t>(s.layers), 0);
    s.names = gpt2StyleNames();
    return s;
}

}  // namespace llmap

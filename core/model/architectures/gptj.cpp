// GPT-J: LayerNorm, rotary on interleaved pairs of the first rotary_dim channels, separate q/k/v
// without biases, one norm feeding attention and MLP in parallel, output head with a bias.
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec gptjSpec(const nlohmann::json& c, const std::string& where) {
    ArchSpec s = readDecoderSizes(c, where, false);
    s.family = "gptj";
    s.intermediate = jsonInt(c, "n_inner", where).value_or(4 * s.hidden);
    s.norm = NormKind::Layer;
    s.normEps = jsonNumber(c, "layer_norm_epsilon", where).value_or(1e-5);
    s.rope.dim = jsonInt(c, "rotary_dim", where).value_or(s.headDim);
    s.rope.theta = 10000.0;
    if (s.rope.dim < 2 || s.rope.dim % 2 != 0 || s.rope.dim > s.headDim) {
        throw InputError("absurd config: rotary_dim " + std::to_string(s.rope.dim) +
                             " for a head dimension of " + std::to_string(s.headDim),
                         where, "rotary_dim must be even and at most n_embd / n_head");
    }
    s.rotaryInterleaved = true;
    s.mlpBias = true;
    s.gatedMlp = false;
    s.activation =
        readActivation(jsonString(c, "activation_function", where).value_or("gelu_new"), where);
    s.parallelResidual = s.sharedNorm = true;
    s.slidingWindow.assign(static_cast<size_t>(s.layers), 0);
    s.lmHeadBias = "lm_head.bias";
    WeightNames& n = s.names;
    n.basePrefix = "transformer.";
    n.embed = "wte.weight";
    n.finalNorm = "ln_f";
    n.lmHead = "lm_head.weight";
    n.layerPrefix = "h.";
    n.inputNorm = "ln_1";
    n.q = "attn.q_proj";
    n.k = "attn.k_proj";
    n.v = "attn.v_proj";
    n.o = "attn.out_proj";
    n.up = "mlp.fc_in";
    n.down = "mlp.fc_out";
    return s;
}

}  // namespace llmap

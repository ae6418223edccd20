// StarCoder2: Llama's attention (rotary, grouped-query, optional sliding window on every layer)
// with biases, LayerNorm and a plain (not gated) GELU MLP.
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec starcoder2Spec(const nlohmann::json& c, const std::string& where) {
    ArchSpec s = readLlamaStyle(c, where, "starcoder2");
    s.norm = NormKind::Layer;
    s.normEps = jsonNumber(c, "norm_epsilon", where).value_or(1e-5);
    s.activation =
        readActivation(jsonString(c, "hidden_act", where).value_or("gelu_pytorch_tanh"), where);
    s.qkvBias = s.oBias = s.mlpBias = jsonBool(c, "use_bias", where).value_or(true);
    s.gatedMlp = false;
    s.tiedEmbeddings = jsonBool(c, "tie_word_embeddings", where).value_or(true);
    s.slidingWindow = windowOnEveryLayer(c, s.layers, where);
    s.names.up = "mlp.c_fc";
    s.names.down = "mlp.c_proj";
    s.names.gate = "";
    return s;
}

}  // namespace llmap

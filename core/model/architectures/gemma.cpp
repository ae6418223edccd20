// Gemma: Llama's blocks with RMSNorm scaling by (1 + weight), embeddings scaled by
// sqrt(hidden_size), a GeGLU MLP (tanh GELU) and the head tied to the embedding by default.
#include <cmath>

#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec gemmaSpec(const nlohmann::json& c, const std::string& where) {
    ArchSpec s = readLlamaStyle(c, where, "gemma");
    s.tiedEmbeddings = jsonBool(c, "tie_word_embeddings", where).value_or(true);
    s.qkvBias = s.oBias = jsonBool(c, "attention_bias", where).value_or(false);
    s.rmsStyle = ArchSpec::RmsStyle::PlusOne;
    s.embedScale = std::sqrt(static_cast<double>(s.hidden));
    // Older configs name it hidden_activation; transformers reads a plain "gelu" as the tanh
    // approximation that Gemma was trained with.
    std::string act =
        jsonString(c, "hidden_activation", where)
            .value_or(jsonString(c, "hidden_act", where).value_or("gelu_pytorch_tanh"));
    s.activation = act == "gelu" ? Activation::GeluTanh : readActivation(act, where);
    return s;
}

}  // namespace llmap

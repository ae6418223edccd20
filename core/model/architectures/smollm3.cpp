// SmolLM3: Llama's blocks without rotary on the layers no_rope_layers marks 0 (by default every
// no_rope_layer_interval-th layer), with sliding windows on the layers layer_types marks (by
// default, with use_sliding_window and a sliding_window, the layers without rotary).
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "model/architectures/no_rope_layers.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec smollm3Spec(const nlohmann::json& c, const std::string& where) {
    ArchSpec s = readLlamaStyle(withDefaultTheta(c, 2000000.0), where, "smollm3");
    s.tiedEmbeddings = jsonBool(c, "tie_word_embeddings", where).value_or(true);
    s.qkvBias = s.oBias = jsonBool(c, "attention_bias", where).value_or(false);
    s.mlpBias = jsonBool(c, "mlp_bias", where).value_or(false);
    s.noRopeLayers = readNoRopeLayers(c, s.layers, where, false);
    std::vector<bool> sliding = readLayerTypes(c, s.layers, where);
    if (sliding.empty()) {
        const bool useWindow = jsonBool(c, "use_sliding_window", where).value_or(false);
        const bool window = jsonInt(c, "sliding_window", where).has_value();
        sliding = useWindow && window ? s.noRopeLayers
                                      : std::vector<bool>(static_cast<size_t>(s.layers), false);
    }
    // transformers' attention masks follow layer_types alone, whatever use_sliding_window says.
    s.slidingWindow = windowsOnSlidingLayers(c, sliding, where);
    return s;
}

}  // namespace llmap

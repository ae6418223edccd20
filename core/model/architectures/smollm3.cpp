// SmolLM3: Llama's blocks without rotary on the layers no_rope_layers marks 0 (by default every
// no_rope_layer_interval-th layer), with sliding windows on the layers layer_types marks (by
// default, with use_sliding_window and a sliding_window, the layers without rotary).
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

namespace {

// true: the layer has no rotary. no_rope_layers holds 1 for a layer that rotates.
std::vector<bool> noRopeLayers(const nlohmann::json& c, int64_t layers, const std::string& where) {
    std::vector<bool> noRope(static_cast<size_t>(layers), false);
    const auto list = c.find("no_rope_layers");
    if (list != c.end() && !list->is_null()) {
        if (!list->is_array() || static_cast<int64_t>(list->size()) < layers) {
            throw InputError("no_rope_layers must give a 0 or 1 for each of the " +
                                 std::to_string(layers) + " layers",
                             where, "fix config.json");
        }
        for (size_t i = 0; i < noRope.size(); ++i) {
            const auto& v = (*list)[i];
            if (!v.is_number_integer() || (v.get<int64_t>() != 0 && v.get<int64_t>() != 1)) {
                throw InputError("no_rope_layers entry " + std::to_string(i) + " is " + v.dump() +
                                     ", not 0 or 1",
                                 where, "fix config.json");
            }
            noRope[i] = v.get<int64_t>() == 0;
        }
        return noRope;
    }
    const int64_t interval = jsonInt(c, "no_rope_layer_interval", where).value_or(4);
    if (interval <= 0) {
        throw InputError("absurd config: no_rope_layer_interval " + std::to_string(interval), where,
                         "fix config.json");
    }
    for (int64_t i = 0; i < layers; ++i) noRope[static_cast<size_t>(i)] = (i + 1) % interval == 0;
    return noRope;
}

}  // namespace

ArchSpec smollm3Spec(const nlohmann::json& c, const std::string& where) {
    ArchSpec s = readLlamaStyle(withDefaultTheta(c, 2000000.0), where, "smollm3");
    s.tiedEmbeddings = jsonBool(c, "tie_word_embeddings", where).value_or(true);
    s.qkvBias = s.oBias = jsonBool(c, "attention_bias", where).value_or(false);
    s.mlpBias = jsonBool(c, "mlp_bias", where).value_or(false);
    s.noRopeLayers = noRopeLayers(c, s.layers, where);
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

// EXAONE-4: Llama's RMSNorm after (not before) attention and MLP, as OLMo-2 places it, with
// RMSNorm over each head's queries and keys before rotary. With a sliding_window, the layers
// layer_types marks (by default all but every sliding_window_pattern-th) slide and the others
// rotate nothing (NoPE); without one, every layer is global and rotates.
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

namespace {

std::vector<bool> slidingLayers(const nlohmann::json& c, int64_t layers, bool window,
                                const std::string& where) {
    std::vector<bool> sliding = readLayerTypes(c, layers, where);
    if (!sliding.empty()) return sliding;
    sliding.assign(static_cast<size_t>(layers), false);
    if (!window) return sliding;
    const auto pattern = c.find("sliding_window_pattern");
    if (pattern != c.end() && !pattern->is_null() && !pattern->is_number_integer()) {
        throw InputError("sliding_window_pattern " + pattern->dump() + " without layer_types",
                         where, "give layer_types in config.json, one entry per layer");
    }
    const int64_t every = jsonInt(c, "sliding_window_pattern", where).value_or(4);
    if (every <= 0) {
        throw InputError("absurd config: sliding_window_pattern " + std::to_string(every), where,
                         "fix config.json");
    }
    for (int64_t i = 0; i < layers; ++i) sliding[static_cast<size_t>(i)] = (i + 1) % every != 0;
    return sliding;
}

}  // namespace

ArchSpec exaone4Spec(const nlohmann::json& c, const std::string& where) {
    ArchSpec s = readLlamaStyle(c, where, "exaone4");
    s.qkNorm = true;
    s.names.qNorm = "self_attn.q_norm";
    s.names.kNorm = "self_attn.k_norm";
    s.postNormsOnly = true;
    s.names.inputNorm = "";
    s.postMlpNorm = "post_feedforward_layernorm";
    const bool window = jsonInt(c, "sliding_window", where).has_value();
    const std::vector<bool> sliding = slidingLayers(c, s.layers, window, where);
    s.slidingWindow = windowsOnSlidingLayers(c, sliding, where);
    if (window) {
        s.noRopeLayers.assign(sliding.size(), false);
        for (size_t i = 0; i < sliding.size(); ++i) s.noRopeLayers[i] = !sliding[i];
    }
    return s;
}

}  // namespace llmap

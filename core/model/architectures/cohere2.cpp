// Cohere-2 (Command-R7B, Command-A): Cohere's parallel blocks without q/k norms, where the sliding
// layers attend within a window and rotate, and the full-attention layers use no rotary at all.
#include <algorithm>

#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

namespace {

// Which layers slide: "layer_types", else every layer but each sliding_window_pattern-th.
std::vector<bool> slidingLayers(const nlohmann::json& c, int64_t layers, const std::string& where) {
    std::vector<bool> sliding(static_cast<size_t>(layers));
    const auto types = c.find("layer_types");
    if (types != c.end() && !types->is_null()) {
        if (!types->is_array() || static_cast<int64_t>(types->size()) != layers) {
            throw InputError("layer_types must list one type for each of the " +
                                 std::to_string(layers) + " layers",
                             where, "fix config.json");
        }
        for (size_t i = 0; i < sliding.size(); ++i) {
            const auto& t = (*types)[i];
            const std::string type = t.is_string() ? t.get<std::string>() : t.dump();
            if (type != "sliding_attention" && type != "full_attention") {
                throw InputError("layer type \"" + type + "\" is not supported", where,
                                 "layer_types holds sliding_attention or full_attention");
            }
            sliding[i] = type == "sliding_attention";
        }
        return sliding;
    }
    const int64_t pattern = jsonInt(c, "sliding_window_pattern", where).value_or(4);
    if (pattern <= 0) {
        throw InputError("absurd config: sliding_window_pattern must be positive", where,
                         "fix config.json");
    }
    for (size_t i = 0; i < sliding.size(); ++i)
        sliding[i] = (static_cast<int64_t>(i) + 1) % pattern != 0;
    return sliding;
}

}  // namespace

ArchSpec cohere2Spec(const nlohmann::json& c, const std::string& where) {
    ArchSpec s = cohereSpec(c, where);
    s.family = "cohere2";
    s.qkNorm = false;
    const std::vector<bool> sliding = slidingLayers(c, s.layers, where);
    const bool anySliding = std::find(sliding.begin(), sliding.end(), true) != sliding.end();
    const auto window = jsonInt(c, "sliding_window", where);
    const bool absent = !c.contains("sliding_window");
    if (anySliding && !absent && (!window || *window <= 0)) {
        throw InputError("the sliding layers need a positive sliding_window", where,
                         "fix sliding_window in config.json");
    }
    s.noRopeLayers.resize(sliding.size());
    for (size_t i = 0; i < sliding.size(); ++i) {
        s.slidingWindow[i] = sliding[i] ? window.value_or(4096) : 0;
        s.noRopeLayers[i] = !sliding[i];
    }
    return s;
}

}  // namespace llmap

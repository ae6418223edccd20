// Qwen2 / Qwen2.5: Llama's blocks with biases on the q, k, v projections; optional sliding window
// on the layers from max_window_layers on.
#include <algorithm>

#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec qwen2Spec(const nlohmann::json& c, const std::string& where) {
    ArchSpec s = readLlamaStyle(c, where, "qwen2");
    s.qkvBias = true;
    const bool useWindow = jsonBool(c, "use_sliding_window", where).value_or(false);
    const int64_t window = useWindow ? jsonInt(c, "sliding_window", where).value_or(0) : 0;
    if (c.contains("layer_types")) {
        s.slidingWindow = readSlidingWindows(c, s.layers, where);
        if (!useWindow) s.slidingWindow.assign(static_cast<size_t>(s.layers), 0);
    } else {
        const int64_t first = jsonInt(c, "max_window_layers", where).value_or(s.layers);
        for (int64_t i = std::max<int64_t>(first, 0); i < s.layers; ++i)
            s.slidingWindow[static_cast<size_t>(i)] = window;
    }
    return s;
}

}  // namespace llmap

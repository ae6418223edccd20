// Qwen2 / Qwen2.5: Llama's blocks with biases on the q, k, v projections; optional sliding window
// on the layers from max_window_layers on.
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "model/json_file.h"

namespace llmap {

ArchSpec qwen2Spec(const nlohmann::json& c, const std::string& where) {
    ArchSpec s = readDecoderSizes(c, where, false);
    s.family = "qwen2";
    s.normEps = jsonNumber(c, "rms_norm_eps", where).value_or(1e-6);
    s.rope = readRope(c, s.headDim, where);
    s.activation = readActivation(jsonString(c, "hidden_act", where).value_or("silu"), where);
    s.qkvBias = true;
    const bool useWindow = jsonBool(c, "use_sliding_window", where).value_or(false);
    const int64_t window = useWindow ? jsonInt(c, "sliding_window", where).value_or(0) : 0;
    if (c.contains("layer_types")) {
        s.slidingWindow = readSlidingWindows(c, s.layers, 0, where);
        if (!useWindow) s.slidingWindow.assign(static_cast<size_t>(s.layers), 0);
    } else {
        const int64_t first = jsonInt(c, "max_window_layers", where).value_or(s.layers);
        s.slidingWindow.assign(static_cast<size_t>(s.layers), 0);
        for (int64_t i = first; i < s.layers; ++i) s.slidingWindow[static_cast<size_t>(i)] = window;
    }
    s.names = llamaStyleNames();
    return s;
}

}  // namespace llmap

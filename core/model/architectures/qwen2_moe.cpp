// Qwen2-MoE (Qwen1.5-MoE, Qwen2-57B-A14B): Qwen2's attention (biases on q, k, v) with a mixture of
// SiLU-gated experts in place of the MLP, except on the layers that keep a dense one
// (mlp_only_layers, decoder_sparse_step), plus an always-on shared expert whose output is scaled
// by sigmoid(shared_expert_gate(x)). Sliding windows on the layers layer_types marks or, without
// it, on the even layers below max_window_layers.
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "model/architectures/moe_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec qwen2MoeSpec(const nlohmann::json& c, const std::string& where) {
    nlohmann::json withDefaults = c;  // Qwen2MoeConfig's defaults where readLlamaStyle's differ
    if (!jsonInt(c, "num_key_value_heads", where)) withDefaults["num_key_value_heads"] = 16;
    if (!jsonInt(c, "intermediate_size", where)) withDefaults["intermediate_size"] = 5632;
    ArchSpec s = readLlamaStyle(withDefaults, where, "qwen2_moe");
    s.qkvBias = jsonBool(c, "qkv_bias", where).value_or(true);

    const bool useWindow = jsonBool(c, "use_sliding_window", where).value_or(false);
    int64_t window = 0;
    if (useWindow) {
        window =
            c.contains("sliding_window") ? jsonInt(c, "sliding_window", where).value_or(-1) : 4096;
        if (window <= 0) {
            throw InputError("use_sliding_window is true without a positive sliding_window", where,
                             "fix sliding_window in config.json");
        }
    }
    if (c.contains("layer_types") && !c["layer_types"].is_null()) {
        s.slidingWindow = readSlidingWindows(c, s.layers, where);
        for (int64_t& w : s.slidingWindow) {
            if (w == 0) continue;
            if (!useWindow) {
                throw InputError("layer_types has sliding layers but use_sliding_window is false",
                                 where,
                                 "set use_sliding_window or mark every layer full_attention");
            }
            w = window;
        }
    } else {
        const int64_t below = jsonInt(c, "max_window_layers", where).value_or(28);
        for (int64_t i = 0; i < s.layers; ++i)
            if (i % 2 == 0 && i < below) s.slidingWindow[static_cast<size_t>(i)] = window;
    }

    readRoutedExperts(c, where, jsonInt(c, "moe_intermediate_size", where).value_or(1408), 60, 4,
                      true, s);
    if (s.experts > 0) {
        s.denseMlpLayers = readQwenDenseLayers(c, s.layers, where);
        s.sharedIntermediate = jsonInt(c, "shared_expert_intermediate_size", where).value_or(5632);
        if (s.sharedIntermediate < 0 || s.sharedIntermediate > (1 << 20)) {
            throw InputError("absurd config: shared_expert_intermediate_size " +
                                 std::to_string(s.sharedIntermediate),
                             where, "fix config.json");
        }
        s.moeShared = "mlp.shared_expert";
        s.moeSharedGate = "mlp.shared_expert_gate";
    }
    return s;
}

}  // namespace llmap

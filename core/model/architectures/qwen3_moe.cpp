// Qwen3-MoE: Qwen3's attention (RMSNorm over each head's queries and keys) with a mixture of
// SiLU-gated experts in place of the MLP, except on the layers that keep a dense one
// (mlp_only_layers, decoder_sparse_step); each token goes to its num_experts_per_tok most probable
// experts, their weights renormalised only with norm_topk_prob. With use_sliding_window, one
// window on every layer.
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "model/architectures/moe_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec qwen3MoeSpec(const nlohmann::json& c, const std::string& where) {
    nlohmann::json withDefaults = c;  // Qwen3MoeConfig's defaults where readLlamaStyle's differ
    if (!jsonInt(c, "num_key_value_heads", where)) withDefaults["num_key_value_heads"] = 4;
    if (!jsonInt(c, "intermediate_size", where)) withDefaults["intermediate_size"] = 6144;
    ArchSpec s = readLlamaStyle(withDefaults, where, "qwen3_moe");
    s.qkvBias = s.oBias = jsonBool(c, "attention_bias", where).value_or(false);
    s.qkNorm = true;
    s.names.qNorm = "self_attn.q_norm";
    s.names.kNorm = "self_attn.k_norm";
    if (jsonBool(c, "use_sliding_window", where).value_or(false)) {
        // Absent: the config class's 4096; null: no window.
        const int64_t window =
            c.contains("sliding_window") ? jsonInt(c, "sliding_window", where).value_or(0) : 4096;
        if (window < 0) {
            throw InputError("absurd config: negative sliding_window", where, "fix config.json");
        }
        s.slidingWindow.assign(static_cast<size_t>(s.layers), window);
    }
    readRoutedExperts(c, where, jsonInt(c, "moe_intermediate_size", where).value_or(768), 128, 8,
                      true, s);
    if (s.experts > 0) s.denseMlpLayers = readQwenDenseLayers(c, s.layers, where);
    return s;
}

}  // namespace llmap

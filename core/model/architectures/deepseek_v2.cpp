// DeepSeek-V2 (V2-Lite, Coder-V2-Lite, ESFT): multi-head latent attention with decoupled rotary
// on interleaved pairs, YaRN rotary scaling, and a mixture of routed and shared experts after the
// first first_k_dense_replace dense layers (greedy or group-limited top-k, weights scaled by
// routed_scaling_factor and, as in transformers, not renormalised).
#include "model/architectures/architectures.h"
#include "model/architectures/latent_attention.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec deepseekV2Spec(const nlohmann::json& c, const std::string& where) {
    ArchSpec s = readLatentAttention(c, where, "deepseek_v2");
    if (jsonInt(c, "n_routed_experts", where).value_or(0) > 0) {
        s.experts = jsonInt(c, "n_routed_experts", where).value_or(0);
        s.expertsPerToken = positiveInt(c, "num_experts_per_tok", 0, where);
        s.denseLayers = jsonInt(c, "first_k_dense_replace", where).value_or(0);
        s.moeIntermediate = positiveInt(c, "moe_intermediate_size", 1407, where);
        s.sharedIntermediate =
            s.moeIntermediate * jsonInt(c, "n_shared_experts", where).value_or(0);
        s.routedScale = jsonNumber(c, "routed_scaling_factor", where).value_or(1.0);
        s.normTopk = false;
        s.routerInFp32 = true;
        const std::string method = jsonString(c, "topk_method", where).value_or("greedy");
        if (method == "group_limited_greedy") {
            s.expertGroups = positiveInt(c, "n_group", 1, where);
            s.topkGroups = positiveInt(c, "topk_group", 1, where);
        } else if (method != "greedy") {
            throw InputError("topk_method \"" + method + "\" is not supported", where,
                             "supported: greedy, group_limited_greedy");
        }
        if (s.expertsPerToken > s.experts || s.experts % s.expertGroups != 0 ||
            s.topkGroups > s.expertGroups || s.sharedIntermediate < 0 || s.denseLayers < 0) {
            throw InputError("absurd config: " + std::to_string(s.expertsPerToken) + " of " +
                                 std::to_string(s.experts) + " experts per token in " +
                                 std::to_string(s.expertGroups) + " groups",
                             where, "fix the expert settings in config.json");
        }
        s.moeRouter = "mlp.gate";
        s.moeExperts = "mlp.experts.";
        s.moeGate = "gate_proj";
        s.moeUp = "up_proj";
        s.moeDown = "down_proj";
        if (s.sharedIntermediate > 0) s.moeShared = "mlp.shared_experts";
    }
    return s;
}

}  // namespace llmap

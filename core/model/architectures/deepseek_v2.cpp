// DeepSeek-V2 (V2-Lite, Coder-V2-Lite, ESFT): multi-head latent attention with decoupled rotary
// on interleaved pairs, YaRN rotary scaling, and a mixture of routed and shared experts after the
// first first_k_dense_replace dense layers (greedy or group-limited top-k, weights scaled by
// routed_scaling_factor and, as in transformers, not renormalised).
#include <cmath>
#include <limits>

#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

namespace {

int64_t positive(const nlohmann::json& c, const char* key, int64_t fallback,
                 const std::string& where) {
    const int64_t v = jsonInt(c, key, where).value_or(fallback);
    if (v <= 0 || v > (1 << 20)) {
        throw InputError(std::string("absurd config: ") + key + " " + std::to_string(v), where,
                         "fix config.json");
    }
    return v;
}

}  // namespace

ArchSpec deepseekV2Spec(const nlohmann::json& c, const std::string& where) {
    const int64_t qkRope = positive(c, "qk_rope_head_dim", 64, where);
    nlohmann::json plain = c;  // rotary over qk_rope_head_dim; readRope knows no YaRN
    plain["head_dim"] = qkRope;
    nlohmann::json params;
    std::string ropeType = "default";
    for (const char* key : {"rope_parameters", "rope_scaling"}) {
        if (!c.contains(key) || !c[key].is_object()) continue;
        params = c[key];
        ropeType = jsonString(params, "rope_type", where)
                       .value_or(jsonString(params, "type", where).value_or("default"));
        if (ropeType == "yarn") {
            plain[key].erase("type");
            plain[key]["rope_type"] = "default";
        }
        break;
    }
    ArchSpec s = readLlamaStyle(plain, where, "deepseek_v2");
    s.qkRopeDim = qkRope;
    s.qkNopeDim = positive(c, "qk_nope_head_dim", 128, where);
    s.vHeadDim = positive(c, "v_head_dim", 128, where);
    s.kvLoraRank = positive(c, "kv_lora_rank", 512, where);
    s.qLoraRank = jsonInt(c, "q_lora_rank", where).value_or(0);
    if (s.qLoraRank < 0) {
        throw InputError("absurd config: negative q_lora_rank", where, "fix config.json");
    }
    s.headDim = s.qkNopeDim + s.qkRopeDim;
    s.kvHeads = s.heads;
    s.rotaryInterleaved = true;
    s.qkvBias = s.oBias = jsonBool(c, "attention_bias", where).value_or(false);
    double softmaxMultiplier = 1.0;
    if (ropeType == "yarn") softmaxMultiplier = readYarn(c, params, s, where);
    s.attentionScale = softmaxMultiplier / std::sqrt(static_cast<double>(s.headDim));

    if (jsonInt(c, "n_routed_experts", where).value_or(0) > 0) {
        s.experts = jsonInt(c, "n_routed_experts", where).value_or(0);
        s.expertsPerToken = positive(c, "num_experts_per_tok", 0, where);
        s.denseLayers = jsonInt(c, "first_k_dense_replace", where).value_or(0);
        s.moeIntermediate = positive(c, "moe_intermediate_size", 1407, where);
        s.sharedIntermediate =
            s.moeIntermediate * jsonInt(c, "n_shared_experts", where).value_or(0);
        s.routedScale = jsonNumber(c, "routed_scaling_factor", where).value_or(1.0);
        s.normTopk = false;
        s.routerInFp32 = true;
        const std::string method = jsonString(c, "topk_method", where).value_or("greedy");
        if (method == "group_limited_greedy") {
            s.expertGroups = positive(c, "n_group", 1, where);
            s.topkGroups = positive(c, "topk_group", 1, where);
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

// LFM2-MoE: LFM2's short-convolution and attention layers (layer_types is required) with, after
// the first num_dense_layers layers (a dense MLP of intermediate_size channels, not adjusted),
// num_experts SiLU-gated experts of moe_intermediate_size channels: the router scores each expert
// with a sigmoid in the model's dtype, chooses the num_experts_per_tok best by score plus the
// per-expert "feed_forward.expert_bias" (use_expert_bias), weights them by their unbiased scores,
// renormalised (norm_topk_prob, with 1e-6 added to the sum) and times routed_scaling_factor.
#include "model/architectures/architectures.h"
#include "model/architectures/moe_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec lfm2MoeSpec(const nlohmann::json& c, const std::string& where) {
    if (!c.contains("layer_types") || c["layer_types"].is_null()) {
        throw InputError("config.json has no layer_types, which LFM2-MoE needs", where,
                         "list each layer's kind, \"conv\" or \"full_attention\", in layer_types");
    }
    nlohmann::json d = c;  // what Lfm2MoeConfig does not read, and its defaults
    d.erase("full_attn_idxs");
    d.erase("block_ff_dim");
    d["block_auto_adjust_ff_dim"] = false;
    if (!jsonInt(c, "intermediate_size", where)) d["intermediate_size"] = 7168;
    ArchSpec s = lfm2Spec(d, where);
    s.family = "lfm2_moe";

    readRoutedExperts(c, where, jsonInt(c, "moe_intermediate_size", where).value_or(1792), 32, 4,
                      false, s);
    const int64_t dense = jsonInt(c, "num_dense_layers", where).value_or(2);
    if (dense < 0) {
        throw InputError("absurd config: num_dense_layers " + std::to_string(dense), where,
                         "fix num_dense_layers in config.json");
    }
    s.denseLayers = dense;
    s.normTopk = jsonBool(c, "norm_topk_prob", where).value_or(true);
    s.routedScale = jsonNumber(c, "routed_scaling_factor", where).value_or(1.0);
    s.routerScoring = ArchSpec::RouterScoring::Sigmoid;
    s.sigmoidNormEps = 1e-6;
    if (jsonBool(c, "use_expert_bias", where).value_or(true))
        s.moeLayerCorrectionBias = "feed_forward.expert_bias";
    s.moeRouter = "feed_forward.gate";
    s.moeExperts = "feed_forward.experts.";
    s.moeGate = "w1";
    s.moeUp = "w3";
    s.moeDown = "w2";
    return s;
}

}  // namespace llmap

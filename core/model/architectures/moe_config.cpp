#include "model/architectures/moe_config.h"

#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

void readRoutedExperts(const nlohmann::json& c, const std::string& where,
                       int64_t expertIntermediate, int64_t defaultExperts, int64_t defaultPerToken,
                       bool allowNone, ArchSpec& s) {
    const int64_t experts =
        jsonInt(c, "num_experts", where)
            .value_or(jsonInt(c, "num_local_experts", where).value_or(defaultExperts));
    if (experts == 0 && allowNone) return;
    const int64_t perToken = jsonInt(c, "num_experts_per_tok", where).value_or(defaultPerToken);
    if (experts < 1 || experts > 4096 || perToken < 1 || perToken > experts) {
        throw InputError("absurd config: " + std::to_string(perToken) + " of " +
                             std::to_string(experts) + " experts per token",
                         where, "fix num_experts / num_experts_per_tok in config.json");
    }
    if (expertIntermediate <= 0 || expertIntermediate > (1 << 20)) {
        throw InputError("absurd config: experts of " + std::to_string(expertIntermediate) +
                             " intermediate channels",
                         where, "fix the experts' intermediate size in config.json");
    }
    s.experts = experts;
    s.expertsPerToken = perToken;
    s.moeIntermediate = expertIntermediate;
    s.normTopk = jsonBool(c, "norm_topk_prob", where).value_or(false);
    s.routedInModelDtype = true;
    s.moeRouter = "mlp.gate";
    s.moeExperts = "mlp.experts.";
    s.moeGate = "gate_proj";
    s.moeUp = "up_proj";
    s.moeDown = "down_proj";
}

std::vector<bool> readQwenDenseLayers(const nlohmann::json& c, int64_t layers,
                                      const std::string& where) {
    const int64_t step = jsonInt(c, "decoder_sparse_step", where).value_or(1);
    if (step < 1) {
        throw InputError("absurd config: decoder_sparse_step " + std::to_string(step), where,
                         "decoder_sparse_step must be at least 1 in config.json");
    }
    std::vector<bool> dense(static_cast<size_t>(layers));
    for (int64_t i = 0; i < layers; ++i) dense[static_cast<size_t>(i)] = (i + 1) % step != 0;
    const auto only = c.find("mlp_only_layers");
    if (only == c.end() || only->is_null()) return dense;
    if (!only->is_array()) {
        throw InputError("\"mlp_only_layers\" is not a list", where,
                         "give mlp_only_layers as a list of layer indices in config.json");
    }
    for (const auto& v : *only) {
        if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() >= layers) {
            throw InputError(
                "mlp_only_layers holds " + v.dump() + ", not a layer of " + std::to_string(layers),
                where, "list layer indices from 0 to num_hidden_layers - 1");
        }
        dense[v.get<size_t>()] = true;
    }
    return dense;
}

void readSigmoidRouter(const nlohmann::json& c, const std::string& where,
                       const SigmoidRouterDefaults& d, ArchSpec& s) {
    // Written by DeepSeek's own configs; transformers implements only these values.
    const auto scoring = jsonString(c, "scoring_func", where);
    if (scoring && *scoring != "sigmoid") {
        throw InputError("scoring_func \"" + *scoring + "\" is not supported", where,
                         "this family's router scores with a sigmoid: fix config.json");
    }
    const auto method = jsonString(c, "topk_method", where);
    if (method && *method != "noaux_tc") {
        throw InputError("topk_method \"" + *method + "\" is not supported", where,
                         "this family's router chooses by noaux_tc: fix config.json");
    }
    const int64_t experts = jsonInt(c, "n_routed_experts", where).value_or(d.experts);
    const int64_t perToken = jsonInt(c, "num_experts_per_tok", where).value_or(d.perToken);
    const int64_t groups = jsonInt(c, "n_group", where).value_or(d.groups);
    const int64_t topkGroups = jsonInt(c, "topk_group", where).value_or(d.topkGroups);
    // Each group is ranked by its two best experts: it needs two.
    if (experts < 2 || experts > 4096 || groups < 1 || experts % groups != 0 ||
        experts / groups < 2 || topkGroups < 1 || topkGroups > groups || perToken < 1 ||
        perToken > topkGroups * (experts / groups)) {
        throw InputError("absurd config: " + std::to_string(perToken) + " of " +
                             std::to_string(experts) + " experts per token from " +
                             std::to_string(topkGroups) + " of " + std::to_string(groups) +
                             " groups",
                         where,
                         "fix n_routed_experts, num_experts_per_tok, n_group, topk_group in "
                         "config.json");
    }
    const int64_t intermediate =
        jsonInt(c, "moe_intermediate_size", where).value_or(d.moeIntermediate);
    const int64_t shared = jsonInt(c, "n_shared_experts", where).value_or(d.shared);
    const int64_t dense = jsonInt(c, "first_k_dense_replace", where).value_or(d.denseLayers);
    if (intermediate < 1 || intermediate > (1 << 20) || shared < 0 || shared > 64 || dense < 0) {
        throw InputError("absurd config: experts of " + std::to_string(intermediate) +
                             " channels, " + std::to_string(shared) + " shared, " +
                             std::to_string(dense) + " dense layers first",
                         where,
                         "fix moe_intermediate_size, n_shared_experts, first_k_dense_replace in "
                         "config.json");
    }
    s.experts = experts;
    s.expertsPerToken = perToken;
    s.expertGroups = groups;
    s.topkGroups = topkGroups;
    s.groupRankTop = 2;
    s.moeIntermediate = intermediate;
    s.sharedIntermediate = intermediate * shared;
    s.denseLayers = dense;
    s.normTopk = jsonBool(c, "norm_topk_prob", where).value_or(true);
    s.routedScale = jsonNumber(c, "routed_scaling_factor", where).value_or(d.scale);
    s.routerInFp32 = true;
    s.routerScoring = ArchSpec::RouterScoring::Sigmoid;
    s.moeCorrectionBias = "e_score_correction_bias";
    s.moeRouter = "mlp.gate";
    s.moeExperts = "mlp.experts.";
    s.moeGate = "gate_proj";
    s.moeUp = "up_proj";
    s.moeDown = "down_proj";
    if (s.sharedIntermediate > 0) s.moeShared = "mlp.shared_experts";
}

}  // namespace llmap

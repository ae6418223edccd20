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

}  // namespace llmap

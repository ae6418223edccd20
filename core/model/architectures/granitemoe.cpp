// GraniteMoE (Granite 3.0 MoE, PowerMoE): Granite's multipliers with a sparse mixture of
// SiLU-gated experts in place of the MLP; the router softmaxes its k largest logits, and each
// layer stores its experts as two 3-D tensors (block_sparse_moe.input_linear, output_linear).
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec granitemoeSpec(const nlohmann::json& c, const std::string& where) {
    ArchSpec s = graniteSpec(c, where);
    s.family = "granitemoe";
    s.oBias = s.qkvBias;
    s.mlpBias = false;
    s.experts = jsonInt(c, "num_local_experts", where).value_or(8);
    s.expertsPerToken = jsonInt(c, "num_experts_per_tok", where).value_or(2);
    if (s.experts < 1 || s.experts > 4096 || s.expertsPerToken < 1 ||
        s.expertsPerToken > s.experts) {
        throw InputError("absurd config: " + std::to_string(s.expertsPerToken) + " of " +
                             std::to_string(s.experts) + " experts per token",
                         where, "fix num_local_experts / num_experts_per_tok in config.json");
    }
    if (s.intermediate <= 0) {
        throw InputError("intermediate_size is missing", where,
                         "config.json must give the experts' intermediate_size");
    }
    s.moeIntermediate = s.intermediate;
    s.softmaxAfterTopk = s.routedInModelDtype = true;
    s.normTopk = false;
    s.moeFusedExperts = true;
    s.moeRouter = "block_sparse_moe.router.layer";
    s.moeExperts = "block_sparse_moe.";
    s.names.gate = s.names.up = s.names.down = "";
    return s;
}

}  // namespace llmap

// Mixtral: Mistral's attention with a sparse mixture of SiLU-gated experts in place of the MLP,
// each token routed to its num_experts_per_tok most probable experts (weights renormalised).
// Checkpoints name the experts "block_sparse_moe.experts.<e>.w1|w3|w2" (gate, up, down).
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec mixtralSpec(const nlohmann::json& c, const std::string& where) {
    ArchSpec s = readLlamaStyle(c, where, "mixtral");
    s.slidingWindow = windowOnEveryLayer(c, s.layers, where);
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
    s.moeRouter = "block_sparse_moe.gate";
    s.moeExperts = "block_sparse_moe.experts.";
    s.moeGate = "w1";
    s.moeUp = "w3";
    s.moeDown = "w2";
    s.names.gate = s.names.up = s.names.down = "";
    return s;
}

}  // namespace llmap

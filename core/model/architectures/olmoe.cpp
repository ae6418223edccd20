// OLMoE: Llama's blocks with RMSNorm over the whole q and k projections (as OLMo-2, but with
// Llama's RMSNorm), q, k, v optionally clipped to [-clip_qkv, clip_qkv] after those norms, and a
// mixture of SiLU-gated experts of intermediate_size channels in place of every MLP (top
// num_experts_per_tok by softmax probability, renormalised only with norm_topk_prob).
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "model/architectures/moe_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec olmoeSpec(const nlohmann::json& c, const std::string& where) {
    nlohmann::json withDefaults = c;  // OlmoeConfig's defaults where readLlamaStyle's differ
    if (!jsonNumber(c, "rms_norm_eps", where)) withDefaults["rms_norm_eps"] = 1e-5;
    if (!jsonInt(c, "intermediate_size", where)) withDefaults["intermediate_size"] = 2048;
    ArchSpec s = readLlamaStyle(withDefaults, where, "olmoe");
    if (s.headDim * s.heads != s.hidden) {
        // The q norm spans hidden_size channels: transformers builds no other head size.
        throw InputError("head_dim " + std::to_string(s.headDim) + " times " +
                             std::to_string(s.heads) + " heads is not hidden_size",
                         where, "remove head_dim from config.json");
    }
    s.qkvBias = s.oBias = jsonBool(c, "attention_bias", where).value_or(false);
    s.qkNorm = true;
    s.qkNormKind = ArchSpec::QkNormKind::RmsFull;
    s.names.qNorm = "self_attn.q_norm";
    s.names.kNorm = "self_attn.k_norm";
    s.clipQkv = jsonNumber(c, "clip_qkv", where).value_or(0.0);
    if (s.clipQkv < 0) {
        throw InputError("absurd config: negative clip_qkv", where, "fix config.json");
    }
    readRoutedExperts(c, where, s.intermediate, 64, 8, false, s);
    return s;
}

}  // namespace llmap

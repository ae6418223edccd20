// Falcon-H1: every layer runs attention and a Mamba-2 mixer side by side on the same normalised
// input and adds both outputs to the residual stream, then a SiLU-gated MLP; muP multipliers on
// the embeddings, the logits, attention's input, keys and output, the mixer's input, in_proj's
// five parts and output, and the MLP's gate and output.
#include <vector>

#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "model/architectures/mamba2_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

namespace {

// A list of `count` multipliers (all 1 when absent).
std::vector<double> multipliers(const nlohmann::json& c, const char* key, size_t count,
                                const std::string& where) {
    if (!c.contains(key) || c[key].is_null()) return std::vector<double>(count, 1.0);
    const nlohmann::json& v = c[key];
    if (!v.is_array() || v.size() != count) {
        throw InputError(std::string(key) + " must hold " + std::to_string(count) + " numbers",
                         where, std::string("fix ") + key + " in config.json");
    }
    std::vector<double> out;
    for (const auto& x : v) {
        if (!x.is_number()) {
            throw InputError(std::string(key) + " holds a value that is not a number", where,
                             std::string("fix ") + key + " in config.json");
        }
        out.push_back(x.get<double>());
    }
    return out;
}

}  // namespace

ArchSpec falconH1Spec(const nlohmann::json& c, const std::string& where) {
    ArchSpec s = readLlamaStyle(c, where, "falcon_h1");
    wholeHeadRotary(s, where);
    s.normEps = jsonNumber(c, "rms_norm_eps", where).value_or(1e-5);
    s.qkvBias = s.oBias = jsonBool(c, "attention_bias", where).value_or(false);
    s.mlpBias = jsonBool(c, "mlp_bias", where).value_or(false);
    s.names.finalNorm = "final_layernorm";
    s.names.postNorm = "pre_ff_layernorm";
    s.names.gate = "feed_forward.gate_proj";
    s.names.up = "feed_forward.up_proj";
    s.names.down = "feed_forward.down_proj";

    const auto dSsm = jsonInt(c, "mamba_d_ssm", where);
    const int64_t inner = dSsm ? *dSsm : mambaExpandedWidth(c, s.hidden, where);
    s.mamba2 = readMamba2(c, inner, 1e-5, where);
    s.mamba2.outBias = jsonBool(c, "projectors_bias", where).value_or(false);
    s.mamba2.gatedNorm = jsonBool(c, "mamba_rms_norm", where).value_or(false);
    s.mamba2.normBeforeGate = jsonBool(c, "mamba_norm_before_gate", where).value_or(true);
    s.mamba2.inMultiplier = jsonNumber(c, "ssm_in_multiplier", where).value_or(1.0);
    s.mamba2.outMultiplier = jsonNumber(c, "ssm_out_multiplier", where).value_or(1.0);
    s.mamba2.projMultipliers = multipliers(c, "ssm_multipliers", 5, where);
    s.layerMixers.assign(static_cast<size_t>(s.layers), Mixer::Mamba2);
    s.mixerWithAttention = true;

    s.embedMultiplier = jsonNumber(c, "embedding_multiplier", where).value_or(1.0);
    s.logitScale = jsonNumber(c, "lm_head_multiplier", where).value_or(1.0);
    s.attentionInMultiplier = jsonNumber(c, "attention_in_multiplier", where).value_or(1.0);
    s.attentionOutMultiplier = jsonNumber(c, "attention_out_multiplier", where).value_or(1.0);
    s.keyMultiplier = jsonNumber(c, "key_multiplier", where).value_or(1.0);
    const std::vector<double> mlp = multipliers(c, "mlp_multipliers", 2, where);
    s.mlpGateMultiplier = mlp[0];
    s.mlpDownMultiplier = mlp[1];
    return s;
}

}  // namespace llmap

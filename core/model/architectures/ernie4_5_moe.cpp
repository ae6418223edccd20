// ERNIE-4.5-MoE: ERNIE-4.5's attention (rotary on interleaved pairs, use_bias on every
// projection and on the output head) with a mixture of SiLU-gated experts on the layers from
// moe_layer_start_index to moe_layer_end_index whose index + 1 is a multiple of
// moe_layer_interval (a dense MLP elsewhere). The router (fp32) softmaxes its logits, chooses the
// moe_k experts of best probability plus the correction bias moe_statics, and weights them by
// their probabilities divided by their sum (at least moe_norm_min); moe_num_shared_experts
// always-on experts (with use_bias' biases) are added.
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

namespace {

std::vector<bool> denseLayers(const nlohmann::json& c, int64_t layers, const std::string& where) {
    const int64_t start = jsonInt(c, "moe_layer_start_index", where).value_or(1);
    int64_t end = jsonInt(c, "moe_layer_end_index", where).value_or(-1);
    if (end == -1) end = layers - 1;
    const int64_t interval = jsonInt(c, "moe_layer_interval", where).value_or(1);
    if (interval < 1) {
        throw InputError("absurd config: moe_layer_interval " + std::to_string(interval), where,
                         "moe_layer_interval must be at least 1 in config.json");
    }
    std::vector<bool> dense(static_cast<size_t>(layers));
    for (int64_t i = 0; i < layers; ++i) {
        dense[static_cast<size_t>(i)] = !((i + 1) % interval == 0 && i >= start && i <= end);
    }
    return dense;
}

}  // namespace

ArchSpec ernie45MoeSpec(const nlohmann::json& c, const std::string& where) {
    nlohmann::json d = withDefaultTheta(c, 500000.0);
    // Ernie4_5_MoeConfig's defaults where readLlamaStyle's differ.
    if (!jsonInt(c, "num_key_value_heads", where)) d["num_key_value_heads"] = 4;
    if (!jsonNumber(c, "rms_norm_eps", where)) d["rms_norm_eps"] = 1e-5;
    ArchSpec s = readLlamaStyle(d, where, "ernie4_5_moe");
    s.tiedEmbeddings = jsonBool(c, "tie_word_embeddings", where).value_or(true);
    s.rotaryInterleaved = true;
    s.rotaryInFp32 = true;
    const bool bias = jsonBool(c, "use_bias", where).value_or(false);
    s.qkvBias = s.oBias = s.mlpBias = s.moeSharedBias = bias;
    if (bias) s.lmHeadBias = "lm_head.bias";

    const int64_t experts = jsonInt(c, "moe_num_experts", where).value_or(64);
    const int64_t perToken = jsonInt(c, "moe_k", where).value_or(6);
    const int64_t intermediate = jsonInt(c, "moe_intermediate_size", where).value_or(1536);
    const int64_t shared = jsonInt(c, "moe_num_shared_experts", where).value_or(2);
    const double normMin = jsonNumber(c, "moe_norm_min", where).value_or(1e-12);
    if (experts < 1 || experts > 4096 || perToken < 1 || perToken > experts || intermediate < 1 ||
        intermediate > (1 << 20) || shared < 0 || shared > 64 || !(normMin > 0)) {
        throw InputError("absurd config: " + std::to_string(perToken) + " of " +
                             std::to_string(experts) + " experts of " +
                             std::to_string(intermediate) + " channels, " + std::to_string(shared) +
                             " shared, moe_norm_min " + std::to_string(normMin),
                         where,
                         "fix moe_num_experts, moe_k, moe_intermediate_size, "
                         "moe_num_shared_experts, moe_norm_min in config.json");
    }
    s.experts = experts;
    s.expertsPerToken = perToken;
    s.moeIntermediate = intermediate;
    s.sharedIntermediate = intermediate * shared;
    s.denseMlpLayers = denseLayers(c, s.layers, where);
    s.normTopk = true;
    s.normTopkMin = normMin;
    s.routerInFp32 = true;
    s.routedInModelDtype = true;
    s.moeRouter = "mlp.gate";
    s.moeCorrectionBias = "moe_statics.e_score_correction_bias";
    s.moeCorrectionBiasRow = true;
    s.moeExperts = "mlp.experts.";
    s.moeGate = "gate_proj";
    s.moeUp = "up_proj";
    s.moeDown = "down_proj";
    if (shared > 0) s.moeShared = "mlp.shared_experts";
    return s;
}

}  // namespace llmap

// gpt-oss: Llama-style attention with q/k/v/o biases, a learned sink logit per head in every
// softmax, sliding and full layers by layer_types (alternating by default) and YaRN rotary; a
// mixture of experts in place of every MLP, whose router (with a bias) softmaxes its k largest
// logits and whose experts (with biases) apply a clamped SwiGLU. The experts are stored as 3-D
// tensors with gate and up interleaved, in the checkpoints on the Hub as MXFP4 blocks.
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

namespace {

// GptOssConfig's rotary where config.json gives none: YaRN over 4096 original positions.
nlohmann::json defaultRope() {
    return {{"rope_type", "yarn"},
            {"rope_theta", 150000.0},
            {"factor", 32.0},
            {"beta_fast", 32.0},
            {"beta_slow", 1.0},
            {"truncate", false},
            {"original_max_position_embeddings", 4096}};
}

}  // namespace

ArchSpec gptOssSpec(const nlohmann::json& c, const std::string& where) {
    nlohmann::json d = withDefaultTheta(withDefaultHeadDim(c, 64), 150000.0);
    for (const auto& [key, value] : {std::pair<const char*, int64_t>{"num_key_value_heads", 8},
                                     {"intermediate_size", 2880},
                                     {"max_position_embeddings", 131072}}) {
        if (!jsonInt(c, key, where)) d[key] = value;
    }
    const auto rope = [&](const char* key) {
        const auto it = c.find(key);
        return it != c.end() && it->is_object();
    };
    if (!rope("rope_parameters") && !rope("rope_scaling")) d["rope_parameters"] = defaultRope();
    d.erase("hidden_act");  // the experts' clamped SwiGLU is fixed: transformers ignores it too
    ArchSpec s = readLlamaStyle(d, where, "gpt_oss");
    s.normEps = jsonNumber(c, "rms_norm_eps", where).value_or(1e-5);
    s.rmsStyle = ArchSpec::RmsStyle::WeightInFp32;  // the norms' weights stay in fp32
    s.qkvBias = s.oBias = jsonBool(c, "attention_bias", where).value_or(true);
    s.attnSinks = "self_attn.sinks";

    std::vector<bool> sliding = readLayerTypes(c, s.layers, where);
    if (sliding.empty()) {
        sliding.assign(static_cast<size_t>(s.layers), false);
        for (int64_t i = 0; i < s.layers; ++i) sliding[static_cast<size_t>(i)] = i % 2 == 0;
    }
    nlohmann::json windowed = c;  // the config class's 128 where config.json gives none
    if (!c.contains("sliding_window")) windowed["sliding_window"] = 128;
    s.slidingWindow = windowsOnSlidingLayers(windowed, sliding, where);

    s.experts = jsonInt(c, "num_local_experts", where)
                    .value_or(jsonInt(c, "num_experts", where).value_or(128));
    s.expertsPerToken = jsonInt(c, "num_experts_per_tok", where).value_or(4);
    if (s.experts < 1 || s.experts > 4096 || s.expertsPerToken < 1 ||
        s.expertsPerToken > s.experts) {
        throw InputError("absurd config: " + std::to_string(s.expertsPerToken) + " of " +
                             std::to_string(s.experts) + " experts per token",
                         where, "fix num_local_experts / num_experts_per_tok in config.json");
    }
    if (s.intermediate <= 0) {
        throw InputError("absurd config: intermediate_size " + std::to_string(s.intermediate),
                         where, "config.json must give the experts' intermediate_size");
    }
    s.swigluAlpha = jsonNumber(c, "swiglu_alpha", where).value_or(1.702);
    s.swigluLimit = jsonNumber(c, "swiglu_limit", where).value_or(7.0);
    if (!(s.swigluLimit > 0)) {
        throw InputError("absurd config: swiglu_limit " + std::to_string(s.swigluLimit), where,
                         "swiglu_limit must be positive: fix config.json");
    }
    s.activation = Activation::ClampedSwiGLU;
    s.moeIntermediate = s.intermediate;
    s.softmaxAfterTopk = s.routedInModelDtype = true;
    s.normTopk = false;
    s.moeRouter = "mlp.router";
    s.moeExperts = "mlp.experts.";
    s.moeGate = "gate_proj";  // GGUF's stacked experts
    s.moeUp = "up_proj";
    s.moeDown = "down_proj";
    s.moeRouterBias = s.moeExpertBias = s.moeInterleavedGateUp = true;
    s.names.gate = s.names.up = s.names.down = "";
    return s;
}

}  // namespace llmap

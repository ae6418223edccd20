// Gemma-3 (model_type gemma3_text): Gemma-2's norms before and after attention and MLP, scaled
// embeddings and query_pre_attn_scalar, plus a (1 + w) RMSNorm over each head's queries and keys
// before rotary; sliding and global layers (layer_types, else every sliding_window_pattern-th
// layer global), each kind with its own rotary (sliding: rope_local_base_freq; global: rope_theta
// with rope_scaling); the output logits soft-capped only when configured. The multimodal Gemma-3
// (model_type gemma3) is scored as the language model of its text_config; the vision tower is not
// read.
#include <cmath>

#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

namespace {

// Gemma3TextConfig's defaults: the multimodal checkpoints' text_config names only a few keys.
nlohmann::json withDefaults(const nlohmann::json& c) {
    nlohmann::json d = {{"vocab_size", 262208},
                        {"hidden_size", 2304},
                        {"intermediate_size", 9216},
                        {"num_hidden_layers", 26},
                        {"num_attention_heads", 8},
                        {"num_key_value_heads", 4},
                        {"head_dim", 256},
                        {"hidden_activation", "gelu_pytorch_tanh"},
                        {"max_position_embeddings", 131072},
                        {"rms_norm_eps", 1e-6},
                        {"query_pre_attn_scalar", 256},
                        {"sliding_window", 4096}};
    for (const auto& [key, value] : c.items()) d[key] = value;
    return d;
}

double capOf(const nlohmann::json& c, const char* key, const std::string& where) {
    const double cap = jsonNumber(c, key, where).value_or(0.0);
    if (cap < 0) {
        throw InputError(std::string("absurd config: negative ") + key, where, "fix config.json");
    }
    return cap;
}

// Which layers slide: layer_types, or all but every sliding_window_pattern-th (default 6).
std::vector<bool> slidingLayers(const nlohmann::json& c, int64_t layers, const std::string& where) {
    std::vector<bool> sliding = readLayerTypes(c, layers, where);
    if (!sliding.empty()) return sliding;
    const int64_t pattern = jsonInt(c, "sliding_window_pattern", where).value_or(6);
    if (pattern <= 0) {
        throw InputError("absurd config: sliding_window_pattern " + std::to_string(pattern), where,
                         "fix config.json");
    }
    sliding.assign(static_cast<size_t>(layers), false);
    for (int64_t i = 0; i < layers; ++i) sliding[static_cast<size_t>(i)] = (i + 1) % pattern != 0;
    return sliding;
}

ArchSpec textSpec(const nlohmann::json& raw, const std::string& where, const std::string& family) {
    const nlohmann::json c = withDefaults(raw);
    if (jsonBool(c, "use_bidirectional_attention", where).value_or(false)) {
        throw InputError(
            "use_bidirectional_attention is set: a Gemma-3 embedding model, not a causal "
            "language model",
            where, "score a causal Gemma-3 checkpoint");
    }
    // Gemma's layout with a plain rotary; each layer kind's rotary is read below.
    nlohmann::json plain = c;
    plain.erase("rope_parameters");
    plain.erase("rope_scaling");
    ArchSpec s = gemmaSpec(plain, where);
    s.family = family;
    // Gemma-3 applies hidden_activation as named (Gemma reads a plain "gelu" as the tanh form).
    s.activation = readActivation(
        jsonString(c, "hidden_activation", where).value_or("gelu_pytorch_tanh"), where);
    const double scalar = jsonNumber(c, "query_pre_attn_scalar", where).value_or(256.0);
    if (scalar <= 0) {
        throw InputError("absurd config: query_pre_attn_scalar must be positive", where,
                         "fix config.json");
    }
    s.attentionScale = 1.0 / std::sqrt(scalar);
    // transformers keeps attn_logit_softcapping in the config but applies it to no Gemma-3 layer
    // (nor does llama.cpp): only the output logits are capped.
    s.attnSoftcap = 0.0;
    s.finalSoftcap = capOf(c, "final_logit_softcapping", where);

    // Older configs give rope_theta and rope_scaling (global layers) and rope_local_base_freq
    // (sliding layers).
    const auto [global, local] =
        ropeParametersByLayerType(c, jsonNumber(c, "rope_theta", where).value_or(1e6),
                                  jsonNumber(c, "rope_local_base_freq", where).value_or(1e4));
    const auto rotary = [&](const nlohmann::json& params) {
        nlohmann::json g = plain;
        g["rope_parameters"] = params;
        return readRope(g, s.headDim, where);
    };
    s.rope = rotary(global);
    s.localRope = rotary(local);

    const std::vector<bool> sliding = slidingLayers(c, s.layers, where);
    s.slidingWindow = windowsOnSlidingLayers(c, sliding, where);
    s.localRopeLayers = sliding;
    s.qkNorm = true;
    s.names.qNorm = "self_attn.q_norm";
    s.names.kNorm = "self_attn.k_norm";
    s.sandwichNorms = true;
    s.preMlpNorm = "pre_feedforward_layernorm";
    s.postMlpNorm = "post_feedforward_layernorm";
    return s;
}

}  // namespace

ArchSpec gemma3TextSpec(const nlohmann::json& c, const std::string& where) {
    return textSpec(c, where, "gemma3_text");
}

ArchSpec gemma3Spec(const nlohmann::json& c, const std::string& where) {
    return wrappedTextSpec(c, where, "gemma3", "gemma3_text", true);
}

}  // namespace llmap

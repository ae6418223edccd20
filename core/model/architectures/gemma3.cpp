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
    std::vector<bool> sliding(static_cast<size_t>(layers), false);
    const auto types = c.find("layer_types");
    if (types != c.end() && !types->is_null()) {
        if (!types->is_array() || static_cast<int64_t>(types->size()) != layers) {
            throw InputError("layer_types must list one entry for each of the " +
                                 std::to_string(layers) + " layers",
                             where, "fix config.json");
        }
        for (size_t i = 0; i < sliding.size(); ++i) {
            const auto& t = (*types)[i];
            const std::string name = t.is_string() ? t.get<std::string>() : "";
            if (name != "sliding_attention" && name != "full_attention") {
                throw InputError("layer_types entry " + std::to_string(i) + " is " + t.dump() +
                                     ", not \"sliding_attention\" or \"full_attention\"",
                                 where, "fix config.json");
            }
            sliding[i] = name == "sliding_attention";
        }
        return sliding;
    }
    const int64_t pattern = jsonInt(c, "sliding_window_pattern", where).value_or(6);
    if (pattern <= 0) {
        throw InputError("absurd config: sliding_window_pattern " + std::to_string(pattern), where,
                         "fix config.json");
    }
    for (int64_t i = 0; i < layers; ++i) sliding[static_cast<size_t>(i)] = (i + 1) % pattern != 0;
    return sliding;
}

nlohmann::json objectOr(const nlohmann::json& c, const char* key) {
    const auto it = c.find(key);
    return it != c.end() && it->is_object() ? *it : nlohmann::json::object();
}

// The rotary parameters of each layer kind: transformers 5 nests them in rope_parameters by
// layer type; older configs give rope_theta and rope_scaling (global layers) and
// rope_local_base_freq (sliding layers).
std::pair<nlohmann::json, nlohmann::json> ropeParameters(const nlohmann::json& c,
                                                         const std::string& where) {
    const nlohmann::json nested = objectOr(c, "rope_parameters");
    nlohmann::json global, local;
    if (nested.contains("full_attention") || nested.contains("sliding_attention")) {
        global = objectOr(nested, "full_attention");
        local = objectOr(nested, "sliding_attention");
    } else {
        global = nested.empty() ? objectOr(c, "rope_scaling") : nested;
        local = nlohmann::json::object();
    }
    if (!global.contains("rope_theta"))
        global["rope_theta"] = jsonNumber(c, "rope_theta", where).value_or(1e6);
    if (!local.contains("rope_theta"))
        local["rope_theta"] = jsonNumber(c, "rope_local_base_freq", where).value_or(1e4);
    return {global, local};
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

    const auto [global, local] = ropeParameters(c, where);
    const auto rotary = [&](const nlohmann::json& params) {
        nlohmann::json g = plain;
        g["rope_parameters"] = params;
        return readRope(g, s.headDim, where);
    };
    s.rope = rotary(global);
    s.localRope = rotary(local);

    const std::vector<bool> sliding = slidingLayers(c, s.layers, where);
    const auto window = jsonInt(c, "sliding_window", where);
    s.slidingWindow.assign(sliding.size(), 0);
    s.localRopeLayers = sliding;
    for (size_t i = 0; i < sliding.size(); ++i) {
        if (!sliding[i]) continue;
        if (!window || *window <= 0) {
            throw InputError(
                "sliding_window must be a positive number of tokens when layers use "
                "sliding attention",
                where, "fix config.json");
        }
        s.slidingWindow[i] = *window;
    }
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
    const auto text = c.find("text_config");
    if (text == c.end() || !text->is_object()) {
        throw InputError(
            "the multimodal Gemma-3 config (model_type gemma3) has no text_config object", where,
            "the language model's settings belong in text_config: download config.json again");
    }
    ArchSpec s = textSpec(*text, where, "gemma3");
    // transformers ties the head by the wrapper's own setting.
    s.tiedEmbeddings = jsonBool(c, "tie_word_embeddings", where).value_or(true);
    // Saved as "language_model.model.layers..." (transformers 4.50 and 5) or as
    // "model.language_model.layers..." (4.52 to 4.57), the head as "language_model.lm_head" or
    // "lm_head".
    s.names.wrappers = {"language_model.", "model.language_model."};
    return s;
}

}  // namespace llmap

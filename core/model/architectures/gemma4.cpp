// Gemma-4 (model_type gemma4_text): Gemma-3's norms before and after attention and MLP with
// RMSNorms that multiply their weight in fp32, per-head q and k norms and a weightless v norm, an
// attention scale of 1, scaled embeddings. Sliding and full layers (layer_types, else every sixth
// layer full; the last layer always full) have their own head dims and key/value heads
// (per_layer_config, or global_head_dim and num_global_key_value_heads) and rotaries (the full
// layers' "proportional" one turns only the first pairs of channels). Optional: per-layer
// embeddings (hidden_size_per_layer_input), keys and values of the last num_kv_shared_layers
// layers read from the last earlier layer of their kind (double-wide MLPs there with
// use_double_wide_mlp), keys as values on the full layers (attention_k_eq_v), experts beside the
// dense MLP (enable_moe_block), attention biases, output soft-capping. Each layer ends by
// multiplying the stream by its layer_scalar. The multimodal Gemma-4 (model_type gemma4) is
// scored as the language model of its text_config, its image, video and audio placeholder tokens
// read as padding; the vision and audio towers are not read.
#include <cmath>
#include <set>

#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

namespace {

const char* const kSliding = "sliding_attention";
const char* const kFull = "full_attention";

// Gemma4TextConfig's defaults: the multimodal checkpoints' text_config names only some keys.
nlohmann::json withDefaults(const nlohmann::json& c) {
    nlohmann::json d = {{"vocab_size", 262144},
                        {"hidden_size", 2304},
                        {"intermediate_size", 9216},
                        {"num_hidden_layers", 30},
                        {"num_attention_heads", 8},
                        {"num_key_value_heads", 4},
                        {"head_dim", 256},
                        {"hidden_activation", "gelu_pytorch_tanh"},
                        {"max_position_embeddings", 131072},
                        {"rms_norm_eps", 1e-6},
                        {"sliding_window", 512},
                        {"hidden_size_per_layer_input", 256},
                        {"vocab_size_per_layer_input", 262144}};
    for (const auto& [key, value] : c.items()) d[key] = value;
    return d;
}

[[noreturn]] void refuse(const std::string& what, const std::string& where,
                         const std::string& fix = "fix config.json") {
    throw InputError(what, where, fix);
}

// Which layers slide: layer_types or the default 5:1 pattern, the last layer full either way
// (transformers forces it).
std::vector<bool> slidingLayers(const nlohmann::json& c, int64_t layers, const std::string& where) {
    std::vector<bool> sliding = readLayerTypes(c, layers, where);
    if (sliding.empty()) {
        sliding.assign(static_cast<size_t>(layers), false);
        for (int64_t i = 0; i < layers; ++i) sliding[static_cast<size_t>(i)] = (i + 1) % 6 != 0;
    }
    sliding.back() = false;
    return sliding;
}

// Per-layer head dims and key/value heads: per_layer_config's overrides (transformers 5.x saves
// them), else global_head_dim (default 512) and, with attention_k_eq_v,
// num_global_key_value_heads on the full layers.
void readLayerShapes(const nlohmann::json& c, const std::vector<bool>& sliding, ArchSpec& s,
                     const std::string& where) {
    const size_t L = sliding.size();
    s.layerHeadDims.assign(L, s.headDim);
    s.layerKvHeads.assign(L, s.kvHeads);
    const auto perLayer = c.find("per_layer_config");
    if (perLayer != c.end() && !perLayer->is_null()) {
        if (!perLayer->is_object()) refuse("per_layer_config must be an object", where);
        for (const auto& [key, overrides] : perLayer->items()) {
            size_t index = L;
            try {
                index = static_cast<size_t>(std::stoul(key));
            } catch (const std::exception&) {
            }
            if (index >= L || !overrides.is_object()) {
                refuse("per_layer_config entry \"" + key + "\" is not a layer index with overrides",
                       where);
            }
            for (const auto& [field, value] : overrides.items()) {
                if (field == "head_dim") {
                    s.layerHeadDims[index] = jsonInt(overrides, field, where).value_or(s.headDim);
                } else if (field == "num_key_value_heads") {
                    s.layerKvHeads[index] = jsonInt(overrides, field, where).value_or(s.kvHeads);
                } else {
                    refuse("per_layer_config." + key + "." + field + " is not supported", where,
                           "only head_dim and num_key_value_heads may vary per layer");
                }
            }
        }
    } else {
        const int64_t global = jsonInt(c, "global_head_dim", where).value_or(512);
        const auto globalKv = jsonInt(c, "num_global_key_value_heads", where);
        const bool kEqV = jsonBool(c, "attention_k_eq_v", where).value_or(false);
        for (size_t i = 0; i < L; ++i) {
            if (sliding[i]) continue;
            s.layerHeadDims[i] = global;
            if (kEqV && globalKv) s.layerKvHeads[i] = *globalKv;
        }
    }
    for (size_t i = 0; i < L; ++i) {
        const int64_t hd = s.layerHeadDims[i], kv = s.layerKvHeads[i];
        if (hd <= 0 || hd > 4096 || hd % 2 != 0 || kv <= 0 || s.heads % kv != 0) {
            refuse("absurd config: layer " + std::to_string(i) + " has head_dim " +
                       std::to_string(hd) + " and " + std::to_string(kv) + " key/value heads for " +
                       std::to_string(s.heads) + " heads",
                   where);
        }
    }
}

// The head dim every layer of a kind shares (transformers builds one rotary per kind).
int64_t kindHeadDim(const ArchSpec& s, const std::vector<bool>& sliding, bool kind,
                    const std::string& where) {
    int64_t dim = 0;
    for (size_t i = 0; i < sliding.size(); ++i) {
        if (sliding[i] != kind) continue;
        if (dim != 0 && s.layerHeadDims[i] != dim) {
            refuse(std::string("the ") + (kind ? kSliding : kFull) +
                       " layers differ in head_dim (per_layer_config)",
                   where, "give every layer of a kind the same head_dim");
        }
        dim = s.layerHeadDims[i];
    }
    return dim;
}

// One layer kind's rotary: "default" over the whole head, or "proportional": the first
// int(partial_rotary_factor * headDim / 2) pairs at the frequencies of a rotary over the whole
// head divided by `factor`, the other pairs unturned.
RopeSpec kindRope(const nlohmann::json& params, const char* kind, int64_t headDim,
                  const std::string& where) {
    const std::string field = std::string("rope_parameters.") + kind;
    if (!params.is_object()) {
        refuse(field + " is missing", where, "give rope parameters for each layer kind");
    }
    RopeSpec r;
    r.dim = headDim;
    r.theta = jsonNumber(params, "rope_theta", where).value_or(0.0);
    if (r.theta <= 0) refuse("absurd config: " + field + ".rope_theta", where);
    const std::string type = jsonString(params, "rope_type", where).value_or("default");
    if (type == "default") return r;
    if (type != "proportional") {
        refuse(field + ".rope_type \"" + type + "\" is not supported by gemma4", where,
               "supported: default, proportional");
    }
    const double partial = jsonNumber(params, "partial_rotary_factor", where).value_or(1.0);
    const double factor = jsonNumber(params, "factor", where).value_or(1.0);
    if (partial < 0 || partial > 1 || factor <= 0) {
        refuse("absurd config: " + field + " partial_rotary_factor or factor", where);
    }
    const auto turned =
        static_cast<int64_t>(std::floor(partial * static_cast<double>(headDim) / 2.0));
    r.unrotatedPairs = headDim / 2 - turned;
    if (factor != 1.0) {
        r.scaling = RopeScaling::Linear;
        r.factor = factor;
    }
    return r;
}

void readRopes(const nlohmann::json& c, const std::vector<bool>& sliding, ArchSpec& s,
               const std::string& where) {
    nlohmann::json params = c.contains("rope_parameters") ? c["rope_parameters"] : nullptr;
    if (params.is_null()) {
        params = {{kSliding, {{"rope_type", "default"}, {"rope_theta", 10000.0}}},
                  {kFull,
                   {{"rope_type", "proportional"},
                    {"partial_rotary_factor", 0.25},
                    {"rope_theta", 1000000.0}}}};
    }
    if (!params.is_object()) refuse("rope_parameters must be an object by layer kind", where);
    s.rope = kindRope(params.value(kFull, nlohmann::json()), kFull,
                      kindHeadDim(s, sliding, false, where), where);
    s.localRopeLayers = sliding;
    const int64_t slidingDim = kindHeadDim(s, sliding, true, where);
    s.localRope = slidingDim > 0 ? kindRope(params.value(kSliding, nlohmann::json()), kSliding,
                                            slidingDim, where)
                                 : s.rope;
}

// The last num_kv_shared_layers layers read the keys and values of the last earlier layer of
// their kind.
void readKvSharing(const nlohmann::json& c, const std::vector<bool>& sliding, ArchSpec& s,
                   const std::string& where) {
    const int64_t L = s.layers;
    const int64_t shared = jsonInt(c, "num_kv_shared_layers", where).value_or(0);
    if (shared < 0 || shared >= L) {
        refuse("num_kv_shared_layers " + std::to_string(shared) + " must lie in [0, " +
                   std::to_string(L) + ")",
               where);
    }
    s.kvSourceLayers.resize(static_cast<size_t>(L));
    const int64_t first = L - shared;
    for (int64_t i = 0; i < L; ++i) {
        const auto ui = static_cast<size_t>(i);
        s.kvSourceLayers[ui] = i;
        if (i < first) continue;
        int64_t source = first - 1;
        while (source >= 0 && sliding[static_cast<size_t>(source)] != sliding[ui]) --source;
        if (source < 0) {
            refuse("num_kv_shared_layers: layer " + std::to_string(i) +
                       " has no earlier layer of its kind to read keys and values from",
                   where);
        }
        const auto us = static_cast<size_t>(source);
        if (s.layerHeadDims[us] != s.layerHeadDims[ui] ||
            s.layerKvHeads[us] != s.layerKvHeads[ui]) {
            refuse("num_kv_shared_layers: layer " + std::to_string(i) +
                       " differs in head_dim or key/value heads from layer " +
                       std::to_string(source) + " whose keys and values it reads",
                   where);
        }
        s.kvSourceLayers[ui] = source;
    }
    if (jsonBool(c, "use_double_wide_mlp", where).value_or(false)) {
        s.layerIntermediates.assign(static_cast<size_t>(L), s.intermediate);
        for (int64_t i = first; i < L; ++i) s.layerIntermediates[static_cast<size_t>(i)] *= 2;
    }
}

void readExperts(const nlohmann::json& c, ArchSpec& s, const std::string& where) {
    if (!jsonBool(c, "enable_moe_block", where).value_or(false)) return;
    s.experts = jsonInt(c, "num_experts", where).value_or(0);
    s.expertsPerToken = jsonInt(c, "top_k_experts", where).value_or(0);
    s.moeIntermediate = jsonInt(c, "moe_intermediate_size", where).value_or(0);
    if (s.experts <= 0 || s.expertsPerToken <= 0 || s.expertsPerToken > s.experts ||
        s.moeIntermediate <= 0) {
        refuse(
            "enable_moe_block needs positive num_experts, top_k_experts (at most num_experts) "
            "and moe_intermediate_size",
            where);
    }
    s.expertsBesideMlp = true;
}

ArchSpec textSpec(const nlohmann::json& raw, const std::string& where, const std::string& family) {
    const nlohmann::json c = withDefaults(raw);
    const auto bidirectional = jsonString(c, "use_bidirectional_attention", where);
    if (bidirectional && *bidirectional != "vision") {
        refuse(
            "use_bidirectional_attention \"" + *bidirectional + "\": not a causal language model",
            where, "score a causal Gemma-4 checkpoint (use_bidirectional_attention null)");
    }
    ArchSpec s = readDecoderSizes(c, where, true);
    s.family = family;
    s.names = llamaStyleNames();
    s.normEps = jsonNumber(c, "rms_norm_eps", where).value_or(1e-6);
    s.rmsStyle = ArchSpec::RmsStyle::WeightInFp32;
    s.embedScale = std::sqrt(static_cast<double>(s.hidden));
    s.activation = readActivation(
        jsonString(c, "hidden_activation", where).value_or("gelu_pytorch_tanh"), where);
    s.qkvBias = s.oBias = jsonBool(c, "attention_bias", where).value_or(false);
    s.attentionScale = 1.0;
    const double cap = jsonNumber(c, "final_logit_softcapping", where).value_or(0.0);
    if (cap < 0) refuse("absurd config: negative final_logit_softcapping", where);
    s.finalSoftcap = cap;
    s.qkNorm = true;
    s.names.qNorm = "self_attn.q_norm";
    s.names.kNorm = "self_attn.k_norm";
    s.valueNorm = true;
    s.sandwichNorms = true;
    s.preMlpNorm = "pre_feedforward_layernorm";
    s.postMlpNorm = "post_feedforward_layernorm";
    s.layerScalar = "layer_scalar";

    const std::vector<bool> sliding = slidingLayers(c, s.layers, where);
    s.slidingWindow = windowsOnSlidingLayers(c, sliding, where);
    readLayerShapes(c, sliding, s, where);
    readRopes(c, sliding, s, where);
    readKvSharing(c, sliding, s, where);
    if (jsonBool(c, "attention_k_eq_v", where).value_or(false)) {
        s.valueFromKeyLayers.resize(sliding.size());
        for (size_t i = 0; i < sliding.size(); ++i) s.valueFromKeyLayers[i] = !sliding[i];
    }
    readExperts(c, s, where);

    s.perLayerInputDim = jsonInt(c, "hidden_size_per_layer_input", where).value_or(0);
    if (s.perLayerInputDim < 0) refuse("absurd config: hidden_size_per_layer_input", where);
    if (s.perLayerInputDim > 0) {
        s.perLayerVocab = jsonInt(c, "vocab_size_per_layer_input", where).value_or(0);
        if (s.perLayerVocab < s.vocab) {
            refuse("vocab_size_per_layer_input " + std::to_string(s.perLayerVocab) +
                       " is smaller than vocab_size " + std::to_string(s.vocab),
                   where, "the per-layer embeddings must cover every token id");
        }
    }
    return s;
}

}  // namespace

ArchSpec gemma4TextSpec(const nlohmann::json& c, const std::string& where) {
    return textSpec(c, where, "gemma4_text");
}

ArchSpec gemma4Spec(const nlohmann::json& c, const std::string& where) {
    ArchSpec s = wrappedTextSpec(c, where, "gemma4", "gemma4_text", true);
    // transformers embeds the image, video and audio placeholders as text_config's padding token
    // (their own embeddings come from the towers, absent from a text).
    const nlohmann::json defaults = {
        {"image_token_id", 258880}, {"video_token_id", 258884}, {"audio_token_id", 258881}};
    for (const auto& [key, fallback] : defaults.items()) {
        const auto id = c.contains(key) ? jsonInt(c, key, where) : fallback.get<int64_t>();
        if (id && *id >= 0 && *id < s.vocab) s.placeholderIds.push_back(*id);
    }
    if (!s.placeholderIds.empty()) {
        const nlohmann::json& text = c["text_config"];
        const auto pad =
            jsonInt(text, "pad_token_id", where).value_or(text.contains("pad_token_id") ? -1 : 0);
        if (pad < 0 || pad >= s.vocab) {
            refuse(
                "text_config.pad_token_id must be a token id: the multimodal placeholders are "
                "embedded as padding",
                where);
        }
        s.placeholderPad = pad;
    }
    return s;
}

}  // namespace llmap

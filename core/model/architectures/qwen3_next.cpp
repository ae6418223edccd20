// Qwen3-Next and Qwen3.5 (language models): hybrid decoders whose layers mix positions either with
// a gated DeltaNet ("linear_attention") or with gated full attention ("full_attention", q_proj
// giving per head [q | gate], the output times sigmoid(gate), RMSNorm over each head's q and k,
// partial rotary); every RMSNorm but the DeltaNet's own scales by (1 + weight). layer_types names
// each layer's mixer, or full_attention_interval makes every n-th layer attend. Qwen3-Next and
// Qwen3.5-MoE replace the MLP with Qwen2-MoE's experts (softmax top-k plus a shared expert scaled
// by sigmoid(shared_expert_gate(x))); Qwen3.5 keeps a dense MLP. Qwen3.5's multimodal rotary
// (mrope_section) rotates a text's tokens as the plain rotary does: all three of its position
// components are the token's index.
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "model/architectures/moe_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

namespace {

struct Defaults {
    int64_t kvHeads, intermediate;
};

std::vector<Mixer> readMixers(const nlohmann::json& c, int64_t layers, const std::string& where) {
    std::vector<Mixer> mixers(static_cast<size_t>(layers));
    const auto types = c.find("layer_types");
    if (types == c.end() || types->is_null()) {
        const int64_t interval = jsonInt(c, "full_attention_interval", where).value_or(4);
        if (interval < 1) {
            throw InputError("absurd config: full_attention_interval " + std::to_string(interval),
                             where, "full_attention_interval must be at least 1 in config.json");
        }
        for (int64_t i = 0; i < layers; ++i) {
            mixers[static_cast<size_t>(i)] =
                (i + 1) % interval == 0 ? Mixer::Attention : Mixer::GatedDeltaNet;
        }
        return mixers;
    }
    if (!types->is_array() || static_cast<int64_t>(types->size()) != layers) {
        throw InputError(
            "layer_types must list one entry for each of the " + std::to_string(layers) + " layers",
            where, "fix config.json");
    }
    for (size_t i = 0; i < mixers.size(); ++i) {
        const auto& t = (*types)[i];
        const std::string name = t.is_string() ? t.get<std::string>() : "";
        if (name != "linear_attention" && name != "full_attention") {
            throw InputError("layer_types entry " + std::to_string(i) + " is " + t.dump() +
                                 ", not \"linear_attention\" or \"full_attention\"",
                             where, "fix config.json");
        }
        mixers[i] = name == "full_attention" ? Mixer::Attention : Mixer::GatedDeltaNet;
    }
    return mixers;
}

DeltaNetSpec readDeltaNet(const nlohmann::json& c, const std::string& where) {
    DeltaNetSpec d;
    d.keyHeads = jsonInt(c, "linear_num_key_heads", where).value_or(16);
    d.valueHeads = jsonInt(c, "linear_num_value_heads", where).value_or(32);
    d.keyDim = jsonInt(c, "linear_key_head_dim", where).value_or(128);
    d.valueDim = jsonInt(c, "linear_value_head_dim", where).value_or(128);
    d.convKernel = jsonInt(c, "linear_conv_kernel_dim", where).value_or(4);
    const auto inRange = [](int64_t v, int64_t most) { return v > 0 && v <= most; };
    if (!inRange(d.keyHeads, 4096) || !inRange(d.valueHeads, 4096) || !inRange(d.keyDim, 4096) ||
        !inRange(d.valueDim, 4096) || !inRange(d.convKernel, 64) ||
        d.valueHeads % d.keyHeads != 0) {
        throw InputError("absurd config: linear attention of " + std::to_string(d.keyHeads) +
                             " key heads of " + std::to_string(d.keyDim) + " and " +
                             std::to_string(d.valueHeads) + " value heads of " +
                             std::to_string(d.valueDim) + ", convolution of " +
                             std::to_string(d.convKernel),
                         where,
                         "fix linear_num_key_heads, linear_num_value_heads (a multiple of the key "
                         "heads), linear_key_head_dim, linear_value_head_dim, "
                         "linear_conv_kernel_dim in config.json");
    }
    return d;
}

// What the three families share: sizes, the gated attention and the DeltaNet layers.
ArchSpec readHybrid(const nlohmann::json& c, const std::string& where, const std::string& family,
                    const Defaults& d) {
    nlohmann::json withDefaults = withDefaultHeadDim(c, 256);  // the config classes' defaults
    if (!jsonInt(c, "num_key_value_heads", where)) withDefaults["num_key_value_heads"] = d.kvHeads;
    if (!jsonInt(c, "intermediate_size", where) && d.intermediate > 0)
        withDefaults["intermediate_size"] = d.intermediate;
    // partial_rotary_factor: 0.25 unless the config says otherwise.
    const auto params = c.find("rope_parameters");
    const bool nested = params != c.end() && params->is_object();
    if (!(nested && params->contains("partial_rotary_factor")) &&
        !c.contains("partial_rotary_factor")) {
        if (nested) {
            withDefaults["rope_parameters"]["partial_rotary_factor"] = 0.25;
        } else {
            withDefaults["partial_rotary_factor"] = 0.25;
        }
    }
    ArchSpec s = readLlamaStyle(withDefaults, where, family);
    s.qkvBias = s.oBias = jsonBool(c, "attention_bias", where).value_or(false);
    s.qkNorm = true;
    s.names.qNorm = "self_attn.q_norm";
    s.names.kNorm = "self_attn.k_norm";
    s.rmsStyle = ArchSpec::RmsStyle::PlusOne;
    s.attnOutputGate = true;
    s.layerMixers = readMixers(c, s.layers, where);
    s.deltaNet = readDeltaNet(c, where);
    return s;
}

// The shared expert of Qwen2-MoE, scaled by sigmoid(shared_expert_gate(x)).
void readSharedExperts(const nlohmann::json& c, const std::string& where, ArchSpec& s) {
    s.sharedIntermediate = jsonInt(c, "shared_expert_intermediate_size", where).value_or(512);
    if (s.sharedIntermediate < 0 || s.sharedIntermediate > (1 << 20)) {
        throw InputError("absurd config: shared_expert_intermediate_size " +
                             std::to_string(s.sharedIntermediate),
                         where, "fix config.json");
    }
    s.moeShared = "mlp.shared_expert";
    s.moeSharedGate = "mlp.shared_expert_gate";
}

}  // namespace

ArchSpec qwen3NextSpec(const nlohmann::json& c, const std::string& where) {
    ArchSpec s = readHybrid(c, where, "qwen3_next", {2, 5632});
    s.deltaNet.perKeyHeadLayout = true;
    readRoutedExperts(c, where, jsonInt(c, "moe_intermediate_size", where).value_or(512), 512, 10,
                      true, s);
    if (s.experts > 0) {
        s.normTopk = jsonBool(c, "norm_topk_prob", where).value_or(true);
        s.denseMlpLayers = readQwenDenseLayers(c, s.layers, where);
        readSharedExperts(c, where, s);
    }
    return s;
}

ArchSpec qwen3_5TextSpec(const nlohmann::json& c, const std::string& where) {
    return readHybrid(c, where, "qwen3_5_text", {4, 12288});
}

ArchSpec qwen3_5MoeTextSpec(const nlohmann::json& c, const std::string& where) {
    ArchSpec s = readHybrid(c, where, "qwen3_5_moe_text", {2, 0});
    readRoutedExperts(c, where, jsonInt(c, "moe_intermediate_size", where).value_or(512), 256, 8,
                      false, s);
    s.normTopk = true;  // Qwen3.5-MoE's router always renormalises
    readSharedExperts(c, where, s);
    return s;
}

}  // namespace llmap

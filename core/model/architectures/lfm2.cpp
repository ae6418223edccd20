// LFM2 (Liquid AI): a hybrid of short-convolution layers (mixers/short_conv.h) and grouped-query
// attention layers with RMSNorm over each head's queries and keys; layer_types, or without it the
// older full_attn_idxs, says which layer is which. Pre-norm blocks (operator_norm, ffn_norm), a
// SiLU-gated MLP (w1, w3, w2) whose width transformers derives from intermediate_size
// (block_auto_adjust_ff_dim), and a final norm named embedding_norm.
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

namespace {

bool isNull(const nlohmann::json& c, const char* key) {
    return c.contains(key) && c[key].is_null();
}

// Each layer's mixer: "conv" or "full_attention" in layer_types; without layer_types, attention
// on the layers full_attn_idxs lists (every layer when it is absent too).
std::vector<Mixer> readLayerKinds(const nlohmann::json& c, int64_t layers,
                                  const std::string& where) {
    std::vector<Mixer> kinds(static_cast<size_t>(layers), Mixer::Attention);
    if (c.contains("layer_types") && !c["layer_types"].is_null()) {
        const auto& types = c["layer_types"];
        if (!types.is_array() || static_cast<int64_t>(types.size()) != layers) {
            throw InputError("layer_types must list one entry for each of the " +
                                 std::to_string(layers) + " layers",
                             where, "fix config.json");
        }
        for (size_t i = 0; i < kinds.size(); ++i) {
            const auto& t = types[i];
            const std::string name = t.is_string() ? t.get<std::string>() : "";
            if (name != "conv" && name != "full_attention") {
                throw InputError("layer_types entry " + std::to_string(i) + " is " + t.dump() +
                                     ", not \"conv\" or \"full_attention\"",
                                 where, "fix config.json");
            }
            if (name == "conv") kinds[i] = Mixer::ShortConv;
        }
        return kinds;
    }
    if (!c.contains("full_attn_idxs") || c["full_attn_idxs"].is_null()) return kinds;
    const auto& attention = c["full_attn_idxs"];
    if (!attention.is_array()) {
        throw InputError("\"full_attn_idxs\" is not a list", where,
                         "give full_attn_idxs as a list of layer indices in config.json");
    }
    kinds.assign(kinds.size(), Mixer::ShortConv);
    for (const auto& v : attention) {
        if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() >= layers) {
            throw InputError(
                "full_attn_idxs holds " + v.dump() + ", not a layer of " + std::to_string(layers),
                where, "list layer indices from 0 to num_hidden_layers - 1 in config.json");
        }
        kinds[v.get<size_t>()] = Mixer::Attention;
    }
    return kinds;
}

// The MLP's width as Lfm2MLP computes it: with block_auto_adjust_ff_dim, two thirds of
// intermediate_size, times block_ffn_dim_multiplier (unless null) rounded up to a multiple of
// block_multiple_of.
int64_t adjustedFfDim(const nlohmann::json& c, int64_t intermediate, const std::string& where) {
    const bool adjust = !isNull(c, "block_auto_adjust_ff_dim") &&
                        jsonBool(c, "block_auto_adjust_ff_dim", where).value_or(true);
    if (!adjust) return intermediate;
    int64_t size = static_cast<int64_t>(2.0 * static_cast<double>(intermediate) / 3.0);
    if (isNull(c, "block_ffn_dim_multiplier")) return size;
    const double multiplier = jsonNumber(c, "block_ffn_dim_multiplier", where).value_or(1.0);
    const auto multiple = jsonInt(c, "block_multiple_of", where);
    if (isNull(c, "block_multiple_of") || (multiple && *multiple < 1)) {
        throw InputError("block_multiple_of must be a positive number of channels", where,
                         "fix block_multiple_of in config.json");
    }
    const int64_t m = multiple.value_or(256);
    size = static_cast<int64_t>(multiplier * static_cast<double>(size));
    if (size < 1) {
        throw InputError("absurd config: block_ffn_dim_multiplier " + std::to_string(multiplier) +
                             " leaves the MLP no channels",
                         where, "fix block_ffn_dim_multiplier in config.json");
    }
    return m * ((size + m - 1) / m);
}

}  // namespace

ArchSpec lfm2Spec(const nlohmann::json& c, const std::string& where) {
    nlohmann::json d = withDefaultTheta(c, 1e6);  // Lfm2Config's defaults where others differ
    if (!jsonInt(c, "num_key_value_heads", where)) d["num_key_value_heads"] = 8;
    if (!jsonInt(c, "max_position_embeddings", where)) d["max_position_embeddings"] = 128000;
    // The older spellings win, as Lfm2Config reads them.
    const auto ffDim = jsonInt(c, "block_ff_dim", where);
    if (ffDim) d["intermediate_size"] = *ffDim;
    if (!jsonInt(d, "intermediate_size", where)) d["intermediate_size"] = 12288;
    d["tie_word_embeddings"] =
        jsonBool(c, "tie_embedding", where)
            .value_or(jsonBool(c, "tie_word_embeddings", where).value_or(true));
    d.erase("hidden_act");  // not read: the MLP is SiLU-gated
    ArchSpec s = readLlamaStyle(d, where, "lfm2");
    wholeHeadRotary(s, where);
    s.normEps = jsonNumber(c, "norm_eps", where).value_or(1e-5);
    s.qkNorm = true;
    s.intermediate = adjustedFfDim(c, s.intermediate, where);
    if (s.intermediate < 1) {
        throw InputError("absurd config: an MLP of " + std::to_string(s.intermediate) + " channels",
                         where, "fix intermediate_size in config.json");
    }
    s.layerMixers = readLayerKinds(c, s.layers, where);
    s.shortConv.kernel = jsonInt(c, "conv_L_cache", where).value_or(3);
    if (s.shortConv.kernel < 1 || s.shortConv.kernel > 4096) {
        throw InputError("absurd config: conv_L_cache " + std::to_string(s.shortConv.kernel), where,
                         "conv_L_cache must be a positive number of taps in config.json");
    }
    s.shortConv.bias = jsonBool(c, "conv_bias", where).value_or(false);
    s.shortConv.prefix = "conv.";
    s.names.inputNorm = "operator_norm";
    s.names.postNorm = "ffn_norm";
    s.names.finalNorm = "embedding_norm";
    s.names.o = "self_attn.out_proj";
    s.names.qNorm = "self_attn.q_layernorm";
    s.names.kNorm = "self_attn.k_layernorm";
    s.names.gate = "feed_forward.w1";
    s.names.up = "feed_forward.w3";
    s.names.down = "feed_forward.w2";
    return s;
}

}  // namespace llmap

#include "model/architectures/decoder_config.h"

#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

namespace {

void check(bool ok, const std::string& what, const std::string& where) {
    if (!ok) throw InputError("absurd config: " + what, where, "fix config.json");
}

}  // namespace

ArchSpec readDecoderSizes(const nlohmann::json& c, const std::string& where, bool defaultTied) {
    ArchSpec s;
    s.hidden = requireInt(c, {"hidden_size", "n_embd"}, where);
    s.layers = requireInt(c, {"num_hidden_layers", "n_layer"}, where);
    s.heads = requireInt(c, {"num_attention_heads", "n_head"}, where);
    s.kvHeads = jsonInt(c, "num_key_value_heads", where).value_or(s.heads);
    s.vocab = requireInt(c, {"vocab_size"}, where);
    s.context = jsonInt(c, "max_position_embeddings", where)
                    .value_or(jsonInt(c, "n_positions", where).value_or(0));
    s.tiedEmbeddings = jsonBool(c, "tie_word_embeddings", where).value_or(defaultTied);

    check(s.hidden > 0 && s.hidden <= (1 << 18), "hidden_size " + std::to_string(s.hidden), where);
    check(s.layers > 0 && s.layers <= 4096, "num_hidden_layers " + std::to_string(s.layers), where);
    check(s.heads > 0 && s.heads <= s.hidden, "num_attention_heads " + std::to_string(s.heads),
          where);
    check(s.kvHeads > 0 && s.heads % s.kvHeads == 0,
          "num_key_value_heads " + std::to_string(s.kvHeads) + " does not divide " +
              std::to_string(s.heads) + " heads",
          where);
    check(s.vocab > 0 && s.vocab <= (1 << 24), "vocab_size " + std::to_string(s.vocab), where);
    check(s.context >= 0, "max_position_embeddings " + std::to_string(s.context), where);

    const auto headDim = jsonInt(c, "head_dim", where);
    if (headDim) {
        check(*headDim > 0 && *headDim <= 4096, "head_dim " + std::to_string(*headDim), where);
        s.headDim = *headDim;
    } else {
        check(s.hidden % s.heads == 0,
              std::to_string(s.heads) + " heads do not divide hidden_size " +
                  std::to_string(s.hidden),
              where);
        s.headDim = s.hidden / s.heads;
    }
    const auto inter = jsonInt(c, "intermediate_size", where);
    s.intermediate = inter ? *inter : 0;
    check(s.intermediate >= 0 && s.intermediate <= (1 << 20),
          "intermediate_size " + std::to_string(s.intermediate), where);
    return s;
}

std::vector<int64_t> readSlidingWindows(const nlohmann::json& c, int64_t layers,
                                        const std::string& where) {
    const int64_t window = jsonInt(c, "sliding_window", where).value_or(0);
    if (window < 0)
        throw InputError("absurd config: negative sliding_window", where, "fix config.json");
    const std::vector<bool> sliding = readLayerTypes(c, layers, where);
    std::vector<int64_t> windows(static_cast<size_t>(layers), 0);
    for (size_t i = 0; i < sliding.size(); ++i) {
        if (sliding[i]) windows[i] = window;
    }
    return windows;
}

std::vector<bool> readLayerTypes(const nlohmann::json& c, int64_t layers,
                                 const std::string& where) {
    const auto types = c.find("layer_types");
    if (types == c.end() || types->is_null()) return {};
    if (!types->is_array() || static_cast<int64_t>(types->size()) != layers) {
        throw InputError(
            "layer_types must list one entry for each of the " + std::to_string(layers) + " layers",
            where, "fix config.json");
    }
    std::vector<bool> sliding(static_cast<size_t>(layers), false);
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

std::vector<int64_t> windowsOnSlidingLayers(const nlohmann::json& c,
                                            const std::vector<bool>& sliding,
                                            const std::string& where) {
    std::vector<int64_t> windows(sliding.size(), 0);
    for (size_t i = 0; i < sliding.size(); ++i) {
        if (!sliding[i]) continue;
        const auto window = jsonInt(c, "sliding_window", where);
        if (!window || *window <= 0) {
            throw InputError(
                "sliding_window must be a positive number of tokens when layers use "
                "sliding attention",
                where, "fix config.json");
        }
        windows[i] = *window;
    }
    return windows;
}

Activation readActivation(const std::string& name, const std::string& where) {
    if (name == "silu" || name == "swish") return Activation::SiLU;
    if (name == "gelu") return Activation::Gelu;
    if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast")
        return Activation::GeluTanh;
    if (name == "relu") return Activation::ReLU;
    throw InputError("activation \"" + name + "\" is not supported", where,
                     "supported: silu, gelu, gelu_new, gelu_pytorch_tanh, relu");
}

ArchSpec readLlamaStyle(const nlohmann::json& c, const std::string& where,
                        const std::string& family) {
    ArchSpec s = readDecoderSizes(c, where, false);
    s.family = family;
    s.normEps = jsonNumber(c, "rms_norm_eps", where).value_or(1e-6);
    nlohmann::json params = nlohmann::json::object();
    for (const char* key : {"rope_parameters", "rope_scaling"}) {
        if (!c.contains(key) || !c[key].is_object()) continue;
        params = c[key];
        break;
    }
    readRopeParameters(c, params, s, where);
    s.activation = readActivation(jsonString(c, "hidden_act", where).value_or("silu"), where);
    s.slidingWindow.assign(static_cast<size_t>(s.layers), 0);
    s.names = llamaStyleNames();
    return s;
}

void wholeHeadRotary(ArchSpec& s, const std::string& where) {
    if (s.rope.dim == s.headDim) return;
    if (s.rope.scaling != RopeScaling::None || !s.ropeShortFactor.empty()) {
        throw InputError("partial_rotary_factor with rope scaling is not supported by " + s.family,
                         where, "remove partial_rotary_factor from config.json");
    }
    s.rope.dim = s.headDim;
}

std::vector<int64_t> windowOnEveryLayer(const nlohmann::json& c, int64_t layers,
                                        const std::string& where) {
    const int64_t window = jsonInt(c, "sliding_window", where).value_or(0);
    if (window < 0) {
        throw InputError("absurd config: negative sliding_window", where, "fix config.json");
    }
    return std::vector<int64_t>(static_cast<size_t>(layers), window);
}

nlohmann::json withDefaultTheta(const nlohmann::json& c, double theta) {
    nlohmann::json d = c;
    for (const char* key : {"rope_parameters", "rope_scaling"}) {
        const auto it = c.find(key);
        if (it != c.end() && it->is_object() && it->contains("rope_theta")) return d;
    }
    if (!c.contains("rope_theta")) d["rope_theta"] = theta;
    return d;
}

nlohmann::json withDefaultHeadDim(const nlohmann::json& c, int64_t headDim) {
    nlohmann::json d = c;
    if (!c.contains("head_dim")) d["head_dim"] = headDim;
    return d;
}

WeightNames llamaStyleNames() {
    WeightNames n;
    n.basePrefix = "model.";
    n.embed = "embed_tokens.weight";
    n.finalNorm = "norm";
    n.lmHead = "lm_head.weight";
    n.layerPrefix = "layers.";
    n.inputNorm = "input_layernorm";
    n.postNorm = "post_attention_layernorm";
    n.q = "self_attn.q_proj";
    n.k = "self_attn.k_proj";
    n.v = "self_attn.v_proj";
    n.o = "self_attn.o_proj";
    n.gate = "mlp.gate_proj";
    n.up = "mlp.up_proj";
    n.down = "mlp.down_proj";
    return n;
}

WeightNames gpt2StyleNames() {
    WeightNames n;
    n.basePrefix = "transformer.";
    n.embed = "wte.weight";
    n.positions = "wpe.weight";
    n.finalNorm = "ln_f";
    n.lmHead = "lm_head.weight";
    n.layerPrefix = "h.";
    n.inputNorm = "ln_1";
    n.postNorm = "ln_2";
    n.qkv = "attn.c_attn";
    n.o = "attn.c_proj";
    n.up = "mlp.c_fc";
    n.down = "mlp.c_proj";
    return n;
}

}  // namespace llmap

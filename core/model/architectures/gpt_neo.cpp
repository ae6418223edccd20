// GPT-Neo: GPT-2's blocks with separate q/k/v projections (no biases), unscaled attention scores,
// and layers alternating between global and local (sliding window) attention.
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

namespace {

// "attention_layers" (as saved) or its compact form "attention_types": [[["global", "local"], n]].
std::vector<std::string> attentionLayers(const nlohmann::json& c, const std::string& where) {
    std::vector<std::string> kinds;
    const auto layers = c.find("attention_layers");
    const auto types = c.find("attention_types");
    if (layers != c.end() && layers->is_array()) {
        for (const auto& k : *layers) kinds.push_back(k.is_string() ? k.get<std::string>() : "");
    } else if (types != c.end() && types->is_array()) {
        for (const auto& item : *types) {
            if (!item.is_array() || item.size() != 2 || !item[0].is_array() ||
                !item[1].is_number_integer() || item[1].get<int64_t>() < 0 ||
                item[1].get<int64_t>() > 4096) {
                throw InputError("attention_types entry " + item.dump() + " is malformed", where,
                                 "write [[\"global\", \"local\"], repeats] entries");
            }
            for (int64_t r = 0; r < item[1].get<int64_t>(); ++r)
                for (const auto& k : item[0])
                    kinds.push_back(k.is_string() ? k.get<std::string>() : "");
        }
    } else {
        throw InputError("config has no \"attention_layers\" or \"attention_types\"", where,
                         "add the per-layer attention kinds (global/local) to config.json");
    }
    return kinds;
}

}  // namespace

ArchSpec gptNeoSpec(const nlohmann::json& c, const std::string& where) {
    nlohmann::json sizes = c;
    sizes["num_hidden_layers"] = requireInt(c, {"num_layers"}, where);
    sizes["num_attention_heads"] = requireInt(c, {"num_heads"}, where);
    ArchSpec s = readDecoderSizes(sizes, where, true);
    s.family = "gpt_neo";
    if (s.context <= 0) {
        throw InputError("absurd config: max_position_embeddings must be positive", where,
                         "fix config.json");
    }
    if (s.intermediate == 0) s.intermediate = 4 * s.hidden;
    s.norm = NormKind::Layer;
    s.normEps = jsonNumber(c, "layer_norm_epsilon", where).value_or(1e-5);
    s.positions = Positions::Learned;
    s.oBias = s.mlpBias = true;
    s.gatedMlp = false;
    s.activation =
        readActivation(jsonString(c, "activation_function", where).value_or("gelu_new"), where);
    s.attentionScale = 1.0;
    const int64_t window = jsonInt(c, "window_size", where).value_or(256);
    if (window <= 0) {
        throw InputError("absurd config: window_size " + std::to_string(window), where,
                         "fix config.json");
    }
    const auto kinds = attentionLayers(c, where);
    if (static_cast<int64_t>(kinds.size()) != s.layers) {
        throw InputError("attention layers list " + std::to_string(kinds.size()) + " kinds for " +
                             std::to_string(s.layers) + " layers",
                         where, "make attention_types cover num_layers layers");
    }
    for (const auto& k : kinds) {
        if (k != "global" && k != "local") {
            throw InputError("attention kind \"" + k + "\" is not known", where,
                             "use \"global\" or \"local\"");
        }
        s.slidingWindow.push_back(k == "local" ? window : 0);
    }
    WeightNames& n = s.names;
    n = gpt2StyleNames();
    n.qkv.clear();
    n.q = "attn.attention.q_proj";
    n.k = "attn.attention.k_proj";
    n.v = "attn.attention.v_proj";
    n.o = "attn.attention.out_proj";
    return s;
}

}  // namespace llmap

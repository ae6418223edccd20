// HunYuan dense (V1): Llama's blocks with RMSNorm over each head's queries and keys after (not
// before) the rotary. Rope type "dynamic" with an alpha is NTK-alpha scaling: the rotary base
// times alpha^(d / (d - 2)) at every length.
#include <cmath>

#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

namespace {

// The config with NTK-alpha scaling turned into the plain rotary it amounts to.
nlohmann::json withNtkAlpha(const nlohmann::json& c, int64_t headDim, const std::string& where) {
    for (const char* key : {"rope_parameters", "rope_scaling"}) {
        if (!c.contains(key) || !c[key].is_object()) continue;
        const nlohmann::json& p = c[key];
        const std::string type = jsonString(p, "rope_type", where)
                                     .value_or(jsonString(p, "type", where).value_or("default"));
        if (type != "dynamic") return c;
        const double alpha = jsonNumber(p, "alpha", where).value_or(0.0);
        if (alpha == 0.0) {
            throw InputError(
                "rope type \"dynamic\" without an alpha (length-dependent NTK "
                "scaling) is not supported",
                where,
                "supported HunYuan rope types: default, linear, llama3, yarn, "
                "dynamic with alpha");
        }
        if (!(alpha > 0.0) || headDim <= 2) {
            throw InputError("absurd config: NTK alpha " + std::to_string(alpha) +
                                 " for head_dim " + std::to_string(headDim),
                             where, "fix rope_scaling in config.json");
        }
        const double theta = jsonNumber(p, "rope_theta", where)
                                 .value_or(jsonNumber(c, "rope_theta", where).value_or(10000.0));
        const auto d = static_cast<double>(headDim);
        nlohmann::json out = c;
        out[key] = {{"rope_type", "default"}, {"rope_theta", theta * std::pow(alpha, d / (d - 2))}};
        return out;
    }
    return c;
}

}  // namespace

ArchSpec hunyuanV1DenseSpec(const nlohmann::json& c, const std::string& where) {
    const int64_t headDim = readDecoderSizes(c, where, false).headDim;
    ArchSpec s = readLlamaStyle(withNtkAlpha(c, headDim, where), where, "hunyuan_v1_dense");
    s.qkvBias = s.oBias = jsonBool(c, "attention_bias", where).value_or(false);
    s.qkNorm = true;
    s.qkNormAfterRotary = true;
    s.names.qNorm = "self_attn.query_layernorm";
    s.names.kNorm = "self_attn.key_layernorm";
    return s;
}

}  // namespace llmap

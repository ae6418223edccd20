// Ministral-3: Mistral's blocks (YaRN rotary by default) with the queries of every layer scaled by
// position, 1 + llama_4_scaling_beta * log(1 + floor(position / original_max_position_embeddings)),
// both read from rope_parameters.
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec ministral3Spec(const nlohmann::json& c, const std::string& where) {
    nlohmann::json d = withDefaultHeadDim(c, 128);
    // Ministral3Config's defaults where readLlamaStyle's differ.
    if (!jsonInt(c, "num_key_value_heads", where)) d["num_key_value_heads"] = 8;
    if (!jsonNumber(c, "rms_norm_eps", where)) d["rms_norm_eps"] = 1e-5;
    if (!jsonInt(c, "max_position_embeddings", where)) d["max_position_embeddings"] = 262144;
    const auto given = c.find("rope_parameters");
    if (given == c.end() || !given->is_object()) {
        d.erase("rope_scaling");
        d["rope_parameters"] = {{"type", "yarn"},
                                {"rope_theta", 1000000.0},
                                {"factor", 16.0},
                                {"original_max_position_embeddings", 16384},
                                {"beta_fast", 32.0},
                                {"beta_slow", 1.0},
                                {"mscale_all_dim", 1.0},
                                {"mscale", 1.0},
                                {"llama_4_scaling_beta", 0.1}};
    }
    ArchSpec s = readLlamaStyle(d, where, "ministral3");
    s.slidingWindow = windowOnEveryLayer(c, s.layers, where);
    const nlohmann::json& params = d["rope_parameters"];
    const auto beta = jsonNumber(params, "llama_4_scaling_beta", where);
    const auto original = jsonInt(params, "original_max_position_embeddings", where);
    if (!beta || !original || *original <= 0) {
        throw InputError(
            "rope_parameters lacks llama_4_scaling_beta or a positive "
            "original_max_position_embeddings, which scale Ministral-3's queries",
            where, "add both to rope_parameters in config.json");
    }
    s.queryTemperatureBeta = *beta;
    s.queryTemperatureFloor = *original;
    return s;
}

}  // namespace llmap

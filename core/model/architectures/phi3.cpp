// Phi-3: Llama's blocks with fused q/k/v and gate/up projections, optional partial rotary, a
// sliding window on every layer when configured, and LongRoPE ("longrope", formerly "su").
#include <cmath>

#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec phi3Spec(const nlohmann::json& c, const std::string& where) {
    // readRope knows no LongRoPE: read the plain rotary settings with the type set to default.
    nlohmann::json plain = c;
    nlohmann::json params;
    std::string ropeType = "default";
    for (const char* key : {"rope_parameters", "rope_scaling"}) {
        if (!c.contains(key) || !c[key].is_object()) continue;
        params = c[key];
        ropeType = jsonString(params, "rope_type", where)
                       .value_or(jsonString(params, "type", where).value_or("default"));
        if (ropeType == "longrope" || ropeType == "su") {
            plain[key].erase("type");
            plain[key]["rope_type"] = "default";
        }
        break;
    }
    ArchSpec s = readLlamaStyle(plain, where, "phi3");
    if (ropeType == "longrope" || ropeType == "su") readLongRope(c, params, s, where);
    s.slidingWindow = windowOnEveryLayer(c, s.layers, where);
    s.qkvLayout = QkvLayout::FusedStacked;
    s.fusedGateUp = true;
    s.names.qkv = "self_attn.qkv_proj";
    s.names.up = "mlp.gate_up_proj";
    s.names.q = s.names.k = s.names.v = s.names.gate = "";
    return s;
}

}  // namespace llmap

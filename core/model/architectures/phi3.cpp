// Phi-3: Llama's blocks with fused q/k/v and gate/up projections, optional partial rotary, a
// sliding window on every layer when configured, and LongRoPE ("longrope", formerly "su").
#include <cmath>

#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

namespace {

std::vector<double> factorList(const nlohmann::json& params, const char* key, int64_t count,
                               const std::string& where) {
    const auto it = params.find(key);
    std::vector<double> out;
    if (it != params.end() && it->is_array()) {
        for (const auto& v : *it) {
            if (v.is_number() && v.get<double>() > 0) out.push_back(v.get<double>());
        }
        if (out.size() != it->size()) out.clear();
    }
    if (static_cast<int64_t>(out.size()) != count) {
        throw InputError(std::string("longrope ") + key + " must list " + std::to_string(count) +
                             " positive numbers (one per rotary frequency)",
                         where, "fix rope_scaling in config.json");
    }
    return out;
}

// LongRoPE as transformers computes it: short/long divisors of the inverse frequencies and an
// attention factor sqrt(1 + ln(f) / ln(original)) with f = max_position / original context.
void readLongRope(const nlohmann::json& c, const nlohmann::json& params, ArchSpec& s,
                  const std::string& where) {
    const int64_t half = s.rope.dim / 2;
    s.ropeShortFactor = factorList(params, "short_factor", half, where);
    s.ropeLongFactor = factorList(params, "long_factor", half, where);
    s.longRopeContext =
        jsonInt(params, "original_max_position_embeddings", where)
            .value_or(jsonInt(c, "original_max_position_embeddings", where).value_or(s.context));
    if (s.longRopeContext <= 0) {
        throw InputError("absurd config: original_max_position_embeddings must be positive", where,
                         "fix config.json");
    }
    double factor =
        jsonNumber(params, "factor", where)
            .value_or(static_cast<double>(s.context) / static_cast<double>(s.longRopeContext));
    const auto attention = jsonNumber(params, "attention_factor", where);
    if (attention) {
        s.ropeAttentionFactor = *attention;
    } else if (factor > 1.0) {
        s.ropeAttentionFactor =
            std::sqrt(1.0 + std::log(factor) / std::log(static_cast<double>(s.longRopeContext)));
    }
}

}  // namespace

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

// The rotary settings of config.json, as transformers' modeling_rope_utils reads them: default,
// linear, llama3, YaRN (as _compute_yarn_parameters), LongRoPE, NTK-alpha; partial rotary; the
// parameters per layer type.
#include <cmath>
#include <limits>

#include "model/architectures/rope_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

namespace {

nlohmann::json objectOr(const nlohmann::json& c, const char* key) {
    const auto it = c.find(key);
    return it != c.end() && it->is_object() ? *it : nlohmann::json::object();
}

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

double yarnMscale(double scale, double mscale) {
    return scale <= 1.0 ? 1.0 : 0.1 * mscale * std::log(scale) + 1.0;
}

}  // namespace

double readYarn(const nlohmann::json& c, const nlohmann::json& params, ArchSpec& s,
                const std::string& where) {
    const double theta = s.rope.theta;
    const auto dim = static_cast<double>(s.rope.dim);
    const double original = static_cast<double>(
        jsonInt(params, "original_max_position_embeddings", where)
            .value_or(jsonInt(c, "original_max_position_embeddings", where).value_or(0)));
    const double factor =
        jsonNumber(params, "factor", where)
            .value_or(original > 0 ? static_cast<double>(s.context) / original : 0.0);
    if (!(original > 0) || !(factor > 0)) {
        throw InputError("yarn rope needs a positive factor and original_max_position_embeddings",
                         where, "fix rope_scaling in config.json");
    }
    const double betaFast = jsonNumber(params, "beta_fast", where).value_or(32.0);
    const double betaSlow = jsonNumber(params, "beta_slow", where).value_or(1.0);
    const double mscale = jsonNumber(params, "mscale", where).value_or(0.0);
    const double mscaleAll = jsonNumber(params, "mscale_all_dim", where).value_or(0.0);
    const bool truncate = jsonBool(params, "truncate", where).value_or(true);
    const auto correction = [&](double rotations) {
        return dim * std::log(original / (rotations * 2 * M_PI)) / (2 * std::log(theta));
    };
    double low = correction(betaFast), high = correction(betaSlow);
    if (truncate) {
        low = std::floor(low);
        high = std::ceil(high);
    }
    low = std::max(low, 0.0);
    high = std::min(high, dim - 1);
    if (low == high) high += 0.001;
    s.ropeShortFactor.clear();
    for (int64_t i = 0; i < s.rope.dim / 2; ++i) {
        const double ramp =
            std::min(1.0, std::max(0.0, (static_cast<double>(i) - low) / (high - low)));
        const double extrapolation = 1.0 - ramp;
        s.ropeShortFactor.push_back(1.0 / ((1.0 - extrapolation) / factor + extrapolation));
    }
    s.ropeLongFactor = s.ropeShortFactor;
    s.longRopeContext = std::numeric_limits<int64_t>::max();
    const auto attention = jsonNumber(params, "attention_factor", where);
    if (attention) {
        s.ropeAttentionFactor = *attention;
    } else if (mscale > 0 && mscaleAll > 0) {
        s.ropeAttentionFactor = yarnMscale(factor, mscale) / yarnMscale(factor, mscaleAll);
    } else {
        s.ropeAttentionFactor = yarnMscale(factor, 1.0);
    }
    return mscaleAll > 0 ? yarnMscale(factor, mscaleAll) * yarnMscale(factor, mscaleAll) : 1.0;
}

RopeSpec readRope(const nlohmann::json& c, int64_t headDim, const std::string& where) {
    RopeSpec r;
    nlohmann::json params = nlohmann::json::object();
    if (c.contains("rope_parameters") && c["rope_parameters"].is_object()) {
        params = c["rope_parameters"];
    } else if (c.contains("rope_scaling") && c["rope_scaling"].is_object()) {
        params = c["rope_scaling"];
    }
    r.theta =
        jsonNumber(params, "rope_theta", where)
            .value_or(jsonNumber(c, "rope_theta", where)
                          .value_or(jsonNumber(c, "rotary_emb_base", where).value_or(10000.0)));
    double partial = jsonNumber(params, "partial_rotary_factor", where)
                         .value_or(jsonNumber(c, "partial_rotary_factor", where)
                                       .value_or(jsonNumber(c, "rotary_pct", where).value_or(1.0)));
    if (!(partial > 0.0 && partial <= 1.0)) {
        throw InputError("absurd config: partial rotary factor " + std::to_string(partial), where,
                         "it must lie in (0, 1]");
    }
    r.dim = static_cast<int64_t>(static_cast<double>(headDim) * partial);
    if (r.dim < 2 || r.dim % 2 != 0 || r.theta <= 0.0) {
        throw InputError("absurd config: rotary dimension " + std::to_string(r.dim) + ", theta " +
                             std::to_string(r.theta),
                         where, "fix the rotary settings in config.json");
    }
    std::string type = jsonString(params, "rope_type", where)
                           .value_or(jsonString(params, "type", where).value_or("default"));
    if (type == "default") {
        r.scaling = RopeScaling::None;
    } else if (type == "linear") {
        r.scaling = RopeScaling::Linear;
        r.factor = jsonNumber(params, "factor", where).value_or(1.0);
    } else if (type == "llama3") {
        r.scaling = RopeScaling::Llama3;
        r.factor = jsonNumber(params, "factor", where).value_or(8.0);
        r.lowFreqFactor = jsonNumber(params, "low_freq_factor", where).value_or(1.0);
        r.highFreqFactor = jsonNumber(params, "high_freq_factor", where).value_or(4.0);
        r.originalContext =
            jsonInt(params, "original_max_position_embeddings", where)
                .value_or(jsonInt(c, "max_position_embeddings", where).value_or(8192));
        if (r.highFreqFactor < r.lowFreqFactor || r.lowFreqFactor <= 0.0) {
            throw InputError("absurd config: llama3 rope high_freq_factor < low_freq_factor", where,
                             "fix rope_scaling in config.json");
        }
    } else {
        throw InputError(
            "rope type \"" + type + "\" is not supported", where,
            "supported rope types: default, linear, llama3, yarn (Llama-style families)");
    }
    if (r.factor <= 0.0) {
        throw InputError("absurd config: rope scaling factor " + std::to_string(r.factor), where,
                         "fix rope_scaling in config.json");
    }
    return r;
}

std::pair<nlohmann::json, nlohmann::json> ropeParametersByLayerType(const nlohmann::json& c,
                                                                    double fullTheta,
                                                                    double slidingTheta) {
    const nlohmann::json nested = objectOr(c, "rope_parameters");
    nlohmann::json full, sliding;
    if (nested.contains("full_attention") || nested.contains("sliding_attention")) {
        full = objectOr(nested, "full_attention");
        sliding = objectOr(nested, "sliding_attention");
    } else {
        full = nested.empty() ? objectOr(c, "rope_scaling") : nested;
        sliding = nlohmann::json::object();
    }
    if (!full.contains("rope_theta")) full["rope_theta"] = fullTheta;
    if (!sliding.contains("rope_theta")) sliding["rope_theta"] = slidingTheta;
    return {full, sliding};
}

double readRopeParameters(const nlohmann::json& c, const nlohmann::json& params, ArchSpec& s,
                          const std::string& where) {
    const std::string type = jsonString(params, "rope_type", where)
                                 .value_or(jsonString(params, "type", where).value_or("default"));
    nlohmann::json plain = c;
    plain.erase("rope_scaling");
    plain["rope_parameters"] = params;
    if (type == "yarn") {  // the plain rotary, then YaRN's divisors and cos/sin factor
        plain["rope_parameters"].erase("type");
        plain["rope_parameters"]["rope_type"] = "default";
    }
    s.rope = readRope(plain, s.headDim, where);
    return type == "yarn" ? readYarn(c, params, s, where) : 1.0;
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

}  // namespace llmap

#include "model/architectures/mamba2_config.h"

#include <cmath>

#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

namespace {

// One bound of time_step_limit: a number, or transformers' tagged float ({"__float__":
// "Infinity"}) for an unbounded step.
double timeStepBound(const nlohmann::json& v, const std::string& where) {
    if (v.is_number()) return v.get<double>();
    if (v.is_object() && v.value("__float__", "") == "Infinity") return INFINITY;
    if (v.is_string() && v.get<std::string>() == "Infinity") return INFINITY;
    throw InputError("time_step_limit holds a value that is not a number", where,
                     "give time_step_limit as two numbers in config.json");
}

int64_t positiveInt(const nlohmann::json& c, const char* key, int64_t fallback,
                    const std::string& where) {
    const int64_t v = jsonInt(c, key, where).value_or(fallback);
    if (v < 1 || v > (int64_t(1) << 20)) {
        throw InputError(std::string("absurd config: ") + key + " = " + std::to_string(v), where,
                         std::string("fix ") + key + " in config.json");
    }
    return v;
}

}  // namespace

int64_t mambaExpandedWidth(const nlohmann::json& c, int64_t hidden, const std::string& where) {
    const double expand = jsonNumber(c, "mamba_expand", where).value_or(2.0);
    const int64_t inner = static_cast<int64_t>(expand * static_cast<double>(hidden));
    if (!(expand > 0) || inner < 1) {
        throw InputError("absurd config: mamba_expand must be positive", where,
                         "fix mamba_expand in config.json");
    }
    return inner;
}

Mamba2Spec readMamba2(const nlohmann::json& c, int64_t inner, double defaultEps,
                      const std::string& where) {
    Mamba2Spec m;
    if (inner < 1) {
        throw InputError(
            "absurd config: the Mamba-2 mixer has " + std::to_string(inner) + " channels", where,
            "fix mamba_d_ssm or mamba_expand in config.json");
    }
    m.heads = positiveInt(c, "mamba_n_heads", 128, where);
    const bool autoHead = !c.contains("mamba_d_head") || c["mamba_d_head"].is_null() ||
                          (c["mamba_d_head"].is_string() && c["mamba_d_head"] == "auto");
    m.headDim = autoHead ? inner / m.heads : positiveInt(c, "mamba_d_head", 0, where);
    m.groups = positiveInt(c, "mamba_n_groups", 1, where);
    m.stateSize = positiveInt(c, "mamba_d_state", 256, where);
    m.convKernel = positiveInt(c, "mamba_d_conv", 4, where);
    m.chunk = positiveInt(c, "mamba_chunk_size", 256, where);
    if (m.heads * m.headDim != inner || m.heads % m.groups != 0) {
        throw InputError("the Mamba-2 sizes do not fit: " + std::to_string(m.heads) +
                             " heads of mamba_d_head " + std::to_string(m.headDim) + " for " +
                             std::to_string(inner) + " channels in " + std::to_string(m.groups) +
                             " groups",
                         where, "fix mamba_n_heads, mamba_d_head or mamba_n_groups in config.json");
    }
    m.convBias = jsonBool(c, "mamba_conv_bias", where).value_or(true);
    m.inBias = jsonBool(c, "mamba_proj_bias", where).value_or(false);
    m.normEps = jsonNumber(c, "rms_norm_eps", where).value_or(defaultEps);
    m.timeStepMin = 0.0;
    m.timeStepMax = INFINITY;
    if (c.contains("time_step_limit") && !c["time_step_limit"].is_null()) {
        const nlohmann::json& limit = c["time_step_limit"];
        if (!limit.is_array() || limit.size() != 2) {
            throw InputError("time_step_limit is not a pair of numbers", where,
                             "give time_step_limit as [min, max] in config.json");
        }
        m.timeStepMin = timeStepBound(limit[0], where);
        m.timeStepMax = timeStepBound(limit[1], where);
        if (!(m.timeStepMin >= 0) || !(m.timeStepMax >= m.timeStepMin)) {
            throw InputError("absurd config: time_step_limit must be 0 <= min <= max", where,
                             "fix time_step_limit in config.json");
        }
    }
    const std::string act = jsonString(c, "hidden_act", where).value_or("silu");
    if (act != "silu") {
        throw InputError(
            "hidden_act \"" + act + "\" for the Mamba-2 convolution is not supported (only silu)",
            where, "use hidden_act silu in config.json");
    }
    return m;
}

}  // namespace llmap

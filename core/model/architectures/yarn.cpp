// YaRN rotary scaling, as transformers' _compute_yarn_parameters computes it.
#include <cmath>
#include <limits>

#include "model/architectures/decoder_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

namespace {

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

}  // namespace llmap

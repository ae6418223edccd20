// Gemma-2: Gemma with norms before and after attention and MLP, attention scaled by
// query_pre_attn_scalar, soft-capped attention scores and output logits, and a sliding window on
// alternate layers (every even layer unless layer_types says otherwise).
#include <cmath>

#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

namespace {

// The config's value; `fallback` (transformers' default) when absent, 0 (off) when null.
double capOrDefault(const nlohmann::json& c, const char* key, double fallback,
                    const std::string& where) {
    if (!c.contains(key)) return fallback;
    const double cap = jsonNumber(c, key, where).value_or(0.0);
    if (cap < 0) {
        throw InputError(std::string("absurd config: negative ") + key, where, "fix config.json");
    }
    return cap;
}

}  // namespace

ArchSpec gemma2Spec(const nlohmann::json& c, const std::string& where) {
    ArchSpec s = gemmaSpec(c, where);
    s.family = "gemma2";
    const double scalar = jsonNumber(c, "query_pre_attn_scalar", where).value_or(256.0);
    if (scalar <= 0) {
        throw InputError("absurd config: query_pre_attn_scalar must be positive", where,
                         "fix config.json");
    }
    s.attentionScale = 1.0 / std::sqrt(scalar);
    s.attnSoftcap = capOrDefault(c, "attn_logit_softcapping", 50.0, where);
    s.finalSoftcap = capOrDefault(c, "final_logit_softcapping", 30.0, where);
    if (c.contains("layer_types")) {
        s.slidingWindow = readSlidingWindows(c, s.layers, where);
    } else {
        const int64_t window = jsonInt(c, "sliding_window", where).value_or(4096);
        if (window < 0) {
            throw InputError("absurd config: negative sliding_window", where, "fix config.json");
        }
        for (int64_t i = 0; i < s.layers; i += 2) s.slidingWindow[static_cast<size_t>(i)] = window;
    }
    s.sandwichNorms = true;
    s.preMlpNorm = "pre_feedforward_layernorm";
    s.postMlpNorm = "post_feedforward_layernorm";
    return s;
}

}  // namespace llmap

// Granite (IBM Granite 3.x dense): Llama's blocks with scalar multipliers on the token embeddings
// and on each block's output, a fixed softmax scale (attention_multiplier) and logits divided by
// logits_scaling.
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

namespace {

double positive(const nlohmann::json& c, const char* key, const std::string& where) {
    const double v = jsonNumber(c, key, where).value_or(1.0);
    if (!(v > 0.0)) {
        throw InputError(std::string("absurd config: ") + key + " must be positive", where,
                         "fix config.json");
    }
    return v;
}

}  // namespace

ArchSpec graniteSpec(const nlohmann::json& c, const std::string& where) {
    ArchSpec s = readLlamaStyle(c, where, "granite");
    wholeHeadRotary(s, where);
    s.qkvBias = s.oBias = jsonBool(c, "attention_bias", where).value_or(false);
    s.mlpBias = jsonBool(c, "mlp_bias", where).value_or(false);
    s.embedMultiplier = jsonNumber(c, "embedding_multiplier", where).value_or(1.0);
    s.residualMultiplier = jsonNumber(c, "residual_multiplier", where).value_or(1.0);
    s.attentionScale = positive(c, "attention_multiplier", where);
    s.logitsDivisor = positive(c, "logits_scaling", where);
    return s;
}

}  // namespace llmap

// OLMo: Llama's blocks with LayerNorms that have no weight or bias, and q, k, v optionally
// clipped to [-clip_qkv, clip_qkv].
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec olmoSpec(const nlohmann::json& c, const std::string& where) {
    ArchSpec s = readLlamaStyle(c, where, "olmo");
    s.norm = NormKind::Layer;
    s.normAffine = false;
    s.normEps = 1e-5;  // fixed in transformers' OlmoLayerNorm
    s.qkvBias = s.oBias = jsonBool(c, "attention_bias", where).value_or(false);
    s.clipQkv = jsonNumber(c, "clip_qkv", where).value_or(0.0);
    if (s.clipQkv < 0) {
        throw InputError("absurd config: negative clip_qkv", where, "fix config.json");
    }
    return s;
}

}  // namespace llmap

#include "model/architectures/latent_attention.h"

#include <cmath>

#include "model/architectures/decoder_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

int64_t positiveInt(const nlohmann::json& c, const char* key, int64_t fallback,
                    const std::string& where) {
    const int64_t v = jsonInt(c, key, where).value_or(fallback);
    if (v <= 0 || v > (1 << 20)) {
        throw InputError(std::string("absurd config: ") + key + " " + std::to_string(v), where,
                         "fix config.json");
    }
    return v;
}

ArchSpec readLatentAttention(const nlohmann::json& c, const std::string& where,
                             const std::string& family) {
    const int64_t qkRope = positiveInt(c, "qk_rope_head_dim", 64, where);
    nlohmann::json plain = c;  // rotary over qk_rope_head_dim; readRope knows no YaRN
    plain["head_dim"] = qkRope;
    nlohmann::json params;
    std::string ropeType = "default";
    for (const char* key : {"rope_parameters", "rope_scaling"}) {
        if (!c.contains(key) || !c[key].is_object()) continue;
        params = c[key];
        ropeType = jsonString(params, "rope_type", where)
                       .value_or(jsonString(params, "type", where).value_or("default"));
        if (ropeType == "yarn") {
            plain[key].erase("type");
            plain[key]["rope_type"] = "default";
        }
        break;
    }
    ArchSpec s = readLlamaStyle(plain, where, family);
    s.qkRopeDim = qkRope;
    s.qkNopeDim = positiveInt(c, "qk_nope_head_dim", 128, where);
    s.vHeadDim = positiveInt(c, "v_head_dim", 128, where);
    s.kvLoraRank = positiveInt(c, "kv_lora_rank", 512, where);
    s.qLoraRank = c.contains("q_lora_rank") ? jsonInt(c, "q_lora_rank", where).value_or(0) : 1536;
    if (s.qLoraRank < 0) {
        throw InputError("absurd config: negative q_lora_rank", where, "fix config.json");
    }
    s.headDim = s.qkNopeDim + s.qkRopeDim;
    s.kvHeads = s.heads;
    s.rotaryInterleaved = true;
    s.qkvBias = s.oBias = jsonBool(c, "attention_bias", where).value_or(false);
    double softmaxMultiplier = 1.0;
    if (ropeType == "yarn") softmaxMultiplier = readYarn(c, params, s, where);
    s.attentionScale = softmaxMultiplier / std::sqrt(static_cast<double>(s.headDim));
    return s;
}

}  // namespace llmap

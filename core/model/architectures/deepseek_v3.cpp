// DeepSeek-V3 (and Kimi K2, which declares DeepseekV3ForCausalLM): DeepSeek-V2's multi-head latent
// attention, with rotary on interleaved pairs unless rope_interleave is false, and a sigmoid
// router with a per-expert correction bias that chooses the experts among the best groups (see
// readSigmoidRouter), after the first first_k_dense_replace dense layers.
#include "model/architectures/architectures.h"
#include "model/architectures/latent_attention.h"
#include "model/architectures/moe_config.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec deepseekV3Spec(const nlohmann::json& c, const std::string& where) {
    nlohmann::json withDefaults = c;  // DeepseekV3Config's defaults where transformers' differ
    if (!jsonInt(c, "intermediate_size", where)) withDefaults["intermediate_size"] = 18432;
    ArchSpec s = readLatentAttention(withDefaults, where, "deepseek_v3");
    s.rotaryInterleaved = jsonBool(c, "rope_interleave", where).value_or(true);
    readSigmoidRouter(c, where, {256, 8, 8, 4, 3, 2048, 1, 2.5}, s);
    return s;
}

}  // namespace llmap

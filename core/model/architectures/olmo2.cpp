// OLMo-2: Llama's blocks normalised after (not before) attention and MLP, with RMSNorm over the
// whole q and k projections; every RMSNorm applies its weight in fp32.
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec olmo2Spec(const nlohmann::json& c, const std::string& where) {
    ArchSpec s = readLlamaStyle(c, where, "olmo2");
    s.qkvBias = s.oBias = jsonBool(c, "attention_bias", where).value_or(false);
    s.rmsStyle = ArchSpec::RmsStyle::WeightInFp32;
    s.qkNorm = true;
    s.qkNormKind = ArchSpec::QkNormKind::RmsFull;
    s.names.qNorm = "self_attn.q_norm";
    s.names.kNorm = "self_attn.k_norm";
    s.postNormsOnly = true;
    s.names.inputNorm = "";
    s.postMlpNorm = "post_feedforward_layernorm";
    return s;
}

}  // namespace llmap

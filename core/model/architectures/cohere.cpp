// Cohere (Command-R, Aya): attention and MLP in parallel from one bias-free LayerNorm, rotary on
// interleaved pairs computed in fp32, logits multiplied by logit_scale, optionally a bias-free
// LayerNorm per head on q and k.
#include "model/architectures/architectures.h"
#include "model/architectures/decoder_config.h"
#include "util/error.h"
#include "util/json_file.h"

namespace llmap {

ArchSpec cohereSpec(const nlohmann::json& c, const std::string& where) {
    ArchSpec s = readLlamaStyle(c, where, "cohere");
    wholeHeadRotary(s, where);
    s.tiedEmbeddings = jsonBool(c, "tie_word_embeddings", where).value_or(true);
    s.norm = NormKind::Layer;
    s.normBias = false;
    s.normEps = jsonNumber(c, "layer_norm_eps", where).value_or(1e-5);
    s.qkvBias = s.oBias = jsonBool(c, "attention_bias", where).value_or(false);
    s.parallelResidual = s.sharedNorm = true;
    s.names.postNorm = "";
    s.rotaryInterleaved = s.rotaryInFp32 = true;
    if (c.contains("logit_scale") && !c["logit_scale"].is_number()) {
        throw InputError("logit_scale must be a number", where, "fix config.json");
    }
    s.logitScale = jsonNumber(c, "logit_scale", where).value_or(0.0625);
    s.qkNorm = jsonBool(c, "use_qk_norm", where).value_or(false);
    s.qkNormKind = ArchSpec::QkNormKind::LayerPerHeadFp32;
    s.names.qNorm = "self_attn.q_norm";
    s.names.kNorm = "self_attn.k_norm";
    return s;
}

}  // namespace llmap

#pragma once
// DeepSeek's multi-head latent attention read from config.json, shared by DeepSeek-V2 and -V3.
#include <nlohmann/json.hpp>
#include <string>

#include "model/arch_spec.h"

namespace llmap {

// The Llama-style sizes and norms with multi-head latent attention: q_lora_rank (absent: 1536, as
// the config classes default; null: a plain q_proj), kv_lora_rank, qk_nope_head_dim,
// qk_rope_head_dim, v_head_dim; rotary over qk_rope_head_dim, on interleaved pairs; YaRN with its
// mscale_all_dim softmax scale; attention_bias on the down-projections and o_proj.
ArchSpec readLatentAttention(const nlohmann::json& config, const std::string& where,
                             const std::string& family);

// A positive integer `key` (absent: `fallback`), InputError when absurd.
int64_t positiveInt(const nlohmann::json& config, const char* key, int64_t fallback,
                    const std::string& where);

}  // namespace llmap

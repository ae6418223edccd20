#include "model/gguf_tensor_roles.h"

#include <algorithm>
#include <vector>

namespace llmap {

namespace {

using R = GgufRole;

const std::vector<GgufRoleName>& roleNames() {
    static const std::vector<GgufRoleName> table = {
        {R::TokenEmbd, "token_embd", "model.embed_tokens"},
        {R::PositionEmbd, "position_embd", "model.embed_positions"},
        {R::OutputNorm, "output_norm", "model.norm"},
        {R::Output, "output", "lm_head"},
        {R::RopeFreqs, "rope_freqs", "rope_freqs"},
        {R::AttnNorm, "blk.%d.attn_norm", "input_layernorm"},
        {R::AttnQ, "blk.%d.attn_q", "self_attn.q_proj"},
        {R::AttnK, "blk.%d.attn_k", "self_attn.k_proj"},
        {R::AttnV, "blk.%d.attn_v", "self_attn.v_proj"},
        {R::AttnQkv, "blk.%d.attn_qkv", "self_attn.qkv_proj"},
        {R::AttnOutput, "blk.%d.attn_output", "self_attn.o_proj"},
        {R::AttnQNorm, "blk.%d.attn_q_norm", "self_attn.q_norm"},
        {R::AttnKNorm, "blk.%d.attn_k_norm", "self_attn.k_norm"},
        {R::AttnQA, "blk.%d.attn_q_a", "self_attn.q_a_proj"},
        {R::AttnQANorm, "blk.%d.attn_q_a_norm", "self_attn.q_a_layernorm"},
        {R::AttnQB, "blk.%d.attn_q_b", "self_attn.q_b_proj"},
        {R::AttnKvAMqa, "blk.%d.attn_kv_a_mqa", "self_attn.kv_a_proj_with_mqa"},
        {R::AttnKvANorm, "blk.%d.attn_kv_a_norm", "self_attn.kv_a_layernorm"},
        {R::AttnKvB, "blk.%d.attn_kv_b", "self_attn.kv_b_proj"},
        {R::AttnKB, "blk.%d.attn_k_b", "self_attn.kv_b_proj"},
        {R::AttnVB, "blk.%d.attn_v_b", "self_attn.kv_b_proj"},
        {R::AttnPostNorm, "blk.%d.post_attention_norm", "post_attention_layernorm"},
        {R::AttnSinks, "blk.%d.attn_sinks", "self_attn.sinks"},
        {R::FfnNorm, "blk.%d.ffn_norm", "post_attention_layernorm"},
        {R::FfnPostNorm, "blk.%d.post_ffw_norm", "post_feedforward_layernorm"},
        {R::FfnGate, "blk.%d.ffn_gate", "mlp.gate_proj"},
        {R::FfnUp, "blk.%d.ffn_up", "mlp.up_proj"},
        {R::FfnDown, "blk.%d.ffn_down", "mlp.down_proj"},
        {R::FfnGateInp, "blk.%d.ffn_gate_inp", "mlp.gate"},
        {R::FfnGateExps, "blk.%d.ffn_gate_exps", "mlp.experts.gate_proj"},
        {R::FfnUpExps, "blk.%d.ffn_up_exps", "mlp.experts.up_proj"},
        {R::FfnDownExps, "blk.%d.ffn_down_exps", "mlp.experts.down_proj"},
        {R::FfnGateInpShexp, "blk.%d.ffn_gate_inp_shexp", "mlp.shared_expert_gate"},
        {R::FfnGateShexp, "blk.%d.ffn_gate_shexp", "mlp.shared_expert.gate_proj"},
        {R::FfnUpShexp, "blk.%d.ffn_up_shexp", "mlp.shared_expert.up_proj"},
        {R::FfnDownShexp, "blk.%d.ffn_down_shexp", "mlp.shared_expert.down_proj"},
        {R::AttnGate, "blk.%d.attn_gate", "linear_attn.in_proj_z"},
        {R::SsmConv1d, "blk.%d.ssm_conv1d", "linear_attn.conv1d"},
        {R::SsmDt, "blk.%d.ssm_dt", "linear_attn.dt_bias"},
        {R::SsmA, "blk.%d.ssm_a", "linear_attn.A_log"},
        {R::SsmBeta, "blk.%d.ssm_beta", "linear_attn.in_proj_b"},
        {R::SsmAlpha, "blk.%d.ssm_alpha", "linear_attn.in_proj_a"},
        {R::SsmBetaAlpha, "blk.%d.ssm_ba", "linear_attn.in_proj_ba"},
        {R::SsmNorm, "blk.%d.ssm_norm", "linear_attn.norm"},
        {R::SsmOut, "blk.%d.ssm_out", "linear_attn.out_proj"},
    };
    return table;
}

constexpr const char kBlock[] = "blk.%d.";

}  // namespace

const GgufRoleName& ggufRoleName(GgufRole role) {
    const auto& t = roleNames();
    return *std::find_if(t.begin(), t.end(), [&](const GgufRoleName& n) { return n.role == role; });
}

bool ggufRoleIsPerBlock(GgufRole role) {
    return std::string(ggufRoleName(role).gguf).rfind(kBlock, 0) == 0;
}

std::string ggufTensorStem(GgufRole role, int64_t block) {
    const std::string name = ggufRoleName(role).gguf;
    if (!ggufRoleIsPerBlock(role)) return name;
    return "blk." + std::to_string(block) + "." + name.substr(sizeof(kBlock) - 1);
}

bool ggufRoleOf(const std::string& stem, GgufRole& role, int64_t& block) {
    std::string part = stem;
    block = -1;
    if (stem.rfind("blk.", 0) == 0) {
        const size_t dot = stem.find('.', 4);
        if (dot == std::string::npos) return false;
        const std::string number = stem.substr(4, dot - 4);
        if (number.empty() || number.size() > 6 ||
            !std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return false;
        block = std::stoll(number);
        part = std::string(kBlock) + stem.substr(dot + 1);
    }
    for (const auto& n : roleNames()) {
        if (part == n.gguf) {
            role = n.role;
            return true;
        }
    }
    return false;
}

}  // namespace llmap

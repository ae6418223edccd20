#include "model/gguf_architectures.h"

#include <cstdint>

namespace llmap {

namespace {

using A = GgufArchitecture;
using V = GgufArchitecture::Value;

std::vector<A::Key> llamaStyleKeys() {
    return {{"context_length", "max_position_embeddings", V::Int},
            {"block_count", "num_hidden_layers", V::Int},
            {"feed_forward_length", "intermediate_size", V::Int},
            {"embedding_length", "hidden_size", V::Int},
            {"rope.freq_base", "rope_theta", V::Real},
            {"attention.head_count", "num_attention_heads", V::Int},
            {"attention.head_count_kv", "num_key_value_heads", V::Int},
            {"attention.layer_norm_rms_epsilon", "rms_norm_eps", V::Real},
            {"vocab_size", "vocab_size", V::Int}};
}

std::vector<A::Name> llamaStyleGlobal() {
    return {
        {"token_embd", "model.embed_tokens"}, {"output_norm", "model.norm"}, {"output", "lm_head"}};
}

std::vector<A::Name> llamaStyleLayer() {
    return {{"attn_norm", "input_layernorm"},    {"ffn_norm", "post_attention_layernorm"},
            {"attn_q", "self_attn.q_proj"},      {"attn_k", "self_attn.k_proj"},
            {"attn_v", "self_attn.v_proj"},      {"attn_output", "self_attn.o_proj"},
            {"attn_q_norm", "self_attn.q_norm"}, {"attn_k_norm", "self_attn.k_norm"},
            {"ffn_gate", "mlp.gate_proj"},       {"ffn_up", "mlp.up_proj"},
            {"ffn_down", "mlp.down_proj"}};
}

A llama() {
    A a;
    a.gguf = "llama";
    a.modelType = "llama";
    a.keys = llamaStyleKeys();
    a.keys.push_back({"rope.dimension_count", "head_dim", V::Int});
    a.global = llamaStyleGlobal();
    a.layerPrefix = "model.layers.";
    a.layer = llamaStyleLayer();
    a.presence = {{"blk.0.attn_q.bias", "attention_bias"}, {"blk.0.ffn_up.bias", "mlp_bias"}};
    a.unpermuteQK = true;
    // Llama 3.1-3.3: llama.cpp applies the frequency factors (kRopeFreqsWeight) of this
    // architecture only.
    a.global.push_back({"rope_freqs", "rope_freqs"});
    return a;
}

A qwen2() {
    A a;
    a.gguf = "qwen2";
    a.modelType = "qwen2";
    a.keys = llamaStyleKeys();
    a.global = llamaStyleGlobal();
    a.layerPrefix = "model.layers.";
    a.layer = llamaStyleLayer();
    return a;
}

A qwen3() {
    A a = qwen2();
    a.gguf = "qwen3";
    a.modelType = "qwen3";
    a.keys.push_back({"attention.key_length", "head_dim", V::Int});
    return a;
}

// llama.cpp runs every Qwen3-MoE layer sparse and always renormalises the top-k weights.
void completeQwen3Moe(nlohmann::json& c) {
    c["norm_topk_prob"] = true;
}

A qwen3moe() {
    A a = qwen3();
    a.gguf = "qwen3moe";
    a.modelType = "qwen3_moe";
    a.keys.push_back({"expert_count", "num_experts", V::Int});
    a.keys.push_back({"expert_used_count", "num_experts_per_tok", V::Int});
    a.keys.push_back({"expert_feed_forward_length", "moe_intermediate_size", V::Int});
    a.layer.push_back({"ffn_gate_inp", "mlp.gate"});
    a.layer.push_back({"ffn_gate_exps", "mlp.experts.gate_proj"});
    a.layer.push_back({"ffn_up_exps", "mlp.experts.up_proj"});
    a.layer.push_back({"ffn_down_exps", "mlp.experts.down_proj"});
    a.presence = {{"blk.0.attn_q.bias", "attention_bias"}};
    a.complete = completeQwen3Moe;
    return a;
}

A gpt2() {
    A a;
    a.gguf = "gpt2";
    a.modelType = "gpt2";
    a.keys = {{"context_length", "n_positions", V::Int},
              {"block_count", "n_layer", V::Int},
              {"feed_forward_length", "n_inner", V::Int},
              {"embedding_length", "n_embd", V::Int},
              {"attention.head_count", "n_head", V::Int},
              {"attention.layer_norm_epsilon", "layer_norm_epsilon", V::Real},
              {"vocab_size", "vocab_size", V::Int}};
    a.global = {{"token_embd", "transformer.wte"},
                {"position_embd", "transformer.wpe"},
                {"output_norm", "transformer.ln_f"},
                {"output", "lm_head"}};
    a.layerPrefix = "transformer.h.";
    a.layer = {{"attn_norm", "ln_1"},          {"ffn_norm", "ln_2"},   {"attn_qkv", "attn.c_attn"},
               {"attn_output", "attn.c_proj"}, {"ffn_up", "mlp.c_fc"}, {"ffn_down", "mlp.c_proj"}};
    a.transposeLayers = true;
    a.contextKey = "n_positions";
    return a;
}

A phi3() {
    A a;
    a.gguf = "phi3";
    a.modelType = "phi3";
    a.keys = llamaStyleKeys();
    a.keys.push_back({"attention.sliding_window", "sliding_window", V::Int});
    a.global = llamaStyleGlobal();
    a.layerPrefix = "model.layers.";
    a.layer = {{"attn_norm", "input_layernorm"},   {"ffn_norm", "post_attention_layernorm"},
               {"attn_qkv", "self_attn.qkv_proj"}, {"attn_output", "self_attn.o_proj"},
               {"ffn_up", "mlp.gate_up_proj"},     {"ffn_down", "mlp.down_proj"}};
    return a;
}

A starcoder2() {
    A a;
    a.gguf = "starcoder2";
    a.modelType = "starcoder2";
    a.keys = {{"context_length", "max_position_embeddings", V::Int},
              {"block_count", "num_hidden_layers", V::Int},
              {"feed_forward_length", "intermediate_size", V::Int},
              {"embedding_length", "hidden_size", V::Int},
              {"rope.freq_base", "rope_theta", V::Real},
              {"attention.head_count", "num_attention_heads", V::Int},
              {"attention.head_count_kv", "num_key_value_heads", V::Int},
              {"attention.layer_norm_epsilon", "norm_epsilon", V::Real},
              {"vocab_size", "vocab_size", V::Int}};
    a.global = llamaStyleGlobal();
    a.layerPrefix = "model.layers.";
    a.layer = {{"attn_norm", "input_layernorm"}, {"ffn_norm", "post_attention_layernorm"},
               {"attn_q", "self_attn.q_proj"},   {"attn_k", "self_attn.k_proj"},
               {"attn_v", "self_attn.v_proj"},   {"attn_output", "self_attn.o_proj"},
               {"ffn_up", "mlp.c_fc"},           {"ffn_down", "mlp.c_proj"}};
    a.presence = {{"blk.0.attn_q.bias", "use_bias"}};
    return a;
}

// Only multi-query Falcon (Falcon-7B): with one key/value head llama.cpp's fused q|k|v rows are
// in the Hugging Face order; with more (Falcon-40B, RW-1B) its convert regrouped them.
const char* falconRefusal(const nlohmann::json& config) {
    if (config.value("num_kv_heads", int64_t(1)) != 1)
        return "Falcon with more than one key/value head (its fused q/k/v rows were regrouped by "
               "the converter) is not supported";
    return nullptr;
}

A falcon() {
    A a;
    a.gguf = "falcon";
    a.modelType = "falcon";
    a.keys = {{"context_length", "max_position_embeddings", V::Int},
              {"block_count", "num_hidden_layers", V::Int},
              {"embedding_length", "hidden_size", V::Int},
              {"feed_forward_length", "ffn_hidden_size", V::Int},
              {"rope.freq_base", "rope_theta", V::Real},
              {"attention.head_count", "num_attention_heads", V::Int},
              {"attention.head_count_kv", "num_kv_heads", V::Int},
              {"attention.layer_norm_epsilon", "layer_norm_epsilon", V::Real},
              {"vocab_size", "vocab_size", V::Int}};
    a.global = {{"token_embd", "transformer.word_embeddings"},
                {"output_norm", "transformer.ln_f"},
                {"output", "lm_head"}};
    a.layerPrefix = "transformer.h.";
    a.layer = {{"attn_norm", "input_layernorm"},
               {"attn_qkv", "self_attention.query_key_value"},
               {"attn_output", "self_attention.dense"},
               {"ffn_up", "mlp.dense_h_to_4h"},
               {"ffn_down", "mlp.dense_4h_to_h"}};
    a.presence = {{"blk.0.attn_qkv.bias", "bias"}};
    a.refuse = falconRefusal;
    return a;
}

A gemma2() {
    A a;
    a.gguf = "gemma2";
    a.modelType = "gemma2";
    a.keys = llamaStyleKeys();
    a.keys.push_back({"attention.key_length", "head_dim", V::Int});
    a.keys.push_back({"attention.sliding_window", "sliding_window", V::Int});
    a.keys.push_back({"attn_logit_softcapping", "attn_logit_softcapping", V::Real});
    a.keys.push_back({"final_logit_softcapping", "final_logit_softcapping", V::Real});
    a.global = llamaStyleGlobal();
    a.layerPrefix = "model.layers.";
    a.layer = llamaStyleLayer();
    a.layer.push_back({"post_attention_norm", "post_attention_layernorm"});
    a.layer.push_back({"post_ffw_norm", "post_feedforward_layernorm"});
    for (auto& n : a.layer)
        if (std::string(n.gguf) == "ffn_norm") n.hf = "pre_feedforward_layernorm";
    a.normsPlusOne = true;
    return a;
}

// llama.cpp converts OLMo-3 to the olmo2 architecture with a sliding window on three layers of
// four and YaRN on the others; only OLMo-2 (no window) is read.
const char* olmo2Refusal(const nlohmann::json& config) {
    if (config.contains("sliding_window"))
        return "an olmo2 file with attention.sliding_window (OLMo-3 converted by llama.cpp) is not "
               "supported";
    return nullptr;
}

// OLMo-2: RMSNorm after attention and MLP and over the whole q and k projections; q and k rows
// are not permuted (llama.cpp rotates OLMo-2 in the NeoX layout).
A olmo2() {
    A a;
    a.gguf = "olmo2";
    a.modelType = "olmo2";
    a.keys = llamaStyleKeys();
    a.keys.push_back({"attention.sliding_window", "sliding_window", V::Int});
    a.global = llamaStyleGlobal();
    a.layerPrefix = "model.layers.";
    a.layer = {{"attn_q", "self_attn.q_proj"},
               {"attn_k", "self_attn.k_proj"},
               {"attn_v", "self_attn.v_proj"},
               {"attn_output", "self_attn.o_proj"},
               {"attn_q_norm", "self_attn.q_norm"},
               {"attn_k_norm", "self_attn.k_norm"},
               {"post_attention_norm", "post_attention_layernorm"},
               {"post_ffw_norm", "post_feedforward_layernorm"},
               {"ffn_gate", "mlp.gate_proj"},
               {"ffn_up", "mlp.up_proj"},
               {"ffn_down", "mlp.down_proj"}};
    a.presence = {{"blk.0.attn_q.bias", "attention_bias"}};
    a.refuse = olmo2Refusal;
    return a;
}

// What llama.cpp's Gemma-3 assumes: the scores scaled by 1/sqrt(key_length) (by
// 1/sqrt(hidden / heads) for the 62-layer 27B); with a sliding window, every sixth layer global
// and the others sliding with rotary base 10000 (the keys' base and scaling are the global ones);
// without one, every layer global.
void completeGemma3(nlohmann::json& c) {
    const int64_t layers = c.value("num_hidden_layers", int64_t(0));
    const int64_t heads = c.value("num_attention_heads", int64_t(0));
    if (heads <= 0) return;  // refused when the config is read
    const int64_t perHead = c.value("hidden_size", int64_t(0)) / heads;
    if (!c.contains("head_dim")) c["head_dim"] = perHead;  // llama.cpp's default key_length
    c["query_pre_attn_scalar"] = layers == 62 ? perHead : c["head_dim"].get<int64_t>();
    c["rope_local_base_freq"] = 10000.0;
    const int64_t window = c.value("sliding_window", int64_t(0));
    nlohmann::json types = nlohmann::json::array();
    for (int64_t i = 0; i < layers; ++i)
        types.push_back(window > 0 && (i + 1) % 6 != 0 ? "sliding_attention" : "full_attention");
    c["layer_types"] = types;
}

A gemma3() {
    A a = gemma2();
    a.gguf = "gemma3";
    a.modelType = "gemma3_text";
    a.keys = llamaStyleKeys();
    a.keys.push_back({"attention.key_length", "head_dim", V::Int});
    a.keys.push_back({"attention.sliding_window", "sliding_window", V::Int});
    a.keys.push_back({"final_logit_softcapping", "final_logit_softcapping", V::Real});
    a.complete = completeGemma3;
    return a;
}

// gpt-oss as llama.cpp runs it: every other layer sliding, the first one included (none without a
// window); YaRN as gpt-oss defines it, its correction range not rounded (llama.cpp rounds it).
void completeGptOss(nlohmann::json& c) {
    const int64_t layers = c.value("num_hidden_layers", int64_t(0));
    const int64_t window = c.value("sliding_window", int64_t(0));
    nlohmann::json types = nlohmann::json::array();
    for (int64_t i = 0; i < layers; ++i)
        types.push_back(window > 0 && i % 2 == 0 ? "sliding_attention" : "full_attention");
    c["layer_types"] = types;
    if (c.contains("rope_scaling") && c["rope_scaling"].value("rope_type", "") == "yarn")
        c["rope_scaling"]["truncate"] = false;
}

// gpt-oss: attention with biases and sinks (attn_sinks), the router with a bias (ffn_gate_inp),
// the experts stacked per projection with biases (ffn_gate_exps, ffn_up_exps, ffn_down_exps).
A gptOss() {
    A a;
    a.gguf = "gpt-oss";
    a.modelType = "gpt_oss";
    a.keys = llamaStyleKeys();
    a.keys.push_back({"attention.key_length", "head_dim", V::Int});
    a.keys.push_back({"attention.sliding_window", "sliding_window", V::Int});
    a.keys.push_back({"expert_count", "num_local_experts", V::Int});
    a.keys.push_back({"expert_used_count", "num_experts_per_tok", V::Int});
    a.keys.push_back({"expert_feed_forward_length", "intermediate_size", V::Int});
    a.global = llamaStyleGlobal();
    a.layerPrefix = "model.layers.";
    a.layer = {{"attn_norm", "input_layernorm"},
               {"post_attention_norm", "post_attention_layernorm"},
               {"attn_q", "self_attn.q_proj"},
               {"attn_k", "self_attn.k_proj"},
               {"attn_v", "self_attn.v_proj"},
               {"attn_output", "self_attn.o_proj"},
               {"attn_sinks", "self_attn.sinks"},
               {"ffn_gate_inp", "mlp.router"},
               {"ffn_gate_exps", "mlp.experts.gate_proj"},
               {"ffn_up_exps", "mlp.experts.up_proj"},
               {"ffn_down_exps", "mlp.experts.down_proj"}};
    a.presence = {{"blk.0.attn_q.bias", "attention_bias"}};
    a.yarn = true;
    a.complete = completeGptOss;
    return a;
}

}  // namespace

const std::vector<GgufArchitecture>& ggufArchitectures() {
    static const std::vector<GgufArchitecture> table = {
        gpt2(),       llama(),  qwen2(),  qwen3(),  qwen3moe(), phi3(),
        starcoder2(), falcon(), gemma2(), gemma3(), olmo2(),    gptOss()};
    return table;
}

const GgufArchitecture* ggufArchitecture(const std::string& name) {
    for (const auto& a : ggufArchitectures())
        if (name == a.gguf) return &a;
    return nullptr;
}

}  // namespace llmap

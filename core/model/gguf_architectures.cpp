#include "model/gguf_architectures.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace llmap {

namespace {

using A = GgufArchitecture;
using V = GgufArchitecture::Value;
using R = GgufRole;

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

// The same with LayerNorm's epsilon under its key and config name.
std::vector<A::Key> layerNormKeys(const char* epsilonConfig) {
    auto keys = llamaStyleKeys();
    for (auto& k : keys)
        if (std::string(k.gguf) == "attention.layer_norm_rms_epsilon")
            k = {"attention.layer_norm_epsilon", epsilonConfig, V::Real};
    return keys;
}

std::vector<A::Tensor> llamaStyleTensors() {
    return {{R::TokenEmbd}, {R::OutputNorm}, {R::Output}, {R::AttnNorm},   {R::FfnNorm},
            {R::AttnQ},     {R::AttnK},      {R::AttnV},  {R::AttnOutput}, {R::AttnQNorm},
            {R::AttnKNorm}, {R::FfnGate},    {R::FfnUp},  {R::FfnDown}};
}

std::vector<A::Tensor> routedExperts() {
    return {{R::FfnGateInp}, {R::FfnGateExps}, {R::FfnUpExps}, {R::FfnDownExps}};
}

A llama() {
    A a;
    a.gguf = "llama";
    a.modelType = "llama";
    a.keys = llamaStyleKeys();
    a.keys.push_back({"rope.dimension_count", "head_dim", V::Int});
    a.tensors = llamaStyleTensors();
    // Llama 3.1-3.3: llama.cpp applies the frequency factors (kRopeFreqsWeight) of this
    // architecture only.
    a.tensors.push_back({R::RopeFreqs});
    a.presence = {{"blk.0.attn_q.bias", "attention_bias"}, {"blk.0.ffn_up.bias", "mlp_bias"}};
    a.unpermuteQK = true;
    return a;
}

A qwen2() {
    A a;
    a.gguf = "qwen2";
    a.modelType = "qwen2";
    a.keys = llamaStyleKeys();
    a.tensors = llamaStyleTensors();
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

std::vector<A::Key> expertKeys(const char* expertsConfig) {
    return {{"expert_count", expertsConfig, V::Int},
            {"expert_used_count", "num_experts_per_tok", V::Int},
            {"expert_feed_forward_length", "moe_intermediate_size", V::Int}};
}

A qwen3moe() {
    A a = qwen3();
    a.gguf = "qwen3moe";
    a.modelType = "qwen3_moe";
    for (const auto& k : expertKeys("num_experts")) a.keys.push_back(k);
    for (const auto& t : routedExperts()) a.tensors.push_back(t);
    a.presence = {{"blk.0.attn_q.bias", "attention_bias"}};
    a.complete = completeQwen3Moe;
    return a;
}

// llama.cpp's Qwen2-MoE: every layer sparse, the top-k weights not renormalised, no window.
void completeQwen2Moe(nlohmann::json& c) {
    c["norm_topk_prob"] = false;
    c["decoder_sparse_step"] = 1;
    c["mlp_only_layers"] = nlohmann::json::array();
    c["use_sliding_window"] = false;
    if (!c.contains("shared_expert_intermediate_size")) c["shared_expert_intermediate_size"] = 0;
}

A qwen2moe() {
    A a = qwen2();
    a.gguf = "qwen2moe";
    a.modelType = "qwen2_moe";
    for (const auto& k : expertKeys("num_experts")) a.keys.push_back(k);
    a.keys.push_back(
        {"expert_shared_feed_forward_length", "shared_expert_intermediate_size", V::Int});
    for (const auto& t : routedExperts()) a.tensors.push_back(t);
    for (R r : {R::FfnGateInpShexp, R::FfnGateShexp, R::FfnUpShexp, R::FfnDownShexp})
        a.tensors.push_back({r});
    a.presence = {{"blk.0.attn_q.bias", "qkv_bias"}};
    a.complete = completeQwen2Moe;
    return a;
}

// Granite's multipliers are keys of the file; without attention.scale llama.cpp scales the
// scores by 1/sqrt(head size).
void completeGranite(nlohmann::json& c) {
    if (c.contains("attention_multiplier")) return;
    const int64_t heads = c.value("num_attention_heads", int64_t(0));
    if (heads <= 0) return;  // refused when the config is read
    const int64_t headDim = c.value("head_dim", c.value("hidden_size", int64_t(0)) / heads);
    if (headDim > 0) c["attention_multiplier"] = 1.0 / std::sqrt(static_cast<double>(headDim));
}

A granite() {
    A a = llama();
    a.gguf = "granite";
    a.modelType = "granite";
    a.tensors.pop_back();  // no rotary frequency factors
    a.keys.push_back({"attention.scale", "attention_multiplier", V::Real});
    a.keys.push_back({"embedding_scale", "embedding_multiplier", V::Real});
    a.keys.push_back({"residual_scale", "residual_multiplier", V::Real});
    a.keys.push_back({"logit_scale", "logits_scaling", V::Real});
    a.complete = completeGranite;
    return a;
}

// Command-R: one LayerNorm (weight only) before the parallel attention and MLP.
A commandR() {
    A a;
    a.gguf = "command-r";
    a.modelType = "cohere";
    a.keys = layerNormKeys("layer_norm_eps");
    a.keys.push_back({"logit_scale", "logit_scale", V::Real});
    a.tensors = llamaStyleTensors();
    a.presence = {{"blk.0.attn_q.bias", "attention_bias"},
                  {"blk.0.attn_q_norm.weight", "use_qk_norm"}};
    return a;
}

// Cohere2 rotates the whole head (transformers has no partial rotary for it).
const char* cohere2Refusal(const nlohmann::json& config) {
    if (config.contains("rope_dimension_count") && config.contains("head_dim") &&
        config["rope_dimension_count"] != config["head_dim"])
        return "a cohere2 file whose rope.dimension_count is not the head size (partial rotary) "
               "is not supported";
    return nullptr;
}

// llama.cpp's Cohere2: three sliding layers (with rotary) then one global layer (without).
void completeCohere2(nlohmann::json& c) {
    c["sliding_window_pattern"] = 4;
    c.erase("rope_dimension_count");
}

A cohere2() {
    A a = commandR();
    a.gguf = "cohere2";
    a.modelType = "cohere2";
    a.keys.push_back({"attention.key_length", "head_dim", V::Int});
    a.keys.push_back({"attention.sliding_window", "sliding_window", V::Int});
    a.keys.push_back({"rope.dimension_count", "rope_dimension_count", V::Int});
    a.presence = {{"blk.0.attn_q.bias", "attention_bias"}};
    a.refuse = cohere2Refusal;
    a.complete = completeCohere2;
    return a;
}

// GLM-4 rotates the first rope.dimension_count channels of each head.
void completeGlm4(nlohmann::json& c) {
    const int64_t heads = c.value("num_attention_heads", int64_t(0));
    if (heads <= 0) return;  // refused when the config is read
    if (!c.contains("head_dim")) c["head_dim"] = c.value("hidden_size", int64_t(0)) / heads;
    const auto headDim = c["head_dim"].get<int64_t>();
    const int64_t rotary = c.value("rope_dimension_count", headDim);
    c.erase("rope_dimension_count");
    if (headDim > 0) c["partial_rotary_factor"] = double(rotary) / double(headDim);
}

A glm4() {
    A a;
    a.gguf = "glm4";
    a.modelType = "glm4";
    a.keys = llamaStyleKeys();
    a.keys.push_back({"attention.key_length", "head_dim", V::Int});
    a.keys.push_back({"rope.dimension_count", "rope_dimension_count", V::Int});
    a.tensors = {{R::TokenEmbd},
                 {R::OutputNorm},
                 {R::Output},
                 {R::AttnNorm},
                 {R::AttnQ},
                 {R::AttnK},
                 {R::AttnV},
                 {R::AttnOutput},
                 {R::AttnPostNorm, "post_self_attn_layernorm"},
                 {R::FfnNorm},
                 {R::FfnUp, "mlp.gate_up_proj"},
                 {R::FfnDown},
                 {R::FfnPostNorm, "post_mlp_layernorm"}};
    a.presence = {{"blk.0.attn_q.bias", "attention_bias"}};
    a.complete = completeGlm4;
    return a;
}

// What DeepSeek-V2's keys leave for llama.cpp to assume: no q compression without
// attention.q_lora_rank, the nope part of the key as key_length_mla (or, in files without it,
// key_length) less the rotary part, greedy routing unless the file names groups.
void completeDeepseek2(nlohmann::json& c) {
    if (!c.contains("q_lora_rank")) c["q_lora_rank"] = 0;
    const int64_t rope = c.value("qk_rope_head_dim", int64_t(0));
    const int64_t key = c.value("qk_head_dim_mla", c.value("qk_head_dim", int64_t(0)));
    if (key > rope) c["qk_nope_head_dim"] = key - rope;
    if (!c.contains("v_head_dim") && c.contains("v_head_dim_plain"))
        c["v_head_dim"] = c["v_head_dim_plain"];
    for (const char* k : {"qk_head_dim_mla", "qk_head_dim", "v_head_dim_plain"}) c.erase(k);
    c["num_key_value_heads"] = c.value("num_attention_heads", int64_t(0));
    if (c.value("n_group", int64_t(1)) > 1) c["topk_method"] = "group_limited_greedy";
    if (!c.contains("first_k_dense_replace")) c["first_k_dense_replace"] = 0;
}

const char* deepseek2Refusal(const nlohmann::json& config) {
    if (config.value("norm_topk_prob", false))
        return "a deepseek2 file with expert_weights_norm (renormalised top-k weights, which "
               "DeepSeek-V2 does not do) is not supported";
    if (config.value("expert_gating_func", int64_t(1)) != 1)
        return "a deepseek2 file with sigmoid expert gating (DeepSeek-V3) is not supported";
    return nullptr;
}

A deepseek2() {
    A a;
    a.gguf = "deepseek2";
    a.modelType = "deepseek_v2";
    a.keys = {{"context_length", "max_position_embeddings", V::Int},
              {"block_count", "num_hidden_layers", V::Int},
              {"feed_forward_length", "intermediate_size", V::Int},
              {"embedding_length", "hidden_size", V::Int},
              {"rope.freq_base", "rope_theta", V::Real},
              {"attention.head_count", "num_attention_heads", V::Int},
              {"attention.layer_norm_rms_epsilon", "rms_norm_eps", V::Real},
              {"vocab_size", "vocab_size", V::Int},
              {"attention.q_lora_rank", "q_lora_rank", V::Int},
              {"attention.kv_lora_rank", "kv_lora_rank", V::Int},
              {"attention.key_length_mla", "qk_head_dim_mla", V::Int},
              {"attention.key_length", "qk_head_dim", V::Int},
              {"attention.value_length_mla", "v_head_dim", V::Int},
              {"attention.value_length", "v_head_dim_plain", V::Int},
              {"rope.dimension_count", "qk_rope_head_dim", V::Int},
              {"leading_dense_block_count", "first_k_dense_replace", V::Int},
              {"expert_shared_count", "n_shared_experts", V::Int},
              {"expert_weights_scale", "routed_scaling_factor", V::Real},
              {"expert_weights_norm", "norm_topk_prob", V::Bool},
              {"expert_gating_func", "expert_gating_func", V::Int},
              {"expert_group_count", "n_group", V::Int},
              {"expert_group_used_count", "topk_group", V::Int}};
    for (const auto& k : expertKeys("n_routed_experts")) a.keys.push_back(k);
    a.tensors = {{R::TokenEmbd},
                 {R::OutputNorm},
                 {R::Output},
                 {R::AttnNorm},
                 {R::AttnQ},
                 {R::AttnQA},
                 {R::AttnQANorm},
                 {R::AttnQB},
                 {R::AttnKvAMqa},
                 {R::AttnKvANorm},
                 {R::AttnKvB},
                 {R::AttnKB},
                 {R::AttnVB},
                 {R::AttnOutput},
                 {R::FfnNorm},
                 {R::FfnGate},
                 {R::FfnUp},
                 {R::FfnDown},
                 {R::FfnGateInp},
                 {R::FfnGateExps},
                 {R::FfnUpExps},
                 {R::FfnDownExps},
                 {R::FfnGateShexp, "mlp.shared_experts.gate_proj"},
                 {R::FfnUpShexp, "mlp.shared_experts.up_proj"},
                 {R::FfnDownShexp, "mlp.shared_experts.down_proj"}};
    a.presence = {{"blk.0.attn_kv_a_mqa.bias", "attention_bias"}};
    a.refuse = deepseek2Refusal;
    a.complete = completeDeepseek2;
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
    a.tensors = {{R::TokenEmbd, "transformer.wte"},
                 {R::PositionEmbd, "transformer.wpe"},
                 {R::OutputNorm, "transformer.ln_f"},
                 {R::Output},
                 {R::AttnNorm, "ln_1"},
                 {R::FfnNorm, "ln_2"},
                 {R::AttnQkv, "attn.c_attn"},
                 {R::AttnOutput, "attn.c_proj"},
                 {R::FfnUp, "mlp.c_fc"},
                 {R::FfnDown, "mlp.c_proj"}};
    a.layerPrefix = "transformer.h.";
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
    a.tensors = {{R::TokenEmbd}, {R::OutputNorm}, {R::Output},     {R::AttnNorm},
                 {R::FfnNorm},   {R::AttnQkv},    {R::AttnOutput}, {R::FfnUp, "mlp.gate_up_proj"},
                 {R::FfnDown}};
    return a;
}

A starcoder2() {
    A a;
    a.gguf = "starcoder2";
    a.modelType = "starcoder2";
    a.keys = layerNormKeys("norm_epsilon");
    a.tensors = {{R::TokenEmbd},
                 {R::OutputNorm},
                 {R::Output},
                 {R::AttnNorm},
                 {R::FfnNorm},
                 {R::AttnQ},
                 {R::AttnK},
                 {R::AttnV},
                 {R::AttnOutput},
                 {R::FfnUp, "mlp.c_fc"},
                 {R::FfnDown, "mlp.c_proj"}};
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
    a.tensors = {{R::TokenEmbd, "transformer.word_embeddings"},
                 {R::OutputNorm, "transformer.ln_f"},
                 {R::Output},
                 {R::AttnNorm},
                 {R::AttnQkv, "self_attention.query_key_value"},
                 {R::AttnOutput, "self_attention.dense"},
                 {R::FfnUp, "mlp.dense_h_to_4h"},
                 {R::FfnDown, "mlp.dense_4h_to_h"}};
    a.layerPrefix = "transformer.h.";
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
    a.tensors = llamaStyleTensors();
    for (auto& t : a.tensors)
        if (t.role == R::FfnNorm) t.hf = "pre_feedforward_layernorm";
    a.tensors.push_back({R::AttnPostNorm});
    a.tensors.push_back({R::FfnPostNorm});
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
    a.tensors = {{R::TokenEmbd}, {R::OutputNorm},   {R::Output},      {R::AttnQ},
                 {R::AttnK},     {R::AttnV},        {R::AttnOutput},  {R::AttnQNorm},
                 {R::AttnKNorm}, {R::AttnPostNorm}, {R::FfnPostNorm}, {R::FfnGate},
                 {R::FfnUp},     {R::FfnDown}};
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
    a.tensors = {{R::TokenEmbd},    {R::OutputNorm},
                 {R::Output},       {R::AttnNorm},
                 {R::AttnPostNorm}, {R::AttnQ},
                 {R::AttnK},        {R::AttnV},
                 {R::AttnOutput},   {R::AttnSinks},
                 {R::FfnGateExps},  {R::FfnUpExps},
                 {R::FfnDownExps},  {R::FfnGateInp, "mlp.router"}};
    a.presence = {{"blk.0.attn_q.bias", "attention_bias"}};
    a.yarn = true;
    a.complete = completeGptOss;
    return a;
}

// What llama.cpp's llama4 assumes rather than reads: chunks of 8192 positions on three layers
// of four, no rotary on the fourth, the attention temperature with floor 8192 and scale 0.1, and
// q/k normalised unless the model has 128 experts (Maverick); attention.sliding_window 0 (every
// layer full attention) instead rotates and attends fully on every layer.
void completeLlama4(nlohmann::json& c) {
    const int64_t layers = c.value("num_hidden_layers", int64_t(0));
    const int64_t heads = c.value("num_attention_heads", int64_t(0));
    if (!c.contains("head_dim") && heads > 0)
        c["head_dim"] = c.value("hidden_size", int64_t(0)) / heads;
    if (c.contains("sliding_window") && c["sliding_window"] == 0) {
        c["attention_chunk_size"] = nullptr;
        c["no_rope_layers"] = nlohmann::json::array();
        c["layer_types"] = nlohmann::json::array();
        for (int64_t i = 0; i < layers; ++i) {
            c["no_rope_layers"].push_back(1);
            c["layer_types"].push_back("full_attention");
        }
    } else {
        c["attention_chunk_size"] = 8192;
        c["no_rope_layer_interval"] = 4;
    }
    c.erase("sliding_window");
    c["attn_temperature_tuning"] = true;
    c["floor_scale"] = 8192;
    c["attn_scale"] = 0.1;
    c["use_qk_norm"] = c.value("num_local_experts", int64_t(0)) != 128;
}

const char* llama4Refusal(const nlohmann::json& config) {
    const auto head = config.find("head_dim");
    for (const char* key : {"rope_dimension_count", "value_head_dim"}) {
        if (config.contains(key) && head != config.end() && config[key] != *head)
            return "a llama4 file whose rope.dimension_count or attention.value_length is not "
                   "attention.key_length (the head size) is not supported";
    }
    return nullptr;
}

// Llama 4 (text): dense layers and, every interleave_moe_layer_step-th, sigmoid-routed experts
// stacked per projection beside an always-on shared expert; q and k rows in Hugging Face order.
A llama4() {
    A a;
    a.gguf = "llama4";
    a.modelType = "llama4_text";
    a.keys = llamaStyleKeys();
    for (auto& k : a.keys)
        if (std::string(k.gguf) == "feed_forward_length") k.config = "intermediate_size_mlp";
    a.keys.push_back({"attention.key_length", "head_dim", V::Int});
    a.keys.push_back({"attention.value_length", "value_head_dim", V::Int});
    a.keys.push_back({"rope.dimension_count", "rope_dimension_count", V::Int});
    a.keys.push_back({"attention.sliding_window", "sliding_window", V::Int});
    a.keys.push_back({"expert_count", "num_local_experts", V::Int});
    a.keys.push_back({"expert_used_count", "num_experts_per_tok", V::Int});
    a.keys.push_back({"expert_feed_forward_length", "intermediate_size", V::Int});
    a.keys.push_back({"interleave_moe_layer_step", "interleave_moe_layer_step", V::Int});
    a.tensors = {{R::TokenEmbd},
                 {R::OutputNorm},
                 {R::Output},
                 {R::RopeFreqs},
                 {R::AttnNorm},
                 {R::AttnQ},
                 {R::AttnK},
                 {R::AttnV},
                 {R::AttnOutput},
                 {R::FfnNorm},
                 {R::FfnGate, "feed_forward.gate_proj"},
                 {R::FfnUp, "feed_forward.up_proj"},
                 {R::FfnDown, "feed_forward.down_proj"},
                 {R::FfnGateInp, "feed_forward.router"},
                 {R::FfnGateExps, "feed_forward.experts.gate_proj"},
                 {R::FfnUpExps, "feed_forward.experts.up_proj"},
                 {R::FfnDownExps, "feed_forward.experts.down_proj"},
                 {R::FfnGateShexp, "feed_forward.shared_expert.gate_proj"},
                 {R::FfnUpShexp, "feed_forward.shared_expert.up_proj"},
                 {R::FfnDownShexp, "feed_forward.shared_expert.down_proj"}};
    a.refusedKeys = {"attention.sliding_window_pattern", "rope.freq_base_swa", "attention.scale"};
    a.strictTensors = true;
    a.refuse = llama4Refusal;
    a.complete = completeLlama4;
    return a;
}

// What Qwen3.5's keys leave implicit: the head size (hidden / heads without key_length), the
// rotary share of the head, the value heads' size (inner_size over time_step_rank; llama.cpp
// itself assumes state_size), which layers run the DeltaNet (recurrent_layers, else every
// full_attention_interval-th layer attends).
void completeQwen35(nlohmann::json& c) {
    const int64_t heads = c.value("num_attention_heads", int64_t(0));
    if (heads <= 0) return;  // refused when the config is read
    if (!c.contains("head_dim")) c["head_dim"] = c.value("hidden_size", int64_t(0)) / heads;
    const auto headDim = c["head_dim"].get<int64_t>();
    if (c.contains("rope_dimension_count") && headDim > 0)
        c["partial_rotary_factor"] = c["rope_dimension_count"].get<double>() / double(headDim);
    const int64_t rank = c.value("linear_num_value_heads", int64_t(0));
    if (c.contains("ssm_inner_size") && rank > 0)
        c["linear_value_head_dim"] = c["ssm_inner_size"].get<int64_t>() / rank;
    // The last nextn_predict_layers blocks predict further tokens (for drafting): not run.
    const int64_t draft = c.value("nextn_predict_layers", int64_t(0));
    const int64_t layers = c.value("num_hidden_layers", int64_t(0));
    c["block_count"] = layers;
    if (draft > 0 && draft < layers) c["num_hidden_layers"] = layers - draft;
    const int64_t run = c.value("num_hidden_layers", int64_t(0));
    if (c.contains("recurrent_layers")) {
        nlohmann::json types = nlohmann::json::array();
        for (const auto& r : c["recurrent_layers"]) {
            if (static_cast<int64_t>(types.size()) == run) break;
            types.push_back(r.get<int64_t>() != 0 ? "linear_attention" : "full_attention");
        }
        c["layer_types"] = types;
    }
    if (!c.contains("shared_expert_intermediate_size") && c.contains("intermediate_size"))
        c["shared_expert_intermediate_size"] = c["intermediate_size"];
}

const char* qwen35Refusal(const nlohmann::json& c) {
    const int64_t draft = c.value("nextn_predict_layers", int64_t(0));
    if (draft < 0 || (draft > 0 && draft >= c.value("block_count", int64_t(0))))
        return "a Qwen3.5 file whose nextn_predict_layers leaves no block to run is not supported";
    if (c.contains("value_head_dim") && c.contains("head_dim") &&
        c["value_head_dim"] != c["head_dim"])
        return "a Qwen3.5 file whose attention.value_length is not attention.key_length is not "
               "supported";
    if (c.contains("rope_dimension_count") && c.contains("head_dim") &&
        (c["rope_dimension_count"].get<int64_t>() <= 0 ||
         c["rope_dimension_count"].get<int64_t>() > c["head_dim"].get<int64_t>()))
        return "a Qwen3.5 file whose rope.dimension_count is not within the head is not supported";
    const int64_t rank = c.value("linear_num_value_heads", int64_t(0));
    if (!c.contains("ssm_inner_size") || rank <= 0 ||
        c["ssm_inner_size"].get<int64_t>() % rank != 0)
        return "a Qwen3.5 file without ssm.inner_size as whole value heads (ssm.time_step_rank of "
               "them) is not supported";
    // Text positions have no time component: a section of it would rotate differently.
    const auto sections = c.find("rope_dimension_sections");
    if (sections != c.end() && sections->size() > 3 && (*sections)[3].get<int64_t>() != 0)
        return "a Qwen3.5 file whose rope.dimension_sections gives channels to the fourth section "
               "is not supported";
    return nullptr;
}

// Qwen3.5 (dense): gated full attention (attn_q with per head [q | gate]) and the gated DeltaNet
// (attn_qkv, attn_gate, ssm_*), every RMSNorm but ssm_norm stored as (1 + weight).
A qwen35() {
    A a;
    a.gguf = "qwen35";
    a.modelType = "qwen3_5_text";
    a.keys = llamaStyleKeys();
    a.keys.push_back({"attention.key_length", "head_dim", V::Int});
    a.keys.push_back({"attention.value_length", "value_head_dim", V::Int});
    a.keys.push_back({"rope.dimension_count", "rope_dimension_count", V::Int});
    a.keys.push_back({"rope.dimension_sections", "rope_dimension_sections", V::IntArray});
    a.keys.push_back({"ssm.conv_kernel", "linear_conv_kernel_dim", V::Int});
    a.keys.push_back({"ssm.state_size", "linear_key_head_dim", V::Int});
    a.keys.push_back({"ssm.group_count", "linear_num_key_heads", V::Int});
    a.keys.push_back({"ssm.time_step_rank", "linear_num_value_heads", V::Int});
    a.keys.push_back({"ssm.inner_size", "ssm_inner_size", V::Int});
    a.keys.push_back({"attention.recurrent_layers", "recurrent_layers", V::IntArray});
    a.keys.push_back({"full_attention_interval", "full_attention_interval", V::Int});
    a.keys.push_back({"nextn_predict_layers", "nextn_predict_layers", V::Int});
    a.tensors = {{R::TokenEmbd},
                 {R::OutputNorm},
                 {R::Output},
                 {R::AttnNorm},
                 {R::AttnPostNorm, "post_attention_layernorm"},
                 {R::AttnQ},
                 {R::AttnK},
                 {R::AttnV},
                 {R::AttnOutput},
                 {R::AttnQNorm},
                 {R::AttnKNorm},
                 {R::AttnQkv, "linear_attn.in_proj_qkv"},
                 {R::AttnGate},
                 {R::SsmConv1d},
                 {R::SsmDt, "linear_attn.dt_bias", true},
                 {R::SsmA},
                 {R::SsmBeta},
                 {R::SsmAlpha},
                 {R::SsmNorm},
                 {R::SsmOut},
                 {R::FfnGate},
                 {R::FfnUp},
                 {R::FfnDown}};
    a.biases = {R::SsmDt};
    a.strictTensors = true;
    a.normsPlusOne = true;
    a.deltaNet = A::DeltaNet::Qwen35;
    a.refusedKeys = {"attention.scale", "rope.scaling.type", "expert_weights_scale",
                     "expert_weights_norm", "expert_gating_func"};
    a.refuse = qwen35Refusal;
    a.complete = completeQwen35;
    return a;
}

// llama.cpp's Qwen3-Next: every layer sparse, the top-k weights renormalised.
void completeQwen3Next(nlohmann::json& c) {
    completeQwen35(c);
    c["norm_topk_prob"] = true;
    c["decoder_sparse_step"] = 1;
    c["mlp_only_layers"] = nlohmann::json::array();
}

// Qwen3.5-MoE: the MLP replaced by softmax top-k experts (renormalised) stacked per projection
// and a shared expert scaled by sigmoid(ffn_gate_inp_shexp(x)).
A qwen35moe() {
    A a = qwen35();
    a.gguf = "qwen35moe";
    a.modelType = "qwen3_5_moe_text";
    for (const auto& k : expertKeys("num_experts")) a.keys.push_back(k);
    a.keys.push_back(
        {"expert_shared_feed_forward_length", "shared_expert_intermediate_size", V::Int});
    a.tensors.resize(a.tensors.size() - 3);  // no dense MLP
    for (const auto& t : routedExperts()) a.tensors.push_back(t);
    for (R r : {R::FfnGateInpShexp, R::FfnGateShexp, R::FfnUpShexp, R::FfnDownShexp})
        a.tensors.push_back({r});
    return a;
}

// Qwen3-Next: Qwen3.5-MoE's layers with the DeltaNet's projections fused per key head
// (in_proj_qkvz from attn_qkv and attn_gate, in_proj_ba as ssm_ba), value heads not reordered.
A qwen3next() {
    A a = qwen35moe();
    a.gguf = "qwen3next";
    a.modelType = "qwen3_next";
    a.tensors.erase(std::remove_if(a.tensors.begin(), a.tensors.end(),
                                   [](const A::Tensor& t) {
                                       return t.role == R::SsmBeta || t.role == R::SsmAlpha;
                                   }),
                    a.tensors.end());
    for (auto& t : a.tensors)
        if (t.role == R::AttnQkv) t.hf = "linear_attn.in_proj_qkvz";
    a.tensors.push_back({R::SsmBetaAlpha});
    a.deltaNet = A::DeltaNet::Qwen3Next;
    a.complete = completeQwen3Next;
    return a;
}

}  // namespace

bool GgufArchitecture::has(GgufRole role) const {
    return std::any_of(tensors.begin(), tensors.end(),
                       [&](const Tensor& t) { return t.role == role; });
}

bool GgufArchitecture::bare(GgufRole role) const {
    return std::any_of(tensors.begin(), tensors.end(),
                       [&](const Tensor& t) { return t.role == role && t.bare; });
}

std::string GgufArchitecture::hfName(GgufRole role, int64_t block) const {
    for (const auto& t : tensors) {
        if (t.role != role) continue;
        const std::string hf = t.hf ? t.hf : ggufRoleName(role).hf;
        if (!ggufRoleIsPerBlock(role)) return hf;
        return layerPrefix + std::to_string(block) + "." + hf;
    }
    return "";
}

const std::vector<GgufArchitecture>& ggufArchitectures() {
    static const std::vector<GgufArchitecture> table = {
        gpt2(),      llama(),  qwen2(),  qwen3(),  qwen3moe(),  qwen2moe(), phi3(),    starcoder2(),
        falcon(),    gemma2(), gemma3(), olmo2(),  granite(),   commandR(), cohere2(), glm4(),
        deepseek2(), gptOss(), llama4(), qwen35(), qwen35moe(), qwen3next()};
    return table;
}

const GgufArchitecture* ggufArchitecture(const std::string& name) {
    for (const auto& a : ggufArchitectures())
        if (name == a.gguf) return &a;
    return nullptr;
}

}  // namespace llmap

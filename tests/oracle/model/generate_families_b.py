#!/usr/bin/env python3
"""Reference log-likelihoods for the Gemma, Phi, StableLM, OLMo, Mixtral and DeepSeek-V2 families.

The companion of generate.py (whose tokenizers, texts, randomisation and scoring it imports):
builds tiny random models (fixed seeds) in several configurations per family, saves each with
save_pretrained (safetensors) under tests/data/model/families_b/, and writes
tests/data/model/oracle_families_b.json with the same fields as oracle.json (both conventions,
fp32 and bf16, per-token log-probs of the first two texts).

Run from the repository root:  python3 tests/oracle/model/generate_families_b.py
Needs torch, transformers (5.x), tokenizers, safetensors. Takes about a minute on a CPU.
"""
import json
import os
import shutil
import sys

import torch
import transformers
from transformers import AutoModelForCausalLM

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate import OUT, TEXTS, randomise, score_texts, train_tokenizer  # noqa: E402

def longrope(rotary_dim, original):
    """Phi-3 LongRoPE factors: one divisor per rotary frequency, short set and long set."""
    n = rotary_dim // 2
    return {"rope_type": "longrope", "rope_theta": 10000.0,
            "short_factor": [1.0 + 0.15 * i for i in range(n)],
            "long_factor": [1.0 + 0.9 * i for i in range(n)],
            "original_max_position_embeddings": original}


SMALL = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=48)

# name -> (model_type, tokenizer style, config kwargs)
CONFIGS = {
    "gemma_mha_tied": ("gemma", "llama", dict(SMALL, num_key_value_heads=4, head_dim=8)),
    "gemma_mqa_headdim16_untied_gelu": ("gemma", "llama", dict(
        SMALL, num_key_value_heads=1, head_dim=16, intermediate_size=48, hidden_act="gelu",
        tie_word_embeddings=False)),
    "gemma2_window5_softcap": ("gemma2", "llama", dict(
        SMALL, num_hidden_layers=3, num_key_value_heads=2, head_dim=8, sliding_window=5,
        query_pre_attn_scalar=16, attn_logit_softcapping=4.0, final_logit_softcapping=3.0)),
    "gemma2_nocap_layer_types": ("gemma2", "llama", dict(
        SMALL, num_key_value_heads=4, head_dim=12, sliding_window=4, query_pre_attn_scalar=12,
        attn_logit_softcapping=None, final_logit_softcapping=None,
        layer_types=["full_attention", "sliding_attention"], tie_word_embeddings=False)),
    "phi_rot50": ("phi", "gpt", dict(SMALL, rope_parameters={
        "rope_type": "default", "rope_theta": 10000.0, "partial_rotary_factor": 0.5})),
    "phi_qk_layernorm_gqa_rot50_tied": ("phi", "gpt", dict(
        hidden_size=48, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
        intermediate_size=64, qk_layernorm=True, tie_word_embeddings=True, hidden_act="gelu",
        rope_parameters={"rope_type": "default", "rope_theta": 500.0, "partial_rotary_factor": 0.5})),
    "phi3_gqa": ("phi3", "llama", dict(SMALL, num_key_value_heads=2, tie_word_embeddings=False)),
    "phi3_longrope_window9_rot50": ("phi3", "llama", dict(
        SMALL, num_key_value_heads=4, sliding_window=9, max_position_embeddings=96,
        original_max_position_embeddings=24, tie_word_embeddings=False,
        rope_parameters=dict(longrope(4, 24), partial_rotary_factor=0.5))),
    "stablelm_parallel_qkv_bias_rot25": ("stablelm", "gpt", dict(
        SMALL, num_key_value_heads=4, use_parallel_residual=True, use_qkv_bias=True,
        rope_parameters={"rope_type": "default", "rope_theta": 10000.0, "partial_rotary_factor": 0.25})),
    "stablelm_qk_layernorm_gqa_rot50": ("stablelm", "gpt", dict(
        SMALL, num_key_value_heads=2, qk_layernorm=True, use_parallel_residual=False,
        rope_parameters={"rope_type": "default", "rope_theta": 10000.0, "partial_rotary_factor": 0.5})),
    "olmo_clip_qkv": ("olmo", "gpt", dict(SMALL, num_key_value_heads=4, clip_qkv=1.0)),
    "olmo_bias_tied_gqa": ("olmo", "gpt", dict(SMALL, num_key_value_heads=2, attention_bias=True,
                                               tie_word_embeddings=True)),
    "olmo2_gqa": ("olmo2", "gpt", dict(SMALL, num_key_value_heads=2)),
    "olmo2_mha_tied_bias": ("olmo2", "gpt", dict(SMALL, num_key_value_heads=4, attention_bias=True,
                                                 tie_word_embeddings=True)),
    "mixtral_4experts_top2": ("mixtral", "llama", dict(
        SMALL, num_key_value_heads=2, intermediate_size=32, num_local_experts=4, num_experts_per_tok=2,
        tie_word_embeddings=False)),
    "mixtral_3experts_top1_window6": ("mixtral", "llama", dict(
        SMALL, num_key_value_heads=4, intermediate_size=24, num_local_experts=3, num_experts_per_tok=1,
        sliding_window=6, tie_word_embeddings=False)),
    "deepseek_v2_greedy_shared_dense1": ("deepseek_v2", "llama", dict(
        SMALL, num_key_value_heads=4, q_lora_rank=None, kv_lora_rank=16, qk_rope_head_dim=8,
        qk_nope_head_dim=8, v_head_dim=12, moe_intermediate_size=16, n_routed_experts=4,
        num_experts_per_tok=2, n_shared_experts=1, first_k_dense_replace=1, topk_method="greedy",
        routed_scaling_factor=1.5, tie_word_embeddings=False)),
    "deepseek_v2_group_limited_qlora_yarn": ("deepseek_v2", "llama", dict(
        SMALL, num_key_value_heads=4, q_lora_rank=12, kv_lora_rank=12, qk_rope_head_dim=8,
        qk_nope_head_dim=4, v_head_dim=8, moe_intermediate_size=16, n_routed_experts=6,
        num_experts_per_tok=2, n_shared_experts=2, first_k_dense_replace=0,
        topk_method="group_limited_greedy", n_group=3, topk_group=2, max_position_embeddings=64,
        rope_parameters={"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0,
                         "original_max_position_embeddings": 16, "beta_fast": 32.0, "beta_slow": 1.0,
                         "mscale": 1.0, "mscale_all_dim": 0.8},
        tie_word_embeddings=False)),
}


def generate(configs, folder_name, oracle_name, generator, seeds=(5000, 6000)):
    """Saves each config's tiny random model under OUT/folder_name/ and writes OUT/oracle_name:
    both conventions, fp32 and bf16, per-token log-probs of the first two texts. `seeds`: the
    bases of the initialisation and randomisation seeds (plus the config's index)."""
    folder = os.path.join(OUT, folder_name)
    torch.manual_seed(0)
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    tokenizers = {style: train_tokenizer(style) for style in ("llama", "gpt")}
    records = []
    for index, (name, (model_type, style, kwargs)) in enumerate(configs.items()):
        tok = tokenizers[style]
        config_class = transformers.AutoConfig.for_model(model_type).__class__
        special = dict(bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=None)
        config = config_class(vocab_size=len(tok), **special, **kwargs)
        torch.manual_seed(seeds[0] + index)
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
        randomise(model, seeds[1] + index)
        model.eval()
        model_folder = os.path.join(folder, name)
        model.save_pretrained(model_folder)
        tok.save_pretrained(model_folder)
        os.remove(os.path.join(model_folder, "generation_config.json"))  # not read by anything here
        model_bf16 = AutoModelForCausalLM.from_pretrained(model_folder, dtype=torch.bfloat16).eval()
        prefix = config.bos_token_id if config.bos_token_id is not None else config.eos_token_id
        texts = score_texts(tok, model, model_bf16, prefix)
        records.append(dict(name=folder_name + "/" + name, model_type=model_type,
                            adds_bos=style == "llama",
                            parameters=sum(p.numel() for p in model.parameters()),
                            vocab_size=len(tok), texts=texts))
        print(f"{name}: {records[-1]['parameters']} parameters, ll_full[0] = {texts[0]['ll_full']:.4f}",
              file=sys.stderr)
    oracle = dict(generator=generator, transformers=transformers.__version__, torch=torch.__version__,
                  texts=TEXTS, models=records)
    with open(os.path.join(OUT, oracle_name), "w") as f:
        json.dump(oracle, f, ensure_ascii=False, separators=(",", ":"))


def main():
    generate(CONFIGS, "families_b", "oracle_families_b.json",
             "tests/oracle/model/generate_families_b.py")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Reference log-likelihoods for the mixture-of-experts families Qwen3-MoE, Qwen2-MoE and OLMoE.

The companion of generate_families_b.py (whose fixture writer it runs, with other seeds): tiny
random models (fixed seeds) in several configurations per family, saved with save_pretrained under
tests/data/model/families_moe/, and tests/data/model/oracle_families_moe.json with the fields of
oracle.json (both conventions, fp32 and bf16, per-token log-probs of the first two texts). The
configurations cover renormalised and raw top-k weights, dense layers among the sparse ones
(mlp_only_layers, decoder_sparse_step), Qwen2-MoE's gated shared expert with and without channels,
sliding windows, attention biases and OLMoE's clipped q, k, v.

Run from the repository root:  python3 tests/oracle/model/generate_families_moe.py
Needs torch, transformers (5.x), tokenizers, safetensors. Takes seconds on a CPU.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate_families_b import SMALL, generate  # noqa: E402

# name -> (model_type, tokenizer style, config kwargs)
CONFIGS = {
    "qwen3_moe_4experts_top2_norm_gqa_tied": ("qwen3_moe", "gpt", dict(
        SMALL, num_key_value_heads=2, head_dim=12, moe_intermediate_size=16, num_experts=4,
        num_experts_per_tok=2, norm_topk_prob=True, tie_word_embeddings=True)),
    "qwen3_moe_6experts_top3_raw_mlp_only0_bias": ("qwen3_moe", "gpt", dict(
        SMALL, num_hidden_layers=3, num_key_value_heads=4, moe_intermediate_size=24,
        num_experts=6, num_experts_per_tok=3, norm_topk_prob=False, mlp_only_layers=[0],
        attention_bias=True)),
    "qwen3_moe_8experts_step2_window5": ("qwen3_moe", "gpt", dict(
        SMALL, num_hidden_layers=4, num_key_value_heads=1, moe_intermediate_size=8, num_experts=8,
        num_experts_per_tok=2, norm_topk_prob=True, decoder_sparse_step=2,
        use_sliding_window=True, sliding_window=5)),
    "qwen2_moe_shared24_4experts_top2_gqa": ("qwen2_moe", "gpt", dict(
        SMALL, num_key_value_heads=2, moe_intermediate_size=16, num_experts=4,
        num_experts_per_tok=2, shared_expert_intermediate_size=24, norm_topk_prob=False)),
    "qwen2_moe_noshared_5experts_top3_norm_mlp_only1_nobias": ("qwen2_moe", "gpt", dict(
        SMALL, num_hidden_layers=3, num_key_value_heads=4, moe_intermediate_size=24,
        num_experts=5, num_experts_per_tok=3, shared_expert_intermediate_size=0,
        norm_topk_prob=True, mlp_only_layers=[1], qkv_bias=False, tie_word_embeddings=True)),
    "qwen2_moe_window4_step2_shared16": ("qwen2_moe", "gpt", dict(
        SMALL, num_hidden_layers=4, num_key_value_heads=4, moe_intermediate_size=16,
        num_experts=4, num_experts_per_tok=1, shared_expert_intermediate_size=16,
        decoder_sparse_step=2, use_sliding_window=True, sliding_window=4, max_window_layers=3)),
    "olmoe_clip_qkv_4experts_top2_gqa": ("olmoe", "gpt", dict(
        SMALL, num_key_value_heads=2, intermediate_size=16, num_experts=4, num_experts_per_tok=2,
        clip_qkv=1.5)),
    "olmoe_norm_topk_bias_tied_6experts_top3": ("olmoe", "gpt", dict(
        SMALL, num_key_value_heads=4, intermediate_size=24, num_experts=6, num_experts_per_tok=3,
        norm_topk_prob=True, attention_bias=True, tie_word_embeddings=True)),
}


def main():
    generate(CONFIGS, "families_moe", "oracle_families_moe.json",
             "tests/oracle/model/generate_families_moe.py", seeds=(9000, 10000))


if __name__ == "__main__":
    main()

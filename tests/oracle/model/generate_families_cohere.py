#!/usr/bin/env python3
"""Reference log-likelihoods for the Granite, GraniteMoE, Cohere, Cohere-2, GLM-4 and Apertus
families.

The companion of generate_families_b.py (whose fixture writer it runs, with its own seeds): tiny
random models (fixed seeds) in several configurations per family, saved with save_pretrained under
tests/data/model/families_cohere/, and tests/data/model/oracle_families_cohere.json with the fields
of oracle.json (both conventions, fp32 and bf16, per-token log-probs of the first two texts).

Run from the repository root:  python3 tests/oracle/model/generate_families_cohere.py
Needs torch, transformers (5.x), tokenizers, safetensors. Takes seconds on a CPU.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate_families_b import SMALL, generate  # noqa: E402

# name -> (model_type, tokenizer style, config kwargs)
CONFIGS = {
    "granite_gqa_multipliers": ("granite", "llama", dict(
        SMALL, num_key_value_heads=2, embedding_multiplier=2.5, residual_multiplier=0.6,
        attention_multiplier=0.2, logits_scaling=1.7, tie_word_embeddings=False)),
    "granite_mha_tied_bias": ("granite", "gpt", dict(
        SMALL, num_key_value_heads=4, attention_bias=True, mlp_bias=True,
        attention_multiplier=0.35, tie_word_embeddings=True)),
    "cohere_gqa_qknorm_tied": ("cohere", "llama", dict(
        SMALL, num_key_value_heads=2, use_qk_norm=True, logit_scale=0.5)),
    "cohere_mha_untied_bias": ("cohere", "gpt", dict(
        SMALL, num_key_value_heads=4, attention_bias=True, logit_scale=1.5,
        tie_word_embeddings=False)),
    "cohere2_pattern_window5": ("cohere2", "llama", dict(
        SMALL, num_hidden_layers=4, num_key_value_heads=2, sliding_window=5,
        sliding_window_pattern=2, logit_scale=0.7)),
    "cohere2_layer_types_bias_untied": ("cohere2", "gpt", dict(
        SMALL, num_hidden_layers=3, num_key_value_heads=4, sliding_window=3, attention_bias=True,
        layer_types=["full_attention", "sliding_attention", "sliding_attention"],
        logit_scale=1.2, tie_word_embeddings=False)),
    "glm4_gqa_rot50": ("glm4", "llama", dict(SMALL, num_key_value_heads=2, head_dim=8)),
    "glm4_mha_headdim16_rot25_nobias_tied": ("glm4", "gpt", dict(
        SMALL, num_key_value_heads=4, head_dim=16, attention_bias=False, tie_word_embeddings=True,
        rope_parameters={"rope_type": "default", "rope_theta": 500.0,
                         "partial_rotary_factor": 0.25})),
    "glm4_mqa_full_rotary": ("glm4", "llama", dict(
        SMALL, num_key_value_heads=1, head_dim=8,
        rope_parameters={"rope_type": "default", "rope_theta": 10000.0,
                         "partial_rotary_factor": 1.0})),
    "apertus_gqa_default_llama3": ("apertus", "llama", dict(SMALL, num_key_value_heads=2)),
    "apertus_mha_bias_tied_llama3_short": ("apertus", "gpt", dict(
        SMALL, num_key_value_heads=4, attention_bias=True, tie_word_embeddings=True,
        rope_parameters={"rope_type": "llama3", "rope_theta": 10000.0, "factor": 4.0,
                         "original_max_position_embeddings": 16, "low_freq_factor": 1.0,
                         "high_freq_factor": 4.0})),
    "granitemoe_4experts_top2_multipliers": ("granitemoe", "llama", dict(
        SMALL, num_key_value_heads=2, intermediate_size=16, num_local_experts=4,
        num_experts_per_tok=2, embedding_multiplier=1.8, residual_multiplier=0.7,
        attention_multiplier=0.25, logits_scaling=1.4, tie_word_embeddings=False)),
    "granitemoe_3experts_top1_bias_tied": ("granitemoe", "gpt", dict(
        SMALL, num_key_value_heads=4, intermediate_size=24, num_local_experts=3,
        num_experts_per_tok=1, attention_bias=True, attention_multiplier=0.3,
        tie_word_embeddings=True)),
}


def main():
    generate(CONFIGS, "families_cohere", "oracle_families_cohere.json",
             "tests/oracle/model/generate_families_cohere.py", seeds=(13000, 14000))


if __name__ == "__main__":
    main()

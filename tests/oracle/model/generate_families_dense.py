#!/usr/bin/env python3
"""Reference log-likelihoods for the dense SmolLM3, OLMo-3, EXAONE-4, Seed-OSS, ERNIE-4.5 and
HunYuan (dense V1) families.

The companion of generate_families_b.py (whose fixture writer it runs, with other seeds): tiny
random models (fixed seeds) in several configurations per family - NoPE layer patterns, sliding
windows by layer type, per-layer-type rotary with YaRN, q/k norms before and after rotary,
attention and MLP biases, interleaved rotary, NTK-alpha rotary scaling, GQA/MHA, tied and untied
heads - saved with save_pretrained under tests/data/model/families_dense/, and
tests/data/model/oracle_families_dense.json with the fields of oracle.json (both conventions, fp32
and bf16, per-token log-probs of the first two texts).

Run from the repository root:  python3 tests/oracle/model/generate_families_dense.py
Needs torch, transformers (5.x), tokenizers, safetensors. Takes seconds on a CPU.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate_families_b import SMALL, generate  # noqa: E402

FOUR = dict(SMALL, num_hidden_layers=4)
SLIDING, FULL = "sliding_attention", "full_attention"

# name -> (model_type, tokenizer style, config kwargs)
CONFIGS = {
    "smollm3_nope_every2_gqa_tied": ("smollm3", "llama", dict(
        FOUR, num_key_value_heads=2, no_rope_layer_interval=2,
        rope_parameters={"rope_type": "default", "rope_theta": 10000.0})),
    "smollm3_nope_list_window5_bias_untied": ("smollm3", "llama", dict(
        FOUR, num_key_value_heads=4, no_rope_layers=[0, 1, 1, 0], use_sliding_window=True,
        sliding_window=5, attention_bias=True, mlp_bias=True, tie_word_embeddings=False)),
    "smollm3_layer_types_window4_headdim12": ("smollm3", "llama", dict(
        SMALL, num_hidden_layers=3, num_key_value_heads=1, head_dim=12, no_rope_layer_interval=3,
        use_sliding_window=True, sliding_window=4, layer_types=[SLIDING, FULL, SLIDING])),
    "olmo3_default_layers_window5_gqa": ("olmo3", "gpt", dict(
        FOUR, num_key_value_heads=2, sliding_window=5)),
    "olmo3_yarn_full_bias_tied": ("olmo3", "gpt", dict(
        SMALL, num_hidden_layers=3, num_key_value_heads=4, sliding_window=4, attention_bias=True,
        tie_word_embeddings=True, max_position_embeddings=64, layer_types=[FULL, SLIDING, FULL],
        rope_parameters={
            "full_attention": {"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0,
                               "original_max_position_embeddings": 16},
            "sliding_attention": {"rope_type": "default", "rope_theta": 500.0}})),
    "exaone4_window5_pattern2_nope_gqa": ("exaone4", "llama", dict(
        FOUR, num_key_value_heads=2, sliding_window=5, sliding_window_pattern=2)),
    "exaone4_nowindow_llama3_tied": ("exaone4", "llama", dict(
        SMALL, num_hidden_layers=3, num_key_value_heads=4, sliding_window=None,
        layer_types=[FULL, FULL, FULL], tie_word_embeddings=True, max_position_embeddings=64,
        rope_parameters={"rope_type": "llama3", "rope_theta": 10000.0, "factor": 4.0,
                         "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                         "original_max_position_embeddings": 16})),
    "exaone4_layer_types_window3_mha": ("exaone4", "llama", dict(
        SMALL, num_hidden_layers=3, num_key_value_heads=4, sliding_window=3,
        layer_types=[SLIDING, FULL, SLIDING])),
    "seed_oss_qkv_bias_gqa": ("seed_oss", "llama", dict(
        SMALL, num_key_value_heads=2, head_dim=8)),
    "seed_oss_out_bias_mlp_bias_headdim12_tied": ("seed_oss", "llama", dict(
        SMALL, num_key_value_heads=4, head_dim=12, attention_bias=False, attention_out_bias=True,
        mlp_bias=True, tie_word_embeddings=True)),
    "seed_oss_all_biases_mqa": ("seed_oss", "gpt", dict(
        SMALL, num_key_value_heads=1, head_dim=8, attention_bias=True, attention_out_bias=True)),
    "ernie4_5_tied_gqa": ("ernie4_5", "llama", dict(
        SMALL, num_key_value_heads=2, head_dim=8)),
    "ernie4_5_bias_untied_mha_headdim16": ("ernie4_5", "gpt", dict(
        SMALL, num_key_value_heads=4, head_dim=16, use_bias=True, tie_word_embeddings=False,
        rope_parameters={"rope_type": "default", "rope_theta": 10000.0})),
    "hunyuan_v1_dense_gqa": ("hunyuan_v1_dense", "llama", dict(
        SMALL, num_key_value_heads=2, head_dim=8)),
    "hunyuan_v1_dense_ntk_alpha_bias_tied": ("hunyuan_v1_dense", "llama", dict(
        SMALL, num_hidden_layers=3, num_key_value_heads=4, head_dim=8, attention_bias=True,
        tie_word_embeddings=True,
        rope_parameters={"rope_type": "dynamic", "alpha": 50.0, "factor": 1.0,
                         "rope_theta": 10000.0})),
}


def main():
    generate(CONFIGS, "families_dense", "oracle_families_dense.json",
             "tests/oracle/model/generate_families_dense.py", seeds=(11000, 12000))


if __name__ == "__main__":
    main()

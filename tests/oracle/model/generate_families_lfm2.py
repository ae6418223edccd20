#!/usr/bin/env python3
"""Reference log-likelihoods for LFM2 and LFM2-MoE, hybrids of short convolutions and attention.

The companion of generate_families_b.py (whose fixture writer it runs, with other seeds): tiny
random models (fixed seeds) in several configurations per family, saved with save_pretrained under
tests/data/model/families_lfm2/, and tests/data/model/oracle_families_lfm2.json with the fields of
oracle.json (both conventions, fp32 and bf16, per-token log-probs of the first two texts). The
configurations cover the layer kinds from full_attn_idxs and from layer_types (attention first,
last, in the middle), the convolution with and without biases and with 2 to 4 taps, grouped-query
attention and MHA, head_dim other than hidden_size / heads, the MLP width adjusted from
intermediate_size (block_auto_adjust_ff_dim, block_ffn_dim_multiplier, block_multiple_of) or
not, tied and untied embeddings; for LFM2-MoE, dense first layers (none, one, two), the router's
expert bias on and off, norm_topk_prob on and off and routed_scaling_factor. The router's
expert_bias is a buffer that the shared randomisation leaves at zero: here it is randomised too,
large enough to change which experts are chosen.

Run from the repository root:  python3 tests/oracle/model/generate_families_lfm2.py
Needs torch, transformers (5.x), tokenizers, safetensors. Takes seconds on a CPU.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate_families_b  # noqa: E402
from generate_families_b import generate  # noqa: E402

# name -> (model_type, tokenizer style, config kwargs)
CONFIGS = {
    "lfm2_attnidx1_gqa_autoff_tied": ("lfm2", "llama", dict(
        hidden_size=32, num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=2,
        intermediate_size=100, block_auto_adjust_ff_dim=True, block_ffn_dim_multiplier=1.0,
        block_multiple_of=16, full_attn_idxs=[1], conv_bias=False, conv_L_cache=3,
        tie_word_embeddings=True)),
    "lfm2_convbias_L4_mha_fixedff_untied": ("lfm2", "gpt", dict(
        hidden_size=48, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=4,
        intermediate_size=72, block_auto_adjust_ff_dim=False,
        layer_types=["conv", "conv", "full_attention", "conv"], conv_bias=True, conv_L_cache=4,
        tie_word_embeddings=False)),
    "lfm2_attnfirst_headdim12_mult1p5_L2_theta1e4": ("lfm2", "llama", dict(
        hidden_size=32, num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=2,
        head_dim=12, intermediate_size=64, block_auto_adjust_ff_dim=True,
        block_ffn_dim_multiplier=1.5, block_multiple_of=8,
        layer_types=["full_attention", "conv", "full_attention"], conv_bias=True, conv_L_cache=2,
        rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
        tie_word_embeddings=False)),
    "lfm2_moe_dense1_8experts_top2_bias_norm_scale2": ("lfm2_moe", "llama", dict(
        hidden_size=32, num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=2,
        intermediate_size=64, moe_intermediate_size=16, num_dense_layers=1, num_experts=8,
        num_experts_per_tok=2, use_expert_bias=True, norm_topk_prob=True, routed_scaling_factor=2.0,
        layer_types=["conv", "full_attention", "conv"], conv_bias=False, conv_L_cache=3,
        tie_word_embeddings=True)),
    "lfm2_moe_nodense_6experts_top3_nobias_raw_convbias": ("lfm2_moe", "gpt", dict(
        hidden_size=32, num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=4,
        intermediate_size=64, moe_intermediate_size=16, num_dense_layers=0, num_experts=6,
        num_experts_per_tok=3, use_expert_bias=False, norm_topk_prob=False,
        routed_scaling_factor=1.0, layer_types=["full_attention", "conv", "full_attention"],
        conv_bias=True, conv_L_cache=3, tie_word_embeddings=False)),
    "lfm2_moe_dense2_mqa_headdim12_bias_L4": ("lfm2_moe", "llama", dict(
        hidden_size=32, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=1,
        head_dim=12, intermediate_size=48, moe_intermediate_size=16, num_dense_layers=2,
        num_experts=8, num_experts_per_tok=3, use_expert_bias=True, norm_topk_prob=True,
        routed_scaling_factor=1.5, layer_types=["conv", "conv", "full_attention", "conv"],
        conv_bias=False, conv_L_cache=4, tie_word_embeddings=False)),
}

_randomise = generate_families_b.randomise


def randomise(model, seed):
    """The shared randomisation, then the routers' expert biases: of the order of the sigmoid
    scores' spread, so that they change which experts are chosen."""
    _randomise(model, seed)
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for name, b in model.named_buffers():
            if name.endswith("expert_bias"):
                b.copy_(0.3 * torch.randn(b.shape, generator=g))


def main():
    generate_families_b.randomise = randomise
    generate(CONFIGS, "families_lfm2", "oracle_families_lfm2.json",
             "tests/oracle/model/generate_families_lfm2.py", seeds=(27000, 28000))


if __name__ == "__main__":
    main()

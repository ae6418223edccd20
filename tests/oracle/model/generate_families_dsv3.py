#!/usr/bin/env python3
"""Reference log-likelihoods for the sigmoid-routed mixture-of-experts families DeepSeek-V3 and
GLM-4-MoE.

The companion of generate_families_b.py (whose fixture writer it runs, with other seeds): tiny
random models (fixed seeds) in several configurations per family, saved with save_pretrained under
tests/data/model/families_dsv3/, and tests/data/model/oracle_families_dsv3.json with the fields of
oracle.json (both conventions, fp32 and bf16, per-token log-probs of the first two texts). The
router's e_score_correction_bias is a buffer that the shared randomisation leaves at zero: here it
is randomised too, large enough to change which experts are chosen. The configurations cover
DeepSeek-V3's latent attention with and without q_lora_rank, interleaved and half-split rotary,
YaRN, attention biases; GLM-4-MoE's per-head q/k norms on and off, partial rotary (the 0.5 default
and a full one), q/k/v biases, grouped-query attention; for both, expert groups on and off,
norm_topk_prob on and off, routed_scaling_factor, shared experts and dense first layers.

Run from the repository root:  python3 tests/oracle/model/generate_families_dsv3.py
Needs torch, transformers (5.x), tokenizers, safetensors. Takes seconds on a CPU.
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import generate_families_b  # noqa: E402
from generate_families_b import SMALL, generate  # noqa: E402

MLA = dict(kv_lora_rank=16, qk_rope_head_dim=8, qk_nope_head_dim=8, v_head_dim=12)

# name -> (model_type, tokenizer style, config kwargs)
CONFIGS = {
    "deepseek_v3_qlora_8experts_4groups_top3_norm_dense1": ("deepseek_v3", "llama", dict(
        SMALL, **MLA, num_hidden_layers=3, num_key_value_heads=4, q_lora_rank=12,
        moe_intermediate_size=16, n_routed_experts=8, num_experts_per_tok=3, n_group=4,
        topk_group=2, norm_topk_prob=True, routed_scaling_factor=2.5, n_shared_experts=1,
        first_k_dense_replace=1, tie_word_embeddings=False)),
    "deepseek_v3_noqlora_6experts_nogroups_raw_halfrope_bias_tied": ("deepseek_v3", "gpt", dict(
        SMALL, **MLA, num_key_value_heads=4, q_lora_rank=None, moe_intermediate_size=24,
        n_routed_experts=6, num_experts_per_tok=2, n_group=1, topk_group=1, norm_topk_prob=False,
        routed_scaling_factor=1.0, n_shared_experts=2, first_k_dense_replace=0,
        rope_interleave=False, attention_bias=True, tie_word_embeddings=True)),
    "deepseek_v3_yarn_qlora_8experts_2groups_dense2": ("deepseek_v3", "llama", dict(
        SMALL, num_hidden_layers=4, num_key_value_heads=4, q_lora_rank=12, kv_lora_rank=12,
        qk_rope_head_dim=8, qk_nope_head_dim=4, v_head_dim=8, moe_intermediate_size=16,
        n_routed_experts=8, num_experts_per_tok=2, n_group=2, topk_group=1, norm_topk_prob=True,
        routed_scaling_factor=1.5, n_shared_experts=1, first_k_dense_replace=2,
        max_position_embeddings=64,
        rope_parameters={"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0,
                         "original_max_position_embeddings": 16, "beta_fast": 32.0, "beta_slow": 1.0,
                         "mscale": 1.0, "mscale_all_dim": 0.8},
        tie_word_embeddings=False)),
    "glm4_moe_qknorm_bias_gqa_8experts_2groups_dense1": ("glm4_moe", "gpt", dict(
        SMALL, num_hidden_layers=3, num_key_value_heads=2, use_qk_norm=True, attention_bias=True,
        moe_intermediate_size=16, n_routed_experts=8, num_experts_per_tok=2, n_group=2,
        topk_group=1, norm_topk_prob=True, routed_scaling_factor=2.5, n_shared_experts=1,
        first_k_dense_replace=1, tie_word_embeddings=False)),
    "glm4_moe_fullrotary_headdim12_6experts_nogroups_raw_tied": ("glm4_moe", "llama", dict(
        SMALL, num_key_value_heads=4, head_dim=12, partial_rotary_factor=1.0, use_qk_norm=False,
        attention_bias=False, moe_intermediate_size=24, n_routed_experts=6, num_experts_per_tok=3,
        n_group=1, topk_group=1, norm_topk_prob=False, routed_scaling_factor=1.0,
        n_shared_experts=2, first_k_dense_replace=0, tie_word_embeddings=True)),
    "glm4_moe_qknorm_mqa_8experts_4groups_dense2": ("glm4_moe", "gpt", dict(
        SMALL, num_hidden_layers=4, num_key_value_heads=1, use_qk_norm=True,
        moe_intermediate_size=16, n_routed_experts=8, num_experts_per_tok=2, n_group=4,
        topk_group=2, norm_topk_prob=True, routed_scaling_factor=1.8, n_shared_experts=1,
        first_k_dense_replace=2, tie_word_embeddings=False)),
}

_randomise = generate_families_b.randomise


def randomise(model, seed):
    """The shared randomisation, then the routers' correction biases: of the order of the sigmoid
    scores' spread, so that they change which experts (and groups) are chosen."""
    _randomise(model, seed)
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for name, b in model.named_buffers():
            if name.endswith("e_score_correction_bias"):
                b.copy_(0.3 * torch.randn(b.shape, generator=g))


def main():
    generate_families_b.randomise = randomise
    generate(CONFIGS, "families_dsv3", "oracle_families_dsv3.json",
             "tests/oracle/model/generate_families_dsv3.py", seeds=(17000, 18000))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Reference log-likelihoods for the Mamba-2 hybrids Falcon-H1 and GraniteMoeHybrid (Granite 4.0-H).

The companion of generate_families_b.py (whose fixture writer it runs, with other seeds): tiny
random models (fixed seeds) in several configurations per family, saved with save_pretrained under
tests/data/model/families_mamba/, and tests/data/model/oracle_families_mamba.json with the fields
of oracle.json (both conventions, fp32 and bf16, per-token log-probs of the first two texts). The
reference is transformers' torch path of the Mamba-2 mixer (chunked scan); small chunk sizes make
the texts span several chunks. The configurations cover one and two groups of B and C, the
convolution bias on and off, the projection biases, the gated RMSNorm on and off and before or
after the gate, a custom inner width (mamba_d_ssm), a clamped time step, Falcon-H1's muP
multipliers (embedding, lm head, attention in/out, key, SSM in/out, the five in_proj multipliers,
MLP gate/down), and for GraniteMoeHybrid mamba/attention layer patterns, a mixture of experts
beside the shared MLP or the shared MLP alone, rotary positions or none.

Run from the repository root:  python3 tests/oracle/model/generate_families_mamba.py
Needs torch, transformers (5.x), tokenizers, safetensors. Takes seconds on a CPU.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate_families_b import generate  # noqa: E402

BASE = dict(hidden_size=32, num_attention_heads=4, mamba_d_state=8, mamba_d_conv=4,
            mamba_expand=2)

# name -> (model_type, tokenizer style, config kwargs)
CONFIGS = {
    "falcon_h1_groups1_convbias_gatednorm_mup": ("falcon_h1", "llama", dict(
        BASE, num_hidden_layers=2, num_key_value_heads=2, intermediate_size=48, mamba_d_ssm=None,
        mamba_n_heads=8, mamba_n_groups=1, mamba_chunk_size=4, mamba_conv_bias=True,
        mamba_rms_norm=True, mamba_norm_before_gate=False, embedding_multiplier=1.7,
        lm_head_multiplier=0.6, attention_in_multiplier=0.8, attention_out_multiplier=1.3,
        key_multiplier=0.7, ssm_in_multiplier=1.2, ssm_out_multiplier=0.9,
        ssm_multipliers=[0.8, 1.1, 0.9, 1.3, 0.7], mlp_multipliers=[1.4, 0.75],
        tie_word_embeddings=False)),
    "falcon_h1_groups2_noconvbias_nonorm_biases_dssm48_tied": ("falcon_h1", "gpt", dict(
        BASE, num_hidden_layers=2, num_key_value_heads=4, intermediate_size=40, mamba_d_ssm=48,
        mamba_n_heads=6, mamba_n_groups=2, mamba_chunk_size=8, mamba_conv_bias=False,
        mamba_proj_bias=True, projectors_bias=True, attention_bias=True, mlp_bias=True,
        mamba_rms_norm=False, time_step_limit=(0.05, 0.6), key_multiplier=1.5,
        ssm_multipliers=[1.2, 0.9, 1.1, 0.8, 1.25], tie_word_embeddings=True)),
    "falcon_h1_groups2_norm_before_gate_3layers": ("falcon_h1", "llama", dict(
        BASE, num_hidden_layers=3, num_key_value_heads=1, intermediate_size=32, mamba_d_ssm=None,
        mamba_n_heads=4, mamba_n_groups=2, mamba_chunk_size=5, mamba_conv_bias=True,
        mamba_rms_norm=True, mamba_norm_before_gate=True, mlp_multipliers=[0.9, 1.2],
        embedding_multiplier=0.8, ssm_out_multiplier=1.1, attention_out_multiplier=0.9)),
    "granitemoehybrid_moe_mamba_attention_mamba_rope": ("granitemoehybrid", "llama", dict(
        BASE, num_hidden_layers=3, num_key_value_heads=2, intermediate_size=16,
        layer_types=["mamba", "attention", "mamba"], num_local_experts=4, num_experts_per_tok=4,
        shared_intermediate_size=24, position_embedding_type="rope", mamba_n_heads=8,
        mamba_n_groups=1, mamba_chunk_size=4, mamba_conv_bias=True, embedding_multiplier=1.5,
        residual_multiplier=0.7, attention_multiplier=0.3, logits_scaling=1.6)),
    "granitemoehybrid_dense_nope_groups2_projbias_tied": ("granitemoehybrid", "gpt", dict(
        BASE, num_hidden_layers=4, num_key_value_heads=4, intermediate_size=16,
        layer_types=["attention", "mamba", "mamba", "attention"], num_local_experts=0,
        shared_intermediate_size=40, position_embedding_type=None, mamba_n_heads=4,
        mamba_n_groups=2, mamba_chunk_size=6, mamba_conv_bias=False, mamba_proj_bias=True,
        attention_bias=True, residual_multiplier=1.2, tie_word_embeddings=True)),
    "granitemoehybrid_all_mamba_3experts_top1_clamped": ("granitemoehybrid", "llama", dict(
        BASE, num_hidden_layers=2, num_key_value_heads=2, intermediate_size=24,
        num_local_experts=3, num_experts_per_tok=1, shared_intermediate_size=16,
        position_embedding_type="rope", mamba_n_heads=16, mamba_n_groups=2, mamba_chunk_size=3,
        mamba_conv_bias=True, mamba_d_conv=3, time_step_limit=(0.02, 0.4),
        embedding_multiplier=2.0, logits_scaling=0.8, use_cache=False)),
}


def main():
    generate(CONFIGS, "families_mamba", "oracle_families_mamba.json",
             "tests/oracle/model/generate_families_mamba.py", seeds=(29000, 30000))


if __name__ == "__main__":
    main()

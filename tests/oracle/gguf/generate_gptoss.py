#!/usr/bin/env python3
"""A gpt-oss GGUF file for tests/model/tst_families_gptoss: the weights of the fixture
tests/data/model/families_gptoss/gpt_oss_mxfp4_gqa_window5_4experts_top2_hidden64 (MXFP4 experts,
default layer types: every other layer sliding, the first one included) laid out as llama.cpp's
conversion (conversion/gpt_oss.py) writes them: architecture "gpt-oss"; the sinks as
blk.N.attn_sinks.weight; the router as blk.N.ffn_gate_inp with its bias; gate_up_proj's
interleaved rows split into blk.N.ffn_gate_exps (even rows) and ffn_up_exps (odd rows), each with
its bias, and down_proj as ffn_down_exps, the three kept in MXFP4 with their nibbles repacked into
ggml's block layout (scale byte first, then the low nibbles holding values 0-15 and the high ones
16-31); YaRN as rope.scaling.* keys; the fixture's byte-level BPE vocabulary; everything else
float32. The engine must give the fixture's transformers scores
(tests/data/model/oracle_families_gptoss.json) from this file.

Run from the repository root:  python3 tests/oracle/gguf/generate_gptoss.py
Needs numpy, safetensors, gguf. Takes a second.
"""
import json
import os

import gguf
import numpy as np
from safetensors.numpy import load_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
FIXTURE = os.path.join(ROOT, "tests", "data", "model", "families_gptoss",
                       "gpt_oss_mxfp4_gqa_window5_4experts_top2_hidden64")
OUT = os.path.join(ROOT, "tests", "data", "gguf", "gptoss_mxfp4.gguf")

LAYER_NAMES = {
    "input_layernorm": "attn_norm", "post_attention_layernorm": "post_attention_norm",
    "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output", "mlp.router": "ffn_gate_inp",
}


def add_vocabulary(w, tok):
    vocab = tok["model"]["vocab"]
    tokens = [None] * len(vocab)
    for t, i in vocab.items():
        tokens[i] = t
    merges = [m if isinstance(m, str) else " ".join(m) for m in tok["model"]["merges"]]
    special = {a["id"] for a in tok["added_tokens"]}
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("qwen2")
    w.add_token_list(tokens)
    w.add_token_types([3 if i in special else 1 for i in range(len(tokens))])
    w.add_token_merges(merges)
    return len(tokens)


def ggml_mxfp4(blocks, scales):
    """Hugging Face's MXFP4 (blocks [..., G, 16], value 2j in byte j's low nibble, 2j+1 in its
    high one; scales [..., G]) -> ggml's blocks of 17 bytes [..., G * 17]: the scale, then 16
    bytes whose low nibbles hold values 0-15 and high nibbles values 16-31."""
    codes = np.stack([blocks & 0x0F, blocks >> 4], axis=-1).reshape(*blocks.shape[:-1], 32)
    packed = codes[..., :16] | (codes[..., 16:] << 4)
    out = np.concatenate([scales[..., None], packed], axis=-1).astype(np.uint8)
    return np.ascontiguousarray(out.reshape(*out.shape[:-2], -1))


def main():
    with open(os.path.join(FIXTURE, "config.json")) as f:
        config = json.load(f)
    with open(os.path.join(FIXTURE, "tokenizer.json")) as f:
        tok = json.load(f)
    layers = config["num_hidden_layers"]
    assert config["layer_types"] == ["sliding_attention" if i % 2 == 0 else "full_attention"
                                     for i in range(layers)]
    # llama.cpp fixes the clamped SwiGLU's constants at gpt-oss's.
    assert config["swiglu_alpha"] == 1.702 and config["swiglu_limit"] == 7.0
    rope = config["rope_parameters"]
    assert rope["rope_type"] == "yarn" and rope["truncate"] is False
    weights = load_file(os.path.join(FIXTURE, "model.safetensors"))
    w = gguf.GGUFWriter(OUT, arch="gpt-oss")
    w.add_name("gpt_oss_mxfp4_gqa_window5_4experts_top2_hidden64")
    w.add_block_count(layers)
    w.add_context_length(config["max_position_embeddings"])
    w.add_embedding_length(config["hidden_size"])
    w.add_feed_forward_length(config["intermediate_size"])
    w.add_expert_feed_forward_length(config["intermediate_size"])
    w.add_head_count(config["num_attention_heads"])
    w.add_head_count_kv(config["num_key_value_heads"])
    w.add_key_length(config["head_dim"])
    w.add_value_length(config["head_dim"])
    w.add_rope_freq_base(rope["rope_theta"])
    w.add_rope_scaling_type(gguf.RopeScalingType.YARN)
    w.add_rope_scaling_factor(rope["factor"])
    w.add_rope_scaling_orig_ctx_len(rope["original_max_position_embeddings"])
    w.add_rope_scaling_yarn_beta_fast(rope["beta_fast"])
    w.add_rope_scaling_yarn_beta_slow(rope["beta_slow"])
    w.add_layer_norm_rms_eps(config["rms_norm_eps"])
    w.add_sliding_window(config["sliding_window"])
    w.add_expert_count(config["num_local_experts"])
    w.add_expert_used_count(config["num_experts_per_tok"])
    assert add_vocabulary(w, tok) == config["vocab_size"]
    if config.get("eos_token_id") is not None:
        w.add_eos_token_id(config["eos_token_id"])
    w.add_tensor("token_embd.weight", weights["model.embed_tokens.weight"])
    w.add_tensor("output_norm.weight", weights["model.norm.weight"])
    if not config["tie_word_embeddings"]:
        w.add_tensor("output.weight", weights["lm_head.weight"])
    mxfp4 = gguf.GGMLQuantizationType.MXFP4
    used = {"model.embed_tokens.weight", "model.norm.weight", "lm_head.weight"}
    for i in range(layers):
        prefix = f"model.layers.{i}."
        for hf, part in LAYER_NAMES.items():
            for suffix in (".weight", ".bias"):
                if prefix + hf + suffix in weights:
                    w.add_tensor(f"blk.{i}.{part}{suffix}", weights[prefix + hf + suffix])
                    used.add(prefix + hf + suffix)
        w.add_tensor(f"blk.{i}.attn_sinks.weight", weights[prefix + "self_attn.sinks"])
        experts = prefix + "mlp.experts."
        blocks, scales = weights[experts + "gate_up_proj_blocks"], weights[experts + "gate_up_proj_scales"]
        bias = weights[experts + "gate_up_proj_bias"]
        for part, rows in (("ffn_gate_exps", slice(0, None, 2)), ("ffn_up_exps", slice(1, None, 2))):
            w.add_tensor(f"blk.{i}.{part}.weight", ggml_mxfp4(blocks[:, rows], scales[:, rows]),
                         raw_dtype=mxfp4)
            w.add_tensor(f"blk.{i}.{part}.bias", np.ascontiguousarray(bias[:, rows]))
        w.add_tensor(f"blk.{i}.ffn_down_exps.weight",
                     ggml_mxfp4(weights[experts + "down_proj_blocks"], weights[experts + "down_proj_scales"]),
                     raw_dtype=mxfp4)
        w.add_tensor(f"blk.{i}.ffn_down_exps.bias", weights[experts + "down_proj_bias"])
        used |= {prefix + "self_attn.sinks"} | {experts + n for n in (
            "gate_up_proj_blocks", "gate_up_proj_scales", "gate_up_proj_bias", "down_proj_blocks",
            "down_proj_scales", "down_proj_bias")}
    unused = sorted(set(weights) - used)
    assert not unused, unused
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A Qwen3-MoE GGUF file for tests/model/tst_families_moe: the weights of the fixture
tests/data/model/families_moe/qwen3_moe_4experts_top2_norm_gqa_tied (renormalised top-k weights,
as llama.cpp always computes Qwen3-MoE) laid out as llama.cpp's convert_hf_to_gguf.py writes them:
architecture "qwen3moe", the router as blk.N.ffn_gate_inp, the experts stacked into
blk.N.ffn_gate_exps / ffn_up_exps [experts, I, hidden] and ffn_down_exps [experts, hidden, I],
float32 throughout, with the fixture's byte-level BPE vocabulary. The engine must give the
fixture's transformers scores (tests/data/model/oracle_families_moe.json) from this file.

Run from the repository root:  python3 tests/oracle/gguf/generate_qwen3moe.py
Needs numpy, safetensors, gguf. Takes a second.
"""
import json
import os
import re

import gguf
import numpy as np
from safetensors.numpy import load_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
FIXTURE = os.path.join(ROOT, "tests", "data", "model", "families_moe",
                       "qwen3_moe_4experts_top2_norm_gqa_tied")
OUT = os.path.join(ROOT, "tests", "data", "gguf", "qwen3moe_f32.gguf")

LAYER_NAMES = {
    "input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm",
    "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output", "self_attn.q_norm": "attn_q_norm",
    "self_attn.k_norm": "attn_k_norm", "mlp.gate": "ffn_gate_inp",
}
EXPERT_PARTS = {"gate_proj": "ffn_gate_exps", "up_proj": "ffn_up_exps", "down_proj": "ffn_down_exps"}


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


def main():
    with open(os.path.join(FIXTURE, "config.json")) as f:
        config = json.load(f)
    with open(os.path.join(FIXTURE, "tokenizer.json")) as f:
        tok = json.load(f)
    assert config["norm_topk_prob"] and not config["mlp_only_layers"]
    assert config["decoder_sparse_step"] == 1
    weights = load_file(os.path.join(FIXTURE, "model.safetensors"))
    layers = config["num_hidden_layers"]
    w = gguf.GGUFWriter(OUT, arch="qwen3moe")
    w.add_name("qwen3_moe_4experts_top2_norm_gqa_tied")
    w.add_block_count(layers)
    w.add_context_length(config["max_position_embeddings"])
    w.add_embedding_length(config["hidden_size"])
    w.add_feed_forward_length(config["intermediate_size"])
    w.add_head_count(config["num_attention_heads"])
    w.add_head_count_kv(config["num_key_value_heads"])
    w.add_key_length(config["head_dim"])
    w.add_value_length(config["head_dim"])
    w.add_rope_freq_base(config["rope_parameters"]["rope_theta"])
    w.add_layer_norm_rms_eps(config["rms_norm_eps"])
    w.add_expert_count(config["num_local_experts"])
    w.add_expert_used_count(config["num_experts_per_tok"])
    w.add_expert_feed_forward_length(config["moe_intermediate_size"])
    assert add_vocabulary(w, tok) == config["vocab_size"]
    if config.get("eos_token_id") is not None:
        w.add_eos_token_id(config["eos_token_id"])
    w.add_tensor("token_embd.weight", weights["model.embed_tokens.weight"])
    w.add_tensor("output_norm.weight", weights["model.norm.weight"])
    if not config["tie_word_embeddings"]:
        w.add_tensor("output.weight", weights["lm_head.weight"])
    for i in range(layers):
        prefix = f"model.layers.{i}."
        for hf, part in LAYER_NAMES.items():
            w.add_tensor(f"blk.{i}.{part}.weight", weights[prefix + hf + ".weight"])
        experts = config["num_local_experts"]
        for hf, part in EXPERT_PARTS.items():
            stacked = np.stack([weights[f"{prefix}mlp.experts.{e}.{hf}.weight"] for e in range(experts)])
            w.add_tensor(f"blk.{i}.{part}.weight", np.ascontiguousarray(stacked))
        unused = [k for k in weights if k.startswith(prefix) and not re.search(
            r"\.(" + "|".join(re.escape(n) for n in LAYER_NAMES) + r")\.weight$|\.mlp\.experts\.", k)]
        assert not unused, unused
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


if __name__ == "__main__":
    main()

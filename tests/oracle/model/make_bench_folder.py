#!/usr/bin/env python3
"""A model folder shaped like a 10-shard Llama-2-7B checkpoint for bench_model_info.

Same tensor names and count as the real one (32 layers, 291 tensors, 10 shards with an index),
shapes scaled down 64x per side so that the folder stays small; headers are therefore of real
size. Usage: make_bench_folder.py OUT_DIR [tokenizer.json to copy in]
"""
import json
import os
import shutil
import sys

import torch
from safetensors.torch import save_file


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    d, inter, vocab, layers = 4096 // 64, 11008 // 64, 32000 // 64, 32
    tensors = {"model.embed_tokens.weight": (vocab, d), "model.norm.weight": (d,), "lm_head.weight": (vocab, d)}
    for i in range(layers):
        p = f"model.layers.{i}."
        for n in ("q", "k", "v", "o"):
            tensors[p + f"self_attn.{n}_proj.weight"] = (d, d)
        tensors[p + "mlp.gate_proj.weight"] = (inter, d)
        tensors[p + "mlp.up_proj.weight"] = (inter, d)
        tensors[p + "mlp.down_proj.weight"] = (d, inter)
        tensors[p + "input_layernorm.weight"] = (d,)
        tensors[p + "post_attention_layernorm.weight"] = (d,)
    names = list(tensors)
    shards = 10
    weight_map = {}
    for s in range(shards):
        part = names[s::shards]
        fname = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
        save_file({n: torch.zeros(tensors[n], dtype=torch.float16) for n in part}, os.path.join(out, fname),
                  metadata={"format": "pt"})
        weight_map.update({n: fname for n in part})
    with open(os.path.join(out, "model.safetensors.index.json"), "w") as f:
        json.dump({"metadata": {}, "weight_map": weight_map}, f)
    config = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": d,
              "intermediate_size": inter, "num_attention_heads": 1, "num_key_value_heads": 1,
              "num_hidden_layers": layers, "vocab_size": vocab, "max_position_embeddings": 4096,
              "rms_norm_eps": 1e-5, "torch_dtype": "float16", "bos_token_id": 1, "eos_token_id": 2}
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f)
    if len(sys.argv) > 2:
        shutil.copy(sys.argv[2], os.path.join(out, "tokenizer.json"))
    else:
        with open(os.path.join(out, "tokenizer.json"), "w") as f:
            json.dump({"model": {"type": "BPE", "vocab": {}, "merges": []}}, f)


if __name__ == "__main__":
    main()

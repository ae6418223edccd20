#!/usr/bin/env python3
"""GGUF files of the llama4 architecture, converted by llama.cpp's own convert_hf_to_gguf.py
(float32) from tiny Hugging Face models built here (seeded), and what transformers computes for
those Hugging Face originals.

llama.cpp's llama4 reads none of Llama 4's attention settings from the file: it attends within
chunks of 8192 positions on three layers of four and without rotary on the fourth, tunes the
attention temperature with floor 8192 and scale 0.1, and normalises q and k unless the model has
128 experts; a file with attention.sliding_window 0 (written when every layer_types entry is
full_attention) rotates and attends fully on every layer. The models are built with those
settings so that the Hugging Face originals compute what the files describe. The converter is run
as shipped except that the small byte-level BPE vocabulary is declared as the "gpt-2"
pre-tokenizer (the converter knows real models' vocabularies by hash only).

Where transformers' own GGUF loader knows the architecture, the file is loaded with it too and
must give the same scores.

Also writes bad/gguf3_llama4_swa_pattern.gguf (llama4 with attention.sliding_window_pattern) and
bad/gguf3_llama4_rope_dim.gguf (rope.dimension_count half the head).

Writes tests/data/gguf/gguf3_*.gguf and oracle_gguf3.json.
Run from the repository root:  python3 tests/oracle/gguf/generate_gguf3.py
Needs torch, transformers (5.x), gguf, numpy and llama.cpp's source (LLAMA_CPP, default
~/.cache/llmap/bench/llama_cpp_python-0.3.36/vendor/llama.cpp). Takes a minute.
"""
import importlib.metadata
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile

import gguf
import torch
import transformers

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
_spec = importlib.util.spec_from_file_location(
    "gguf2_oracle", os.path.join(ROOT, "tests", "oracle", "gguf", "generate_gguf2.py"))
g2 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(g2)
base, OUT, MODELS = g2.base, g2.OUT, g2.MODELS

COMMON = dict(vocab_size=320, hidden_size=32, max_position_embeddings=512, bos_token_id=0,
              eos_token_id=1, pad_token_id=None)
# llama.cpp's fixed Llama 4 attention (see above).
LLAMA4 = dict(COMMON, head_dim=8, intermediate_size=16, intermediate_size_mlp=40,
              attention_chunk_size=8192, no_rope_layer_interval=4, floor_scale=8192,
              attn_scale=0.1, attn_temperature_tuning=True, use_qk_norm=True)
LLAMA3_ROPE = {"rope_type": "llama3", "rope_theta": 10000.0, "factor": 4.0,
               "low_freq_factor": 1.0, "high_freq_factor": 2.0,
               "original_max_position_embeddings": 16}


def llama4_step2_gqa_untied(folder):
    """Dense layers 0 and 2, top-1 of 4 experts on layers 1 and 3; layer 3 without rotary."""
    return transformers.Llama4TextConfig(
        **LLAMA4, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2,
        num_local_experts=4, num_experts_per_tok=1, interleave_moe_layer_step=2,
        tie_word_embeddings=False), 3101


def llama4_llama3_rope_top2_tied(folder):
    """Every layer sparse (top-2 of 3), MHA, tied, llama3 rotary scaling (rope_freqs)."""
    return transformers.Llama4TextConfig(
        **LLAMA4, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=4,
        num_local_experts=3, num_experts_per_tok=2, interleave_moe_layer_step=1,
        rope_parameters=LLAMA3_ROPE, tie_word_embeddings=True), 3102


def llama4_full_attention_mqa(folder):
    """layer_types all full_attention (attention.sliding_window 0): rotary on every layer."""
    return transformers.Llama4TextConfig(
        **dict(LLAMA4, attention_chunk_size=None), num_hidden_layers=4, num_attention_heads=4,
        num_key_value_heads=1, num_local_experts=2, num_experts_per_tok=1,
        interleave_moe_layer_step=2, no_rope_layers=[1, 1, 1, 1],
        layer_types=["full_attention"] * 4, tie_word_embeddings=False), 3103


def llama4_128experts_noqknorm(folder):
    """128 experts: llama.cpp's Maverick, whose q and k are not normalised."""
    return transformers.Llama4TextConfig(
        **dict(LLAMA4, intermediate_size=4, use_qk_norm=False), num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, num_local_experts=128,
        num_experts_per_tok=1, interleave_moe_layer_step=2, tie_word_embeddings=False), 3104


# name -> (builder, expected architecture, model_type)
FILES = {
    "gguf3_llama4_step2_gqa_untied": (llama4_step2_gqa_untied, "llama4", "llama4_text"),
    "gguf3_llama4_llama3_rope_top2_tied": (llama4_llama3_rope_top2_tied, "llama4",
                                           "llama4_text"),
    "gguf3_llama4_full_attention_mqa": (llama4_full_attention_mqa, "llama4", "llama4_text"),
    "gguf3_llama4_128experts_noqknorm": (llama4_128experts_noqknorm, "llama4", "llama4_text"),
}


def build(folder, make):
    config, seed = make(folder)
    torch.manual_seed(seed)
    model = transformers.AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    base.randomise(model, seed)
    model.save_pretrained(folder)
    for f in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        src = os.path.join(MODELS, "families_cohere", "cohere_gqa_qknorm_tied", f)
        if os.path.exists(src):
            shutil.copy(src, folder)


def add_key(src, dst, key, value, vtype):
    """`src` with one more key (or `key` replaced) written to `dst`."""
    reader = gguf.GGUFReader(src)
    arch = reader.fields["general.architecture"].contents()
    writer = gguf.GGUFWriter(dst, arch=arch)
    g2.copy_fields(reader, writer, skip={key})
    writer.add_key_value(key, value, vtype)
    for t in reader.tensors:
        writer.add_tensor(t.name, t.data.copy(), raw_shape=list(reversed([int(d) for d in t.shape])),
                          raw_dtype=t.tensor_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def main():
    records = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (make, arch, model_type) in FILES.items():
            folder = os.path.join(tmp, name)
            build(folder, make)
            file = name + ".gguf"
            g2.convert(folder, os.path.join(OUT, file))
            got = gguf.GGUFReader(os.path.join(OUT, file)).fields["general.architecture"].contents()
            assert got == arch, f"{name}: converted as {got}, not {arch}"
            record = g2.record(name, file, model_type, folder)
            record["generator"] = "tests/oracle/gguf/generate_gguf3.py"
            records.append(record)
    bad = os.path.join(OUT, "bad")
    src = os.path.join(OUT, "gguf3_llama4_step2_gqa_untied.gguf")
    add_key(src, os.path.join(bad, "gguf3_llama4_swa_pattern.gguf"),
            "llama4.attention.sliding_window_pattern", 2, gguf.GGUFValueType.UINT32)
    add_key(src, os.path.join(bad, "gguf3_llama4_rope_dim.gguf"), "llama4.rope.dimension_count", 4,
            gguf.GGUFValueType.UINT32)
    with open(os.path.join(OUT, "oracle_gguf3.json"), "w") as f:
        json.dump(dict(generator="tests/oracle/gguf/generate_gguf3.py",
                       transformers=transformers.__version__, torch=torch.__version__,
                       gguf=importlib.metadata.version("gguf"), models=records),
                  f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()

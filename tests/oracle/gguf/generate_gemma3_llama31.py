#!/usr/bin/env python3
"""Reference data for tests/gguf: GGUF files of the gemma3 architecture and a Llama-3.1-style file
with rope_freqs.weight, written with the gguf package as llama.cpp's convert_hf_to_gguf.py writes
them, and what transformers computes for the models they hold.

transformers' GGUF loader cannot be the reference here: for gemma3 it reads neither the rotary
scaling nor the attention scale that llama.cpp derives from key_length, and for llama it ignores
rope_freqs.weight. The reference is therefore the Hugging Face model each file was written from,
run by transformers with the weights as stored (quantised matrices dequantised by the gguf
package and written back into the model before scoring), so that the scores are those of the
file's contents.

- gemma3_f32.gguf: Gemma3ForCausalLM with 7 layers, a sliding window on all but every sixth layer
  (llama.cpp's fixed pattern), local rotary base 10000 (llama.cpp's), global base 5000 with linear
  scaling 2 (rope.scaling.*), query_pre_attn_scalar = head_dim (the scale llama.cpp applies),
  final-logit soft-capping; norms stored as (1 + weight), all tensors F32.
- gemma3_noswa_q8.gguf: no sliding window (sliding_window_pattern 1: the converter writes no
  attention.sliding_window, llama.cpp then makes every layer global), head untied, matrices Q8_0.
- llama31_rope_freqs_f32.gguf: LlamaForCausalLM with llama3 rope scaling; the file has no scaling
  keys but rope_freqs.weight, the per-frequency factors convert_hf_to_gguf.py computes from the
  config's rope_scaling. The script checks that the factors matter: transformers' GGUF loader,
  which ignores them, scores the file differently.

Appends nothing to oracle.json: writes oracle_gemma3_llama31.json with the same fields, and
bad/qwen2_rope_freqs.gguf (rope_freqs.weight on an architecture llama.cpp applies it to none of).
Run from the repository root:  python3 tests/oracle/gguf/generate_gemma3_llama31.py
Needs numpy, torch, transformers (5.x), accelerate (for its GGUF loader), gguf.
"""
import importlib.metadata
import importlib.util
import json
import math
import os

import gguf
import numpy as np
import torch
import transformers
from gguf import GGMLQuantizationType as Q
from transformers import AutoModelForCausalLM, AutoTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
_spec = importlib.util.spec_from_file_location(
    "gguf_oracle", os.path.join(ROOT, "tests", "oracle", "gguf", "generate.py"))
base = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(base)
OUT, TOKENIZER, TEXTS = base.OUT, base.TOKENIZER, base.TEXTS

LLAMA3_ROPE = {"rope_type": "llama3", "rope_theta": 10000.0, "factor": 8.0, "low_freq_factor": 1.0,
               "high_freq_factor": 4.0, "original_max_position_embeddings": 64}

# name -> (model_type, config kwargs, matrix type)
MODELS = {
    "gemma3_f32": ("gemma3_text", dict(
        hidden_size=32, num_hidden_layers=7, num_attention_heads=2, num_key_value_heads=1, head_dim=16,
        intermediate_size=64, sliding_window=4, query_pre_attn_scalar=16, rope_theta=5000.0,
        rope_local_base_freq=10000.0, rope_scaling={"rope_type": "linear", "factor": 2.0},
        final_logit_softcapping=5.0, max_position_embeddings=256, tie_word_embeddings=True,
        pad_token_id=0), Q.F32),
    "gemma3_noswa_q8": ("gemma3_text", dict(
        hidden_size=64, num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1, head_dim=32,
        intermediate_size=128, sliding_window=4, sliding_window_pattern=1, query_pre_attn_scalar=32,
        max_position_embeddings=256, tie_word_embeddings=False, pad_token_id=0), Q.Q8_0),
    "llama31_rope_freqs_f32": ("llama", dict(
        hidden_size=32, num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1,
        intermediate_size=64, max_position_embeddings=256, rope_parameters=LLAMA3_ROPE,
        tie_word_embeddings=False), Q.F32),
}


def llama3_rope_factors(config):
    """convert_hf_to_gguf.py's LlamaModel.generate_extra_tensors: one divisor per frequency."""
    rope = config.rope_parameters
    dim = config.hidden_size // config.num_attention_heads
    freqs = 1.0 / (rope["rope_theta"] ** (torch.arange(0, dim, 2, dtype=torch.float32) / dim))
    factor, low, high = rope["factor"], rope["low_freq_factor"], rope["high_freq_factor"]
    old_context = rope["original_max_position_embeddings"]
    low_wavelen, high_wavelen = old_context / low, old_context / high
    factors = []
    for freq in freqs:
        wavelen = 2 * math.pi / freq
        if wavelen < high_wavelen:
            factors.append(1)
        elif wavelen > low_wavelen:
            factors.append(factor)
        else:
            smooth = (old_context / wavelen - low) / (high - low)
            factors.append(1 / ((1 - smooth) / factor + smooth))
    return np.array(factors, dtype=np.float32)


def write_keys(w, model_type, config):
    w.add_block_count(config.num_hidden_layers)
    w.add_context_length(config.max_position_embeddings)
    w.add_embedding_length(config.hidden_size)
    w.add_feed_forward_length(config.intermediate_size)
    w.add_head_count(config.num_attention_heads)
    w.add_head_count_kv(config.num_key_value_heads)
    w.add_layer_norm_rms_eps(config.rms_norm_eps)
    if model_type == "llama":
        w.add_rope_freq_base(config.rope_parameters["rope_theta"])
        w.add_rope_dimension_count(config.hidden_size // config.num_attention_heads)
        return
    # What Gemma3Model.set_gguf_parameters writes (the global layers' rotary).
    w.add_key_length(config.head_dim)
    w.add_value_length(config.head_dim)
    global_rope = config.rope_parameters["full_attention"]
    w.add_rope_freq_base(global_rope["rope_theta"])
    if global_rope.get("rope_type") == "linear":
        w.add_rope_scaling_type(gguf.RopeScalingType.LINEAR)
        w.add_rope_scaling_factor(global_rope["factor"])
    if config.final_logit_softcapping:
        w.add_final_logit_softcapping(config.final_logit_softcapping)
    if "sliding_attention" in config.layer_types:
        w.add_sliding_window(config.sliding_window)


def write_model(name, model_type, kwargs, qtype, vocab_json, index, rng):
    config_class = transformers.AutoConfig.for_model(model_type).__class__
    config = config_class(vocab_size=len(vocab_json["model"]["vocab"]), bos_token_id=0, eos_token_id=0,
                          **kwargs)
    torch.manual_seed(9000 + index)
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32).eval()
    base.randomise(model, 9500 + index)
    arch = "gemma3" if model_type == "gemma3_text" else model_type
    w = gguf.GGUFWriter(os.path.join(OUT, name + ".gguf"), arch=arch)
    w.add_name(name)
    write_keys(w, model_type, config)
    base.add_vocabulary(w, vocab_json)
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.GEMMA3 if arch == "gemma3" else gguf.MODEL_ARCH.LLAMA,
                                     config.num_hidden_layers)
    state = model.state_dict()
    for hf, tensor in state.items():
        if hf == "lm_head.weight" and config.tie_word_embeddings:
            continue
        stem, suffix = hf.rsplit(".", 1)
        stem = names.get_name(stem)
        values = tensor.float().numpy()
        if arch == "gemma3" and stem.endswith("norm"):
            values = values + 1  # Gemma3Model.norm_shift
        if arch == "llama" and stem.endswith("attn_q"):
            values = base.llama_permute(values, config.num_attention_heads)
        if arch == "llama" and stem.endswith("attn_k"):
            values = base.llama_permute(values, config.num_key_value_heads)
        part_type = qtype if values.ndim == 2 else Q.F32
        data, raw = base.quantised(values, part_type, rng)
        w.add_tensor(f"{stem}.{suffix}", data, raw_dtype=raw)
        if raw is not None and raw != Q.F32:
            # The model scored is the file's: its matrices as the gguf package dequantises them.
            stored = gguf.dequantize(data, raw).astype(np.float32).reshape(values.shape)
            with torch.no_grad():
                tensor.copy_(torch.from_numpy(stored))
    if arch == "llama":
        w.add_tensor("rope_freqs.weight", llama3_rope_factors(config))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return model, config


def main():
    rng = np.random.default_rng(21)
    with open(TOKENIZER) as f:
        vocab_json = json.load(f)
    records = []
    for index, (name, (model_type, kwargs, qtype)) in enumerate(MODELS.items()):
        model, config = write_model(name, model_type, kwargs, qtype, vocab_json, index, rng)
        file = name + ".gguf"
        tok = AutoTokenizer.from_pretrained(OUT, gguf_file=file)
        texts = []
        for text in TEXTS:
            ids = tok(text, add_special_tokens=False)["input_ids"]
            ids_full = [config.bos_token_id] + ids
            texts.append(dict(text=text, ids=ids, ids_full=ids_full, ll_full=base.score(model, ids_full)))
        if model_type == "llama":
            loader = AutoModelForCausalLM.from_pretrained(OUT, gguf_file=file, dtype=torch.float32).eval()
            gap = max(abs(base.score(loader, t["ids_full"]) - t["ll_full"]) for t in texts)
            assert gap > 0.1, f"{name}: the rotary factors change no score ({gap})"
        reader = gguf.GGUFReader(os.path.join(OUT, file))
        elements = {}
        for t in reader.tensors:
            if len(t.shape) >= 2:
                elements[t.tensor_type.name] = elements.get(t.tensor_type.name, 0) + int(t.n_elements)
        records.append(dict(name=name, file=file, model_type=model_type,
                            parameters=int(sum(int(t.n_elements) for t in reader.tensors)),
                            bits_per_weight=8 * sum(int(t.n_bytes) for t in reader.tensors) /
                            sum(int(t.n_elements) for t in reader.tensors),
                            quantisation=max(elements, key=elements.get),
                            vocab_size=config.vocab_size, layers=config.num_hidden_layers,
                            hidden_size=config.hidden_size, texts=texts))
        print(f"{name}: {os.path.getsize(os.path.join(OUT, file))} bytes, "
              f"ll of text 0 = {texts[0]['ll_full']:.4f}")
    # Refused: rotary factors on an architecture to which llama.cpp does not apply them.
    base.tiny_model(os.path.join(OUT, "bad", "qwen2_rope_freqs.gguf"), vocab_json,
                    np.random.default_rng(22), arch="qwen2",
                    extra=lambda w: w.add_tensor("rope_freqs.weight", np.ones(8, np.float32)))
    with open(os.path.join(OUT, "oracle_gemma3_llama31.json"), "w") as f:
        json.dump(dict(generator="tests/oracle/gguf/generate_gemma3_llama31.py",
                       transformers=transformers.__version__, torch=torch.__version__,
                       gguf=importlib.metadata.version("gguf"), models=records),
                  f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()

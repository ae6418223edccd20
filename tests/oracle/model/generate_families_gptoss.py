#!/usr/bin/env python3
"""Reference log-likelihoods for gpt-oss (GptOssForCausalLM), plain and with MXFP4 experts.

The companion of generate.py (whose tokenizers, texts, randomisation and scoring it imports):
tiny random models (fixed seeds) in several configurations, saved with save_pretrained under
tests/data/model/families_gptoss/, and tests/data/model/oracle_families_gptoss.json with the fields
of oracle.json (both conventions, fp32 and bf16, per-token log-probs of the first two texts).

What the shared randomisation leaves weak is made strong here: the attention sinks (one logit per
head) and the routers' biases get values of the order of the scores they compete with, and
swiglu_limit is small enough that the clamps of the experts' SwiGLU cut some of their inputs
(except in the model that tests/oracle/gguf/generate_gptoss.py converts: llama.cpp fixes the
limit at gpt-oss's 7).
The configurations cover sliding and full layers (layer_types), grouped-query and multi-head
attention, with and without q/k/v/o biases, top-1 and top-2 routing, YaRN (with gpt-oss's
truncate false, and truncated) and plain rotary, tied and untied embeddings.

The "mxfp4" configurations store their experts as the gpt-oss checkpoints do
(quantization_config {"quant_method": "mxfp4"}): each of mlp.experts.gate_up_proj and down_proj as
"<name>_blocks" (uint8 [experts, rows, blocks, 16], two FP4 E2M1 values a byte, the even element
in the low nibble) and "<name>_scales" (uint8 E8M0 exponents, bias 127, [experts, rows, blocks]),
rows being the parameter's output channels and the 32-value blocks running along its input
channels. The weights are quantised here with numpy; the references come from transformers
loading the folder with Mxfp4Config(dequantize=True).

Run from the repository root:  python3 tests/oracle/model/generate_families_gptoss.py
Needs torch, transformers (5.x), tokenizers, safetensors, numpy. Takes seconds on a CPU.
"""
import json
import os
import shutil
import sys

import numpy as np
import torch
import transformers
from safetensors.numpy import load_file, save_file
from transformers import AutoModelForCausalLM, Mxfp4Config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate import OUT, TEXTS, randomise, score_texts, train_tokenizer  # noqa: E402

SMALL = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, head_dim=8,
             intermediate_size=32, max_position_embeddings=256)


def yarn(factor, original, truncate):
    return {"rope_type": "yarn", "rope_theta": 10000.0, "factor": factor, "beta_fast": 32.0,
            "beta_slow": 1.0, "truncate": truncate, "original_max_position_embeddings": original}


# name -> (tokenizer style, config kwargs, experts in MXFP4)
CONFIGS = {
    "gpt_oss_gqa_window4_4experts_top2_yarn_untied": ("gpt", dict(
        SMALL, num_key_value_heads=2, sliding_window=4, num_local_experts=4,
        num_experts_per_tok=2, swiglu_limit=1.5, rope_parameters=yarn(4.0, 64, False),
        tie_word_embeddings=False), False),
    "gpt_oss_mha_full_3experts_top1_nobias_tied": ("llama", dict(
        SMALL, num_key_value_heads=4, layer_types=["full_attention", "full_attention"],
        num_local_experts=3, num_experts_per_tok=1, attention_bias=False, swiglu_limit=2.0,
        rope_parameters={"rope_type": "default", "rope_theta": 500.0},
        tie_word_embeddings=True), False),
    "gpt_oss_mqa_window3_alpha_6experts_top2_yarn_truncate": ("gpt", dict(
        SMALL, num_hidden_layers=3, num_key_value_heads=1, sliding_window=3,
        layer_types=["full_attention", "sliding_attention", "sliding_attention"],
        num_local_experts=6, num_experts_per_tok=2, swiglu_alpha=1.2, swiglu_limit=1.0,
        rope_parameters=yarn(8.0, 32, True), tie_word_embeddings=False), False),
    "gpt_oss_mxfp4_gqa_window5_4experts_top2_hidden64": ("gpt", dict(
        SMALL, hidden_size=64, num_hidden_layers=3, num_key_value_heads=2, head_dim=16,
        sliding_window=5, num_local_experts=4, num_experts_per_tok=2,
        rope_parameters=yarn(4.0, 64, False), tie_word_embeddings=False), True),
    "gpt_oss_mxfp4_mha_full_3experts_top1_tied": ("llama", dict(
        SMALL, num_key_value_heads=4, layer_types=["full_attention", "sliding_attention"],
        sliding_window=6, num_local_experts=3, num_experts_per_tok=1, swiglu_limit=2.0,
        intermediate_size=64, rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
        tie_word_embeddings=True), True),
}

FP4_VALUES = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0,
                       -0.0, -0.5, -1.0, -1.5, -2.0, -3.0, -4.0, -6.0], dtype=np.float32)


def quantise_mxfp4(weight):
    """weight [..., rows, cols] (cols a multiple of 32) -> (blocks uint8 [..., rows, cols/32, 16],
    scales uint8 [..., rows, cols/32]): per block of 32 values the smallest power of two that
    brings its largest magnitude to 6 or below, each value rounded to the nearest E2M1 value."""
    *lead, cols = weight.shape
    blocks = weight.reshape(*lead, cols // 32, 32).astype(np.float32)
    amax = np.abs(blocks).max(-1, keepdims=True)
    exponent = np.ceil(np.log2(np.maximum(amax, 1e-30) / 6.0)).astype(np.int32)
    scaled = blocks / np.exp2(exponent.astype(np.float32))
    nibbles = np.abs(scaled[..., None] - FP4_VALUES).argmin(-1).astype(np.uint8)
    packed = nibbles[..., 0::2] | (nibbles[..., 1::2] << 4)
    return packed, (exponent[..., 0] + 127).astype(np.uint8)


def to_mxfp4(folder):
    """Rewrites folder's experts as MXFP4 blocks and scales, with the quantization_config."""
    path = os.path.join(folder, "model.safetensors")
    weights = load_file(path)
    out = {}
    for name, value in weights.items():
        if name.endswith("mlp.experts.gate_up_proj") or name.endswith("mlp.experts.down_proj"):
            # The parameter is [experts, in, out]; the checkpoint blocks [experts, out, in].
            out[name + "_blocks"], out[name + "_scales"] = quantise_mxfp4(
                np.ascontiguousarray(value.transpose(0, 2, 1)))
        else:
            out[name] = value
    save_file(out, path, metadata={"format": "pt"})
    config_path = os.path.join(folder, "config.json")
    with open(config_path) as f:
        config = json.load(f)
    config["quantization_config"] = {
        "quant_method": "mxfp4",
        "modules_to_not_convert": ["model.layers.*.self_attn", "model.layers.*.mlp.router",
                                   "model.embed_tokens", "lm_head"]}
    with open(config_path, "w") as f:
        json.dump(config, f, indent=2)


def strengthen(model, seed):
    """Sinks and router biases of the order of the scores and logits they join."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("self_attn.sinks"):
                p.copy_(0.5 + 1.5 * torch.randn(p.shape, generator=g))
            elif name.endswith("mlp.router.bias"):
                p.copy_(0.8 * torch.randn(p.shape, generator=g))


def load(folder, dtype, mxfp4):
    extra = dict(quantization_config=Mxfp4Config(dequantize=True)) if mxfp4 else {}
    return AutoModelForCausalLM.from_pretrained(folder, dtype=dtype, **extra).eval()


def main():
    seeds = (19000, 20000)
    folder = os.path.join(OUT, "families_gptoss")
    torch.manual_seed(0)
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    tokenizers = {style: train_tokenizer(style) for style in ("llama", "gpt")}
    records = []
    for index, (name, (style, kwargs, mxfp4)) in enumerate(CONFIGS.items()):
        tok = tokenizers[style]
        special = dict(bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=None)
        config = transformers.GptOssConfig(vocab_size=len(tok), **special, **kwargs)
        torch.manual_seed(seeds[0] + index)
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
        randomise(model, seeds[1] + index)
        strengthen(model, seeds[1] + 500 + index)
        model_folder = os.path.join(folder, name)
        model.save_pretrained(model_folder)
        tok.save_pretrained(model_folder)
        os.remove(os.path.join(model_folder, "generation_config.json"))  # not read by anything here
        if mxfp4:
            to_mxfp4(model_folder)
        model = load(model_folder, torch.float32, mxfp4)
        model_bf16 = load(model_folder, torch.bfloat16, mxfp4)
        prefix = config.bos_token_id if config.bos_token_id is not None else config.eos_token_id
        texts = score_texts(tok, model, model_bf16, prefix)
        records.append(dict(name="families_gptoss/" + name, model_type="gpt_oss",
                            adds_bos=style == "llama",
                            parameters=sum(p.numel() for p in model.parameters()),
                            vocab_size=len(tok), texts=texts))
        print(f"{name}: {records[-1]['parameters']} parameters, ll_full[0] = {texts[0]['ll_full']:.4f}",
              file=sys.stderr)
    oracle = dict(generator="tests/oracle/model/generate_families_gptoss.py",
                  transformers=transformers.__version__, torch=torch.__version__, texts=TEXTS,
                  models=records)
    with open(os.path.join(OUT, "oracle_families_gptoss.json"), "w") as f:
        json.dump(oracle, f, ensure_ascii=False, separators=(",", ":"))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Reference log-likelihoods for checkpoints stored as block-scaled FP8 (DeepSeek-V3, the "-FP8" Qwen3
checkpoints): config.json's quantization_config {"quant_method": "fp8", "weight_block_size": [r, c]},
each linear weight in float8_e4m3fn beside a float "<name>_scale_inv" with one scale per block.

Copies two fixtures of generate.py (llama_mha_untied, qwen3_gqa_headdim12_tied) to
tests/data/model/families_fp8/, quantises every linear weight of their layers as the FP8 checkpoints
do (per block: scale = amax / 448, weight / scale rounded to E4M3), and scores the result with
transformers' own FP8 loader (FineGrainedFP8Config, which dequantises on a CPU). Writes
tests/data/model/oracle_families_fp8.json with the fields of oracle.json and the same token ids.

Run from the repository root:  python3 tests/oracle/model/generate_families_fp8.py
Needs torch, transformers (5.x), accelerate, safetensors. Takes seconds on a CPU.
"""
import json
import os
import shutil
import sys

import torch
import transformers
from safetensors.torch import load_file, save_file
from transformers import AutoModelForCausalLM

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate import OUT, TEXTS, score  # noqa: E402

# name -> (source fixture, weight_block_size, dtype of the scales)
CONFIGS = {
    "llama_fp8_block16_f32_scales": ("llama_mha_untied", [16, 16], torch.float32),
    "qwen3_fp8_block128_bf16_scales": ("qwen3_gqa_headdim12_tied", [128, 128], torch.bfloat16),
}
LINEARS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
E4M3_MAX = 448.0


def quantise(weight, block, scale_dtype):
    """weight [rows, cols] -> (E4M3 weight, scales [ceil(rows/r), ceil(cols/c)])."""
    rows, cols = weight.shape
    r, c = block
    grid = (-(-rows // r), -(-cols // c))
    scales = torch.empty(grid, dtype=torch.float32)
    out = torch.empty(rows, cols, dtype=torch.float8_e4m3fn)
    for i in range(grid[0]):
        for j in range(grid[1]):
            tile = weight[i * r:(i + 1) * r, j * c:(j + 1) * c]
            scale = (tile.abs().max() / E4M3_MAX).clamp(min=1e-12).to(scale_dtype).float()
            scales[i, j] = scale
            out[i * r:(i + 1) * r, j * c:(j + 1) * c] = (tile / scale).to(torch.float8_e4m3fn)
    return out, scales.to(scale_dtype)


def main():
    folder = os.path.join(OUT, "families_fp8")
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    with open(os.path.join(OUT, "oracle.json")) as f:
        source_records = {m["name"]: m for m in json.load(f)["models"]}
    records = []
    for name, (source, block, scale_dtype) in CONFIGS.items():
        target = os.path.join(folder, name)
        shutil.copytree(os.path.join(OUT, source), target)
        os.remove(os.path.join(target, "generation_config.json"))
        os.remove(os.path.join(target, "README.md"))
        weights = load_file(os.path.join(target, "model.safetensors"))
        quantised = {}
        for key, value in weights.items():
            if key.endswith(".weight") and key.split(".")[-2] in LINEARS:
                quantised[key], quantised[key + "_scale_inv"] = quantise(value.float(), block, scale_dtype)
            else:
                quantised[key] = value
        save_file(quantised, os.path.join(target, "model.safetensors"), metadata={"format": "pt"})
        config_path = os.path.join(target, "config.json")
        with open(config_path) as f:
            config = json.load(f)
        config["quantization_config"] = {"quant_method": "fp8", "fmt": "e4m3",
                                         "activation_scheme": "dynamic", "weight_block_size": block}
        with open(config_path, "w") as f:
            json.dump(config, f, indent=2)
        model = AutoModelForCausalLM.from_pretrained(target, dtype=torch.float32).eval()
        model_bf16 = AutoModelForCausalLM.from_pretrained(target, dtype=torch.bfloat16).eval()
        reference = source_records[source]
        texts = []
        for ti, t in enumerate(reference["texts"]):
            ll_paper, _ = score(model, t["ids_paper"], 1)
            ll_full, per_full = score(model, t["ids_full"], 1)
            ll_full_bf16, _ = score(model_bf16, t["ids_full"], 1)
            entry = dict(ids_paper=t["ids_paper"], ids_plain=t["ids_plain"], ids_full=t["ids_full"],
                         ll_paper=ll_paper, ll_full=ll_full, ll_full_bf16=ll_full_bf16)
            if ti < 2:
                entry["per_token_full"] = per_full
            texts.append(entry)
        records.append(dict(name="families_fp8/" + name, model_type=reference["model_type"],
                            adds_bos=reference["adds_bos"], parameters=reference["parameters"],
                            vocab_size=reference["vocab_size"], texts=texts))
        print(f"{name}: ll_full[0] = {texts[0]['ll_full']:.4f} (unquantised "
              f"{reference['texts'][0]['ll_full']:.4f})", file=sys.stderr)
    oracle = dict(generator="tests/oracle/model/generate_families_fp8.py",
                  transformers=transformers.__version__, torch=torch.__version__, texts=TEXTS,
                  models=records)
    with open(os.path.join(OUT, "oracle_families_fp8.json"), "w") as f:
        json.dump(oracle, f, ensure_ascii=False, separators=(",", ":"))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Reference log-likelihoods for YaRN rotary scaling in the Llama-style families.

The companion of generate.py (whose tokenizers, texts, randomisation and scoring it imports): tiny
random Llama and Qwen2 models (fixed seeds) whose rope_parameters ask for YaRN, saved with
save_pretrained under tests/data/model/families_yarn/, and tests/data/model/oracle_families_yarn.json
with the fields of oracle.json (both conventions, fp32 and bf16, per-token log-probs of the first two
texts). The texts run past original_max_position_embeddings, where YaRN's divisors matter.

Run from the repository root:  python3 tests/oracle/model/generate_families_yarn.py
Needs torch, transformers (5.x), tokenizers, safetensors. Takes seconds on a CPU.
"""
import json
import os
import shutil
import sys

import torch
import transformers
from transformers import AutoModelForCausalLM

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate import OUT, TEXTS, randomise, score, train_tokenizer  # noqa: E402

FOLDER_YARN = os.path.join(OUT, "families_yarn")

SMALL = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=48)

# name -> (model_type, tokenizer style, config kwargs)
CONFIGS = {
    "llama_yarn_factor4": ("llama", "llama", dict(
        SMALL, num_key_value_heads=2, max_position_embeddings=64,
        rope_parameters={"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0,
                         "original_max_position_embeddings": 16})),
    "qwen2_yarn_betas_attention_factor": ("qwen2", "gpt", dict(
        SMALL, num_key_value_heads=4, max_position_embeddings=128, tie_word_embeddings=False,
        rope_parameters={"rope_type": "yarn", "rope_theta": 1000.0, "factor": 8.0,
                         "original_max_position_embeddings": 16, "beta_fast": 16.0,
                         "beta_slow": 2.0, "attention_factor": 1.2})),
}


def main():
    torch.manual_seed(0)
    if os.path.isdir(FOLDER_YARN):
        shutil.rmtree(FOLDER_YARN)
    os.makedirs(FOLDER_YARN)
    tokenizers = {style: train_tokenizer(style) for style in ("llama", "gpt")}
    records = []
    for index, (name, (model_type, style, kwargs)) in enumerate(CONFIGS.items()):
        tok = tokenizers[style]
        config_class = transformers.AutoConfig.for_model(model_type).__class__
        special = dict(bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=None)
        config = config_class(vocab_size=len(tok), **special, **kwargs)
        torch.manual_seed(7000 + index)
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
        randomise(model, 8000 + index)
        model.eval()
        folder = os.path.join(FOLDER_YARN, name)
        model.save_pretrained(folder)
        tok.save_pretrained(folder)
        os.remove(os.path.join(folder, "generation_config.json"))  # not read by anything here
        model_bf16 = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.bfloat16).eval()
        prefix = config.bos_token_id if config.bos_token_id is not None else config.eos_token_id
        texts = []
        for ti, text in enumerate(TEXTS):
            ids_paper = tok(text)["input_ids"]
            ids_plain = tok(text, add_special_tokens=False)["input_ids"]
            ids_full = [prefix] + ids_plain
            ll_paper, _ = score(model, ids_paper, 1)
            ll_full, per_full = score(model, ids_full, 1)
            ll_full_bf16, _ = score(model_bf16, ids_full, 1)
            entry = dict(ids_paper=ids_paper, ids_plain=ids_plain, ids_full=ids_full,
                         ll_paper=ll_paper, ll_full=ll_full, ll_full_bf16=ll_full_bf16)
            if ti < 2:
                entry["per_token_full"] = per_full
            texts.append(entry)
        records.append(dict(name="families_yarn/" + name, model_type=model_type, adds_bos=style == "llama",
                            parameters=sum(p.numel() for p in model.parameters()),
                            vocab_size=len(tok), texts=texts))
        print(f"{name}: {records[-1]['parameters']} parameters, ll_full[0] = {texts[0]['ll_full']:.4f}",
              file=sys.stderr)
    oracle = dict(generator="tests/oracle/model/generate_families_yarn.py",
                  transformers=transformers.__version__, torch=torch.__version__, texts=TEXTS,
                  models=records)
    with open(os.path.join(OUT, "oracle_families_yarn.json"), "w") as f:
        json.dump(oracle, f, ensure_ascii=False, separators=(",", ":"))


if __name__ == "__main__":
    main()

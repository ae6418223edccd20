#!/usr/bin/env python3
"""Reference log-likelihoods for the Gemma-3 family (gemma3_text and the multimodal gemma3).

The companion of generate.py (whose tokenizers, texts, randomisation and scoring it imports):
builds tiny random models (fixed seeds) under tests/data/model/families_gemma3/: Gemma3ForCausalLM
with sliding and global layers mixed (by sliding_window_pattern and by layer_types), with and
without linear rope scaling of the global layers, separate rotary bases, final-logit soft-capping,
and Gemma3ForConditionalGeneration (a tiny SigLIP vision tower around a Gemma-3 language model,
head tied and untied), scored on text alone. Writes tests/data/model/oracle_families_gemma3.json
with the same fields as oracle.json (both conventions, fp32 and bf16, per-token log-probs of the
first two texts).

Run from the repository root:  python3 tests/oracle/model/generate_families_gemma3.py
Needs torch, transformers (5.x), tokenizers, safetensors. Takes about a minute on a CPU.
"""
import json
import os
import shutil
import sys

import torch
import transformers
from transformers import AutoModelForCausalLM

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate import OUT, TEXTS, randomise, score_texts, train_tokenizer  # noqa: E402

FOLDER = os.path.join(OUT, "families_gemma3")

SMALL = dict(hidden_size=32, num_attention_heads=4, intermediate_size=48)
VISION = dict(hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2,
              image_size=28, patch_size=14)
# The wrapper's image token ids, kept inside the tiny vocabulary's range of unused ids.
WRAPPER = dict(mm_tokens_per_image=4, image_token_index=317, boi_token_index=318, eoi_token_index=319)

# name -> (model_type, config kwargs); the wrappers' text settings go to text_config.
CONFIGS = {
    # Layers sliding, global, sliding, global; global rotary base 500 scaled linearly by 2, local
    # base 50 (rope_theta / rope_scaling / rope_local_base_freq, as transformers 4 named them).
    "gemma3_text_alternating_linear": ("gemma3_text", dict(
        SMALL, num_hidden_layers=4, num_key_value_heads=2, head_dim=8, sliding_window=5,
        sliding_window_pattern=2, query_pre_attn_scalar=8, rope_theta=500.0, rope_local_base_freq=50.0,
        rope_scaling={"rope_type": "linear", "factor": 2.0})),
    # layer_types global, sliding, sliding; default bases; the output logits soft-capped; the
    # attention cap set but not applied by transformers; exact GELU; head untied.
    "gemma3_text_layer_types_softcap_untied": ("gemma3_text", dict(
        SMALL, num_hidden_layers=3, num_key_value_heads=4, head_dim=12, sliding_window=4,
        layer_types=["full_attention", "sliding_attention", "sliding_attention"],
        query_pre_attn_scalar=12, final_logit_softcapping=3.0, attn_logit_softcapping=4.0,
        hidden_activation="gelu", tie_word_embeddings=False)),
    # The default pattern (every sixth layer global) over 7 layers, one key/value head, the
    # transformers 5 rope_parameters per layer type.
    "gemma3_text_pattern6_mqa": ("gemma3_text", dict(
        SMALL, num_hidden_layers=7, num_key_value_heads=1, head_dim=8, sliding_window=3,
        query_pre_attn_scalar=16,
        rope_parameters={"full_attention": {"rope_type": "default", "rope_theta": 2000.0},
                         "sliding_attention": {"rope_type": "default", "rope_theta": 20.0}})),
    # Multimodal, head untied ("language_model.lm_head.weight"), scaled global rotary.
    "gemma3_wrapper_untied": ("gemma3", dict(
        WRAPPER, tie_word_embeddings=False,
        text_config=dict(SMALL, num_hidden_layers=3, num_key_value_heads=2, head_dim=8, sliding_window=4,
                         sliding_window_pattern=3, query_pre_attn_scalar=8, rope_theta=800.0,
                         rope_scaling={"rope_type": "linear", "factor": 4.0}),
        vision_config=VISION)),
    # Multimodal, head tied, Gemma3TextConfig's defaults for the rest (both layers sliding, window
    # 4096, bases 1e6 and 1e4, query_pre_attn_scalar 256).
    "gemma3_wrapper_tied_defaults": ("gemma3", dict(
        WRAPPER, text_config=dict(SMALL, num_hidden_layers=2, num_key_value_heads=2, head_dim=8),
        vision_config=VISION)),
}


def make_config(model_type, kwargs, tok):
    special = dict(bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=None,
                   vocab_size=len(tok))
    config_class = transformers.AutoConfig.for_model(model_type).__class__
    if model_type == "gemma3":
        kwargs = dict(kwargs, text_config=dict(kwargs["text_config"], **special))
        return config_class(**kwargs)
    return config_class(**special, **kwargs)


def main():
    torch.manual_seed(0)
    if os.path.isdir(FOLDER):
        shutil.rmtree(FOLDER)
    os.makedirs(FOLDER)
    tok = train_tokenizer("llama")
    records = []
    for index, (name, (model_type, kwargs)) in enumerate(CONFIGS.items()):
        config = make_config(model_type, kwargs, tok)
        torch.manual_seed(7000 + index)
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
        randomise(model, 8000 + index)
        model.eval()
        folder = os.path.join(FOLDER, name)
        model.save_pretrained(folder)
        tok.save_pretrained(folder)
        generation = os.path.join(folder, "generation_config.json")
        if os.path.exists(generation):
            os.remove(generation)  # not read by anything here
        model_bf16 = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.bfloat16).eval()
        text_config = config.get_text_config()
        prefix = text_config.bos_token_id if text_config.bos_token_id is not None else text_config.eos_token_id
        texts = score_texts(tok, model, model_bf16, prefix)
        records.append(dict(name="families_gemma3/" + name, model_type=model_type, adds_bos=True,
                            architecture=type(model).__name__,
                            layer_types=list(text_config.layer_types),
                            parameters=sum(p.numel() for p in model.parameters()),
                            vocab_size=len(tok), texts=texts))
        print(f"{name}: {type(model).__name__}, {records[-1]['parameters']} parameters, "
              f"ll_full[0] = {texts[0]['ll_full']:.4f}", file=sys.stderr)
    oracle = dict(generator="tests/oracle/model/generate_families_gemma3.py",
                  transformers=transformers.__version__, torch=torch.__version__, texts=TEXTS,
                  models=records)
    with open(os.path.join(OUT, "oracle_families_gemma3.json"), "w") as f:
        json.dump(oracle, f, ensure_ascii=False, separators=(",", ":"))


if __name__ == "__main__":
    main()

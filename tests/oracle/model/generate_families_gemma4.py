#!/usr/bin/env python3
"""Reference log-likelihoods for the Gemma-4 family (gemma4_text and the multimodal gemma4).

The companion of generate.py (whose tokenizers, texts, randomisation and scoring it imports):
builds tiny random models (fixed seeds) under tests/data/model/families_gemma4/:
Gemma4ForCausalLM with sliding and full layers of different head dims (per_layer_config), the
full layers' proportional rotary next to the sliding layers' plain one, per-layer embeddings
(PLE), keys and values shared by the last layers (KV sharing) with double-wide MLPs there, keys
used as values on the full layers (attention_k_eq_v) with their own key/value head count, the
mixture of experts beside the dense MLP, attention biases, exact GELU, the default layer pattern
and a last sliding layer made full, output soft-capping; and Gemma4ForConditionalGeneration (a
tiny vision tower around a Gemma-4 language model, head tied and untied), scored on text alone.
Every weight transformers initialises to zero or one is randomised, the layer scalars and the
router's scales included. Writes tests/data/model/oracle_families_gemma4.json with the fields of
oracle.json (both conventions, fp32 and bf16, per-token log-probs of the first two texts).

Run from the repository root:  python3 tests/oracle/model/generate_families_gemma4.py
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
from generate import (OUT, TEXTS, per_token_fp32_gap, randomise, score_texts,  # noqa: E402
                      train_tokenizer)

FOLDER = os.path.join(OUT, "families_gemma4")
SEEDS = (23000, 24000)

S, F = "sliding_attention", "full_attention"
SMALL = dict(hidden_size=32, num_attention_heads=4, intermediate_size=48, hidden_size_per_layer_input=0)
VISION = dict(hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2,
              num_key_value_heads=2, head_dim=8, patch_size=4, pooling_kernel_size=2,
              position_embedding_size=64)
# The wrapper's special token ids, kept inside the tiny vocabulary's range of unused ids.
WRAPPER = dict(boi_token_id=312, eoi_token_id=313, image_token_id=314, video_token_id=315,
               boa_token_id=316, eoa_token_index=317, audio_token_id=318)

# name -> (model_type, config kwargs); the wrappers' text settings go to text_config.
CONFIGS = {
    # Per-layer embeddings; the last two layers reuse the keys and values of layers 0 and 1 and
    # have double-wide MLPs; sliding head dim 8, full 16 (proportional rotary over a quarter);
    # soft-capped logits; head tied.
    "gemma4_text_ple_kvshare_doublewide": ("gemma4_text", dict(
        SMALL, num_hidden_layers=4, num_key_value_heads=2, head_dim=8, global_head_dim=16,
        layer_types=[S, F, S, F], sliding_window=5, hidden_size_per_layer_input=8,
        num_kv_shared_layers=2, use_double_wide_mlp=True, final_logit_softcapping=5.0)),
    # Keys as values on the full layers, with one key/value head there; the mixture of experts
    # beside the dense MLP; attention biases; head untied; rotary bases and the proportional
    # factor and scaling set explicitly.
    "gemma4_text_k_eq_v_moe_bias_untied": ("gemma4_text", dict(
        SMALL, num_hidden_layers=3, num_key_value_heads=2, head_dim=8, global_head_dim=12,
        num_global_key_value_heads=1, attention_k_eq_v=True, layer_types=[S, F, F],
        sliding_window=4, enable_moe_block=True, num_experts=4, top_k_experts=2,
        moe_intermediate_size=16, attention_bias=True, tie_word_embeddings=False,
        rope_parameters={S: {"rope_type": "default", "rope_theta": 100.0},
                         F: {"rope_type": "proportional", "partial_rotary_factor": 0.5,
                             "rope_theta": 5000.0, "factor": 2.0}})),
    # The default pattern (every sixth layer full) over 7 layers, the last one full as well;
    # exact GELU; multi-head attention; PLE with a larger per-layer vocabulary; no soft-cap.
    "gemma4_text_pattern6_gelu_mha_ple": ("gemma4_text", dict(
        SMALL, num_hidden_layers=7, num_key_value_heads=4, head_dim=8, global_head_dim=8,
        sliding_window=3, hidden_activation="gelu", hidden_size_per_layer_input=4,
        vocab_size_per_layer_input=400)),
    # layer_types ending on a sliding layer (made full); KV sharing of the last layer only,
    # without double-wide MLPs; keys as values set but global kv heads unset.
    "gemma4_text_last_sliding_kvshare1": ("gemma4_text", dict(
        SMALL, num_hidden_layers=3, num_key_value_heads=1, head_dim=16, global_head_dim=8,
        attention_k_eq_v=True, layer_types=[F, S, S], sliding_window=2, num_kv_shared_layers=1)),
    # Multimodal with PLE, KV sharing and the mixture of experts, head tied.
    "gemma4_wrapper_ple_moe_tied": ("gemma4", dict(
        WRAPPER, text_config=dict(
            SMALL, num_hidden_layers=4, num_key_value_heads=2, head_dim=8, global_head_dim=16,
            layer_types=[S, F, S, F], sliding_window=4, hidden_size_per_layer_input=8,
            num_kv_shared_layers=2, enable_moe_block=True, num_experts=3, top_k_experts=2,
            moe_intermediate_size=8, final_logit_softcapping=8.0),
        vision_config=VISION)),
    # Multimodal, head untied, keys as values on the full layers.
    "gemma4_wrapper_k_eq_v_untied": ("gemma4", dict(
        WRAPPER, tie_word_embeddings=False, text_config=dict(
            SMALL, num_hidden_layers=2, num_key_value_heads=2, head_dim=8, global_head_dim=8,
            num_global_key_value_heads=2, attention_k_eq_v=True, layer_types=[S, F],
            sliding_window=3, tie_word_embeddings=False),
        vision_config=VISION)),
}


def make_config(model_type, kwargs, tok):
    special = dict(bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                   pad_token_id=tok.eos_token_id, vocab_size=len(tok))
    config_class = transformers.AutoConfig.for_model(model_type).__class__
    if model_type == "gemma4":
        text = dict(kwargs["text_config"], **special)
        text.setdefault("vocab_size_per_layer_input", len(tok))
        return config_class(**dict(kwargs, text_config=text))
    kwargs = dict(kwargs)
    kwargs.setdefault("vocab_size_per_layer_input", len(tok))
    return config_class(**special, **kwargs)


def randomise_rest(model, seed):
    """The layer scalars (buffers) and the router's scales, which randomise() leaves at one or
    near zero."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, b in model.named_buffers():
            if name.endswith("layer_scalar"):
                b.copy_(0.8 + 0.4 * torch.rand(b.shape, generator=g))
        for name, p in model.named_parameters():
            if name.endswith("router.scale") or name.endswith("router.per_expert_scale"):
                p.copy_(1.0 + 0.3 * torch.randn(p.shape, generator=g))


def main():
    torch.manual_seed(0)
    if os.path.isdir(FOLDER):
        shutil.rmtree(FOLDER)
    os.makedirs(FOLDER)
    tok = train_tokenizer("llama")
    records = []
    for index, (name, (model_type, kwargs)) in enumerate(CONFIGS.items()):
        config = make_config(model_type, kwargs, tok)
        torch.manual_seed(SEEDS[0] + index)
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
        randomise(model, SEEDS[1] + index)
        randomise_rest(model, SEEDS[1] + 500 + index)
        model.eval()
        folder = os.path.join(FOLDER, name)
        model.save_pretrained(folder)
        tok.save_pretrained(folder)
        generation = os.path.join(folder, "generation_config.json")
        if os.path.exists(generation):
            os.remove(generation)  # not read by anything here
        model_bf16 = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.bfloat16).eval()
        text_config = config.get_text_config()
        prefix = text_config.bos_token_id
        texts = score_texts(tok, model, model_bf16, prefix)
        records.append(dict(name="families_gemma4/" + name, model_type=model_type, adds_bos=True,
                            architecture=type(model).__name__,
                            layer_types=list(text_config.layer_types),
                            parameters=sum(p.numel() for p in model.parameters()),
                            vocab_size=len(tok), texts=texts))
        gap = per_token_fp32_gap(folder, texts)
        if gap is not None:
            records[-1]["per_token_fp32_gap"] = gap
        print(f"{name}: {type(model).__name__}, {records[-1]['parameters']} parameters, "
              f"ll_full[0] = {texts[0]['ll_full']:.4f}", file=sys.stderr)
    oracle = dict(generator="tests/oracle/model/generate_families_gemma4.py",
                  transformers=transformers.__version__, torch=torch.__version__, texts=TEXTS,
                  models=records)
    with open(os.path.join(OUT, "oracle_families_gemma4.json"), "w") as f:
        json.dump(oracle, f, ensure_ascii=False, separators=(",", ":"))


if __name__ == "__main__":
    main()

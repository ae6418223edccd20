#!/usr/bin/env python3
"""Reference log-likelihoods for the hybrid gated-DeltaNet families Qwen3-Next, Qwen3.5 and
Qwen3.5-MoE, as language models (qwen3_next, qwen3_5_text, qwen3_5_moe_text) and as the multimodal
wrappers scored on text (qwen3_5, qwen3_5_moe).

The companion of generate.py (whose tokenizer, texts, randomisation and scoring it imports): tiny
random models (fixed seeds) saved with save_pretrained under tests/data/model/families_qwen3next/,
and tests/data/model/oracle_families_qwen3next.json with the fields of oracle.json (both
conventions, fp32 and bf16, per-token log-probs of the first two texts). The configurations mix
linear-attention (gated DeltaNet) and gated full-attention layers (layer_types and
full_attention_interval), with more value heads than key heads and as many, key and value heads of
different sizes, convolution kernels of 2 to 4, partial and whole-head rotary, GQA and MHA, tied and
untied heads, and Qwen3-Next's mixture of experts (renormalised or raw, dense layers by
mlp_only_layers and decoder_sparse_step, none at all).

Run from the repository root:  python3 tests/oracle/model/generate_families_qwen3next.py
Needs torch, transformers (5.x), tokenizers, safetensors. Takes seconds on a CPU.
"""
import json
import os
import shutil
import sys

import torch
import transformers

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate import OUT, TEXTS, randomise, score_texts, train_tokenizer  # noqa: E402

BASE = dict(hidden_size=32, num_attention_heads=4, intermediate_size=48)


def rope(partial, theta=10000.0):
    return {"rope_type": "default", "rope_theta": theta, "partial_rotary_factor": partial}


def rope_mrope(partial, theta=10000.0):
    return dict(rope(partial, theta), mrope_interleaved=True, mrope_section=[1, 1, 0])


# generate.randomise's matrices (1.5 / sqrt(fan-in)) scaled to 0.5 / sqrt(fan-in). At the larger
# scale transformers' own fp32 drifts up to 1e-3 nats per token from its fp64 on these models (the
# mixture of experts and the delta rule amplify rounding through the layers) and its bf16 2-6 % from
# its fp32, more than the oracle's tolerances; at this scale both stay within them.
MATRIX_SCALE = 0.5 / 1.5


def randomise_small(model, seed):
    randomise(model, seed)
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() > 1:
                p.mul_(MATRIX_SCALE)


MOE = dict(num_experts=4, num_experts_per_tok=2, moe_intermediate_size=16,
           shared_expert_intermediate_size=24)

# name -> (model_type, class, config kwargs, wrapper tie_word_embeddings or None for a bare
# language model)
CONFIGS = {
    "qwen3_next_moe_gqa_rot25_interval4": ("qwen3_next", "Qwen3NextForCausalLM", dict(
        BASE, num_hidden_layers=4, num_key_value_heads=2, head_dim=8, linear_num_key_heads=2,
        linear_num_value_heads=4, linear_key_head_dim=8, linear_value_head_dim=6,
        linear_conv_kernel_dim=4, norm_topk_prob=True, rope_parameters=rope(0.25),
        tie_word_embeddings=False, **MOE), None),
    "qwen3_next_dense_mha_rot50_tied": ("qwen3_next", "Qwen3NextForCausalLM", dict(
        BASE, num_hidden_layers=3, num_key_value_heads=4, head_dim=12, linear_num_key_heads=2,
        linear_num_value_heads=2, linear_key_head_dim=10, linear_value_head_dim=10,
        linear_conv_kernel_dim=3, num_experts=0,
        layer_types=["linear_attention", "full_attention", "linear_attention"],
        rope_parameters=rope(0.5, 1e6), tie_word_embeddings=True), None),
    "qwen3_next_raw_step2_mlp_only_kv1": ("qwen3_next", "Qwen3NextForCausalLM", dict(
        BASE, num_hidden_layers=4, num_key_value_heads=1, head_dim=16, linear_num_key_heads=1,
        linear_num_value_heads=3, linear_key_head_dim=12, linear_value_head_dim=8,
        linear_conv_kernel_dim=2, num_experts=5, num_experts_per_tok=3, moe_intermediate_size=8,
        shared_expert_intermediate_size=16, norm_topk_prob=False, decoder_sparse_step=2,
        mlp_only_layers=[3],
        layer_types=["full_attention", "linear_attention", "linear_attention", "full_attention"],
        rope_parameters=rope(0.25), tie_word_embeddings=False), None),
    "qwen3_5_text_gqa_rot25_untied": ("qwen3_5_text", "Qwen3_5ForCausalLM", dict(
        BASE, num_hidden_layers=4, num_key_value_heads=2, head_dim=8, linear_num_key_heads=2,
        linear_num_value_heads=4, linear_key_head_dim=8, linear_value_head_dim=6,
        linear_conv_kernel_dim=4, rope_parameters=rope_mrope(0.25), tie_word_embeddings=False),
        None),
    "qwen3_5_text_mha_whole_rotary_tied": ("qwen3_5_text", "Qwen3_5ForCausalLM", dict(
        BASE, num_hidden_layers=3, num_key_value_heads=4, head_dim=8, linear_num_key_heads=2,
        linear_num_value_heads=2, linear_key_head_dim=12, linear_value_head_dim=8,
        linear_conv_kernel_dim=3,
        layer_types=["linear_attention", "full_attention", "linear_attention"],
        rope_parameters=rope(1.0, 5e5), tie_word_embeddings=True), None),
    "qwen3_5_moe_text_gqa_rot50": ("qwen3_5_moe_text", "Qwen3_5MoeForCausalLM", dict(
        BASE, num_hidden_layers=4, num_key_value_heads=2, head_dim=8, linear_num_key_heads=1,
        linear_num_value_heads=2, linear_key_head_dim=8, linear_value_head_dim=12,
        linear_conv_kernel_dim=4, rope_parameters=rope_mrope(0.5), tie_word_embeddings=False,
        **MOE), None),
    "qwen3_5_wrapper_gqa_untied": ("qwen3_5", "Qwen3_5ForConditionalGeneration", dict(
        BASE, num_hidden_layers=4, num_key_value_heads=2, head_dim=8, linear_num_key_heads=2,
        linear_num_value_heads=4, linear_key_head_dim=8, linear_value_head_dim=8,
        linear_conv_kernel_dim=4, rope_parameters=rope_mrope(0.25)), False),
    "qwen3_5_moe_wrapper_tied": ("qwen3_5_moe", "Qwen3_5MoeForConditionalGeneration", dict(
        BASE, num_hidden_layers=4, num_key_value_heads=1, head_dim=8, linear_num_key_heads=2,
        linear_num_value_heads=2, linear_key_head_dim=8, linear_value_head_dim=8,
        linear_conv_kernel_dim=4, rope_parameters=rope_mrope(0.25), **MOE), True),
}

VISION = dict(depth=1, hidden_size=16, intermediate_size=32, num_heads=2, patch_size=14,
              num_position_embeddings=16)


def lcg_ids(seed, rows, tokens, vocab):
    """The ids of lcgIds() in tests/model/lcg_ids.h (tst_decode, tst_families_qwen3next)."""
    state, flat = seed, []
    for _ in range(rows * tokens):
        state = (state * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        flat.append((state >> 33) % vocab)
    return torch.tensor(flat, dtype=torch.long).view(rows, tokens)


@torch.no_grad()
def decode_gap(model, seed, tokens, prompt):
    """transformers' own largest |logit| difference between decoding with its cache (a prompt,
    then one token at a time: the recurrent form of the delta rule) and one forward pass (the
    chunked form), fp32: the rounding the two forms differ by, which LLMap's decoding is held to."""
    ids = lcg_ids(seed, 2, tokens, model.config.get_text_config().vocab_size)
    full = model(input_ids=ids).logits.float()
    out = model(input_ids=ids[:, :prompt], use_cache=True)
    worst = (out.logits[:, -1].float() - full[:, prompt - 1]).abs().max().item()
    cache = out.past_key_values
    for p in range(prompt, tokens):
        out = model(input_ids=ids[:, p:p + 1], past_key_values=cache, use_cache=True)
        cache = out.past_key_values
        worst = max(worst, (out.logits[:, -1].float() - full[:, p]).abs().max().item())
    return worst


def build(model_type, class_name, kwargs, wrapper_tie, tok):
    special = dict(bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=None)
    if wrapper_tie is None:
        config_class = transformers.AutoConfig.for_model(model_type).__class__
        return config_class(vocab_size=len(tok), **special, **kwargs)
    base = transformers.AutoConfig.for_model(model_type)
    text = type(base.text_config)(vocab_size=len(tok), tie_word_embeddings=wrapper_tie, **special,
                                  **kwargs)
    vision = type(base.vision_config)(out_hidden_size=kwargs["hidden_size"], **VISION)
    return type(base)(text_config=text.to_dict(), vision_config=vision.to_dict(),
                      tie_word_embeddings=wrapper_tie)


def main():
    folder_name = "families_qwen3next"
    folder = os.path.join(OUT, folder_name)
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    torch.manual_seed(0)
    tok = train_tokenizer("gpt")
    records = []
    for index, (name, (model_type, class_name, kwargs, tie)) in enumerate(CONFIGS.items()):
        model_class = getattr(transformers, class_name)
        config = build(model_type, class_name, kwargs, tie, tok)
        torch.manual_seed(25000 + index)
        model = model_class(config).to(torch.float32)
        randomise_small(model, 26000 + index)
        model.tie_weights()
        target = os.path.join(folder, name)
        model.save_pretrained(target)
        tok.save_pretrained(target)
        generation = os.path.join(target, "generation_config.json")
        if os.path.exists(generation):
            os.remove(generation)
        # Scored as reloaded, so that the folder (not the object in memory) is what is checked.
        model = model_class.from_pretrained(target, dtype=torch.float32).eval()
        model_bf16 = model_class.from_pretrained(target, dtype=torch.bfloat16).eval()
        texts = score_texts(tok, model, model_bf16, tok.eos_token_id)
        language = model.model.language_model if tie is not None else model
        # tst_decode's 20 tokens (prompt 3) and tst_families_qwen3next's 150 (prompt 10).
        gaps = dict(decode_gap_20=decode_gap(model, 12345, 20, 3),
                    decode_gap_150=decode_gap(model, 987654321, 150, 10))
        records.append(dict(name=folder_name + "/" + name, model_type=model_type, adds_bos=False,
                            parameters=sum(p.numel() for p in language.parameters()),
                            vocab_size=len(tok), texts=texts, **gaps))
        print(f"{name}: {records[-1]['parameters']} parameters, "
              f"ll_full[0] = {texts[0]['ll_full']:.4f}, decode gaps {gaps}", file=sys.stderr)
    oracle = dict(generator="tests/oracle/model/generate_families_qwen3next.py",
                  transformers=transformers.__version__, torch=torch.__version__, texts=TEXTS,
                  models=records)
    with open(os.path.join(OUT, "oracle_families_qwen3next.json"), "w") as f:
        json.dump(oracle, f, ensure_ascii=False, separators=(",", ":"))


if __name__ == "__main__":
    main()

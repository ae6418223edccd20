#!/usr/bin/env python3
"""Reference log-likelihoods for Llama 4 (text and the multimodal wrapper), Ministral-3 (alone and
inside Mistral-3) and ERNIE-4.5-MoE.

The companion of generate.py (whose tokenizers, texts, randomisation and scoring it imports):
tiny random models (fixed seeds) in several configurations per family, saved with save_pretrained
under tests/data/model/families_llama4/, and tests/data/model/oracle_families_llama4.json with the
fields of oracle.json (both conventions, fp32 and bf16, per-token log-probs of the first two
texts). Wrapped models are scored as the whole wrapper, reloaded from the saved folder, on token
ids alone.

Llama 4: chunks of attention smaller than the texts, NoPE layers by interval and by list,
layer_types given, the weightless q/k norm on and off, attention temperature tuning on and off
(floor_scale small enough to matter), top-1 and top-2 routing, every layer sparse or sparse
layers by interleave step and by list, attention biases, llama3 rotary scaling. Ministral-3: YaRN
and plain rotary with llama_4_scaling_beta and an original context short enough that the query
scale changes within the texts, a sliding window. ERNIE-4.5-MoE: use_bias on and off, shared
experts on and off, moe_k 1 to 3, sparse layers by start, end and interval; its routers'
correction biases (moe_statics) randomised small enough to change some choices only.

Run from the repository root:  python3 tests/oracle/model/generate_families_llama4.py
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

FOLDER = "families_llama4"
SEEDS = (21000, 22000)

SMALL = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=48)
LLAMA4 = dict(SMALL, head_dim=8, intermediate_size=16, intermediate_size_mlp=40)
LLAMA3_ROPE = {"rope_type": "llama3", "rope_theta": 10000.0, "factor": 4.0,
               "low_freq_factor": 1.0, "high_freq_factor": 2.0,
               "original_max_position_embeddings": 16}
VISION = dict(hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2,
              image_size=28, patch_size=14)
LLAMA4_VISION = dict(VISION, vision_output_dim=16, projector_input_dim=16,
                     projector_output_dim=16)

# name -> (model_type, tokenizer style, config kwargs, wrapper or None); a wrapper is
# (wrapper model_type, class name, vision kwargs, tie_word_embeddings).
CONFIGS = {
    "llama4_text_chunk5_qknorm_temp_top1_llama3": ("llama4_text", "llama", dict(
        LLAMA4, num_hidden_layers=4, num_key_value_heads=2, no_rope_layer_interval=2,
        attention_chunk_size=5, use_qk_norm=True, attn_temperature_tuning=True, floor_scale=4,
        attn_scale=0.5, num_local_experts=4, num_experts_per_tok=1, interleave_moe_layer_step=1,
        rope_parameters=LLAMA3_ROPE, tie_word_embeddings=False), None),
    "llama4_text_chunk7_noqknorm_notemp_top2_step2_bias_tied": ("llama4_text", "gpt", dict(
        LLAMA4, num_hidden_layers=4, num_key_value_heads=4, no_rope_layers=[1, 0, 1, 1],
        attention_chunk_size=7, use_qk_norm=False, attn_temperature_tuning=False,
        num_local_experts=3, num_experts_per_tok=2, interleave_moe_layer_step=2,
        attention_bias=True, tie_word_embeddings=True), None),
    "llama4_text_nochunk_moe_layers0_mqa_temp3": ("llama4_text", "llama", dict(
        LLAMA4, num_hidden_layers=3, num_key_value_heads=1, no_rope_layers=[0, 1, 1],
        attention_chunk_size=None, use_qk_norm=True, attn_temperature_tuning=True, floor_scale=3,
        attn_scale=0.3, num_local_experts=4, num_experts_per_tok=2, moe_layers=[0],
        tie_word_embeddings=False), None),
    "llama4_text_layer_types_chunk4": ("llama4_text", "gpt", dict(
        LLAMA4, num_hidden_layers=3, num_key_value_heads=2, no_rope_layers=[1, 1, 0],
        attention_chunk_size=4,
        layer_types=["full_attention", "chunked_attention", "chunked_attention"],
        use_qk_norm=True, attn_temperature_tuning=True, floor_scale=6, attn_scale=0.4,
        num_local_experts=2, num_experts_per_tok=1, moe_layers=[1, 2],
        tie_word_embeddings=False), None),
    "llama4_wrapper_chunk6_top1": ("llama4_text", "llama", dict(
        LLAMA4, num_hidden_layers=4, num_key_value_heads=2, no_rope_layer_interval=4,
        attention_chunk_size=6, use_qk_norm=True, attn_temperature_tuning=True, floor_scale=5,
        attn_scale=0.5, num_local_experts=3, num_experts_per_tok=1, interleave_moe_layer_step=2),
        ("llama4", "Llama4ForConditionalGeneration", LLAMA4_VISION, False)),
    "ministral3_yarn_beta_window6_gqa": ("ministral3", "llama", dict(
        SMALL, num_key_value_heads=2, head_dim=8, sliding_window=6, max_position_embeddings=32,
        rope_parameters={"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0,
                         "original_max_position_embeddings": 8, "beta_fast": 32.0,
                         "beta_slow": 1.0, "mscale": 1.0, "mscale_all_dim": 1.0,
                         "llama_4_scaling_beta": 0.3},
        tie_word_embeddings=False), None),
    "ministral3_default_rope_beta_tied": ("ministral3", "gpt", dict(
        SMALL, num_key_value_heads=4, head_dim=12, max_position_embeddings=64,
        rope_parameters={"rope_type": "default", "rope_theta": 10000.0,
                         "original_max_position_embeddings": 5, "llama_4_scaling_beta": 0.2},
        tie_word_embeddings=True), None),
    "mistral3_ministral3_yarn": ("ministral3", "llama", dict(
        SMALL, num_key_value_heads=2, head_dim=8, max_position_embeddings=64,
        rope_parameters={"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0,
                         "original_max_position_embeddings": 16, "beta_fast": 16.0,
                         "beta_slow": 1.0, "llama_4_scaling_beta": 0.25}),
        ("mistral3", "Mistral3ForConditionalGeneration", VISION, False)),
    "ernie4_5_moe_bias_shared2_top2_start1": ("ernie4_5_moe", "llama", dict(
        SMALL, num_hidden_layers=3, num_key_value_heads=2, use_bias=True, moe_num_experts=4,
        moe_k=2, moe_intermediate_size=16, moe_num_shared_experts=2, moe_layer_start_index=1,
        moe_layer_interval=1), None),
    "ernie4_5_moe_noshared_top1_interval2_end2_untied": ("ernie4_5_moe", "gpt", dict(
        SMALL, num_hidden_layers=4, num_key_value_heads=4, use_bias=False, moe_num_experts=3,
        moe_k=1, moe_intermediate_size=24, moe_num_shared_experts=0, moe_layer_start_index=0,
        moe_layer_end_index=2, moe_layer_interval=2, tie_word_embeddings=False), None),
    "ernie4_5_moe_top3_6experts_mqa_shared1_all": ("ernie4_5_moe", "llama", dict(
        SMALL, num_key_value_heads=1, use_bias=False, moe_num_experts=6, moe_k=3,
        moe_intermediate_size=16, moe_num_shared_experts=1, moe_layer_start_index=0,
        tie_word_embeddings=False), None),
}


def randomise_all(model, seed):
    """The shared randomisation, then ERNIE's correction biases: small next to the routing
    probabilities, so that they change some choices and not all."""
    randomise(model, seed)
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("e_score_correction_bias"):
                p.copy_(0.05 * torch.randn(p.shape, generator=g))


def build(model_type, kwargs, wrapper, tok):
    special = dict(bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=None)
    text_class = transformers.AutoConfig.for_model(model_type).__class__
    if wrapper is None:
        config = text_class(vocab_size=len(tok), **special, **kwargs)
        return transformers.AutoModelForCausalLM, config
    wrapper_type, class_name, vision_kwargs, tie = wrapper
    base = transformers.AutoConfig.for_model(wrapper_type)
    text = text_class(vocab_size=len(tok), tie_word_embeddings=tie, **special, **kwargs)
    vision = type(base.vision_config)(**vision_kwargs)
    config = type(base)(text_config=text.to_dict(), vision_config=vision.to_dict(),
                        tie_word_embeddings=tie)
    return getattr(transformers, class_name), config


def main():
    folder = os.path.join(OUT, FOLDER)
    torch.manual_seed(0)
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    tokenizers = {style: train_tokenizer(style) for style in ("llama", "gpt")}
    records = []
    for index, (name, (model_type, style, kwargs, wrapper)) in enumerate(CONFIGS.items()):
        tok = tokenizers[style]
        model_class, config = build(model_type, kwargs, wrapper, tok)
        torch.manual_seed(SEEDS[0] + index)
        if wrapper is None:
            model = model_class.from_config(config, dtype=torch.float32)
        else:
            model = model_class(config)
        randomise_all(model, SEEDS[1] + index)
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
        bos = tok.bos_token_id if tok.bos_token_id is not None else tok.eos_token_id
        texts = score_texts(tok, model, model_bf16, bos)
        language = model if wrapper is None else model.get_decoder()
        records.append(dict(name=FOLDER + "/" + name,
                            model_type=model_type if wrapper is None else wrapper[0],
                            adds_bos=style == "llama",
                            parameters=sum(p.numel() for p in language.parameters()),
                            vocab_size=len(tok), texts=texts))
        print(f"{name}: {records[-1]['parameters']} parameters, "
              f"ll_full[0] = {texts[0]['ll_full']:.4f}", file=sys.stderr)
    oracle = dict(generator="tests/oracle/model/generate_" + FOLDER + ".py",
                  transformers=transformers.__version__, torch=torch.__version__, texts=TEXTS,
                  models=records)
    with open(os.path.join(OUT, "oracle_" + FOLDER + ".json"), "w") as f:
        json.dump(oracle, f, ensure_ascii=False, separators=(",", ":"))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Reference log-likelihoods for tests/model/tst_families_a.cpp, computed with transformers.

Tiny random models (fixed seeds) of the families gptj, gpt_neo, opt, bloom, falcon, mpt,
gpt_bigcode and starcoder2, several configurations each covering their layout variants, saved
with save_pretrained (safetensors) into tests/data/model/families_a/<name>, and
tests/data/model/oracle_families_a.json with the same content as oracle.json (see generate.py):
per text the token ids, the log-likelihoods under the "paper" and "full" conventions in fp32 and
("full") bf16, and the per-token log-probs of the first two texts.

Run from the repository root:  python3 tests/oracle/model/generate_families_a.py
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

FOLDER = os.path.join(OUT, "families_a")

# name -> (model_type, tokenizer style, config kwargs)
CONFIGS = {
    "gptj_rot4_untied": ("gptj", "gpt", dict(n_embd=32, n_layer=2, n_head=4, rotary_dim=4, n_inner=64,
                         n_positions=128, tie_word_embeddings=False)),
    "gptj_fullrot_tied_relu": ("gptj", "gpt", dict(n_embd=32, n_layer=3, n_head=4, rotary_dim=8, n_inner=48,
                               n_positions=128, activation_function="relu", tie_word_embeddings=True)),
    "gpt_neo_global_local_w5": ("gpt_neo", "gpt", dict(hidden_size=32, num_layers=2, num_heads=4,
                                attention_types=[[["global", "local"], 1]], window_size=5,
                                intermediate_size=64, max_position_embeddings=128)),
    "gpt_neo_local_w7_untied": ("gpt_neo", "gpt", dict(hidden_size=24, num_layers=3, num_heads=2,
                                attention_types=[[["local", "global", "local"], 1]], window_size=7,
                                intermediate_size=48, max_position_embeddings=128,
                                activation_function="gelu", tie_word_embeddings=False)),
    "opt_pre_norm": ("opt", "llama", dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, ffn_dim=64,
                     max_position_embeddings=128, do_layer_norm_before=True)),
    "opt_post_norm_proj16": ("opt", "llama", dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                             ffn_dim=64, max_position_embeddings=128, do_layer_norm_before=False,
                             word_embed_proj_dim=16)),
    "opt_nobias_untied_gelu": ("opt", "llama", dict(hidden_size=24, num_hidden_layers=2, num_attention_heads=2,
                               ffn_dim=48, max_position_embeddings=128, enable_bias=False,
                               activation_function="gelu", tie_word_embeddings=False)),
    "bloom_4heads": ("bloom", "gpt", dict(hidden_size=32, n_layer=2, n_head=4)),
    "bloom_6heads_residual_post_ln": ("bloom", "llama", dict(hidden_size=24, n_layer=2, n_head=6,
                                      apply_residual_connection_post_layernorm=True,
                                      tie_word_embeddings=False)),
    "falcon_new_gqa_2ln": ("falcon", "gpt", dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                           num_kv_heads=2, new_decoder_architecture=True, ffn_hidden_size=64, bias=False,
                           max_position_embeddings=128)),
    "falcon_new_1ln_bias": ("falcon", "gpt", dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=8,
                            num_kv_heads=2, new_decoder_architecture=True, num_ln_in_parallel_attn=1,
                            parallel_attn=True, ffn_hidden_size=48, bias=True, max_position_embeddings=128,
                            rope_parameters={"rope_type": "default", "rope_theta": 500.0})),
    "falcon_old_multiquery_parallel": ("falcon", "gpt", dict(hidden_size=32, num_hidden_layers=2,
                                       num_attention_heads=4, new_decoder_architecture=False, multi_query=True,
                                       parallel_attn=True, ffn_hidden_size=64, bias=False,
                                       max_position_embeddings=128, tie_word_embeddings=False)),
    "falcon_old_mha_sequential": ("falcon", "gpt", dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                  new_decoder_architecture=False, multi_query=False, parallel_attn=False,
                                  ffn_hidden_size=64, bias=True, max_position_embeddings=128)),
    "falcon_alibi_rw": ("falcon", "gpt", dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        new_decoder_architecture=False, multi_query=False, parallel_attn=False, alibi=True,
                        ffn_hidden_size=64, bias=True, max_position_embeddings=128)),
    "mpt_plain": ("mpt", "gpt", dict(d_model=32, n_heads=4, n_layers=2, max_seq_len=128)),
    "mpt_6heads_clip_scale_untied": ("mpt", "gpt", dict(d_model=24, n_heads=6, n_layers=2, max_seq_len=128,
                                     attn_config={"clip_qkv": 0.5, "softmax_scale": 0.3},
                                     tie_word_embeddings=False)),
    "gpt_bigcode_multiquery": ("gpt_bigcode", "gpt", dict(n_embd=32, n_layer=2, n_head=4, n_positions=128,
                               n_inner=64, multi_query=True)),
    "gpt_bigcode_mha_unscaled_untied": ("gpt_bigcode", "gpt", dict(n_embd=24, n_layer=2, n_head=4, n_positions=128,
                                        n_inner=48, multi_query=False, scale_attn_weights=False,
                                        activation_function="gelu", tie_word_embeddings=False)),
    "starcoder2_gqa_window5_bias": ("starcoder2", "gpt", dict(hidden_size=32, num_hidden_layers=2,
                                    num_attention_heads=4, num_key_value_heads=2, intermediate_size=64,
                                    sliding_window=5, use_bias=True)),
    "starcoder2_mha_nobias_untied": ("starcoder2", "gpt", dict(hidden_size=24, num_hidden_layers=2,
                                     num_attention_heads=4, num_key_value_heads=4, intermediate_size=48,
                                     use_bias=False, hidden_act="gelu", tie_word_embeddings=False,
                                     rope_parameters={"rope_type": "default", "rope_theta": 100000.0})),
}


def main():
    if os.path.isdir(FOLDER):
        shutil.rmtree(FOLDER)
    os.makedirs(FOLDER)
    tokenizers = {style: train_tokenizer(style) for style in ("llama", "gpt")}
    records = []
    for index, (name, (model_type, style, kwargs)) in enumerate(CONFIGS.items()):
        tok = tokenizers[style]
        config_class = transformers.AutoConfig.for_model(model_type).__class__
        config = config_class(vocab_size=len(tok), bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                              **kwargs)
        torch.manual_seed(3000 + index)
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
        randomise(model, 4000 + index)
        model.eval()
        folder = os.path.join(FOLDER, name)
        model.save_pretrained(folder)
        tok.save_pretrained(folder)
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
        model_bf16 = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.bfloat16).eval()
        prefix = config.bos_token_id if config.bos_token_id is not None else config.eos_token_id
        texts = score_texts(tok, model, model_bf16, prefix)
        records.append(dict(name="families_a/" + name, model_type=model_type, adds_bos=style == "llama",
                            parameters=sum(p.numel() for p in model.parameters()),
                            vocab_size=len(tok), texts=texts))
        print(f"{name}: {records[-1]['parameters']} parameters, ll_full[0] = {texts[0]['ll_full']:.4f}",
              file=sys.stderr)
    oracle = dict(generator="tests/oracle/model/generate_families_a.py", transformers=transformers.__version__,
                  torch=torch.__version__, texts=TEXTS, models=records)
    with open(os.path.join(OUT, "oracle_families_a.json"), "w") as f:
        json.dump(oracle, f, ensure_ascii=False, separators=(",", ":"))


if __name__ == "__main__":
    main()

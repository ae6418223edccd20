#!/usr/bin/env python3
"""Reference log-likelihoods for tests/model, computed with Hugging Face transformers.

Builds tiny random models (fixed seeds) for every supported architecture in several
configurations, saves each with save_pretrained (safetensors) next to a small byte-level BPE
tokenizer trained here, and writes tests/data/model/oracle.json with, per model and text:
token ids with and without special tokens, the log-likelihood under the "paper" convention
(default special tokens, first input token not scored) and the "full" convention (BOS, or EOS
when there is no BOS, prefixed; every text token scored), the same in bfloat16, and the
per-token log-probs of the first two texts.

Run from the repository root:  python3 tests/oracle/model/generate.py
Needs torch, transformers (5.x), tokenizers, safetensors. Takes about a minute on a CPU.
"""
import json
import os
import shutil
import sys

import torch
import transformers
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
OUT = os.path.join(ROOT, "tests", "data", "model")

TEXTS = [
    "The quick brown fox jumps over the lazy dog.",
    "In 1905, Albert Einstein published four papers that changed physics: on the photoelectric effect, Brownian motion, special relativity and mass-energy equivalence.",
    "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n",
    "Grüße aus München! Größe, Maß und Öl sind deutsche Wörter.",
    "東京は日本の首都です。",
    "The mitochondria is the powerhouse of the cell, converting nutrients into ATP through respiration.",
    "SELECT name, count(*) FROM users WHERE age > 30 GROUP BY name ORDER BY 2 DESC;",
    "a",
    "To be, or not to be, that is the question: whether 'tis nobler in the mind to suffer the slings and arrows of outrageous fortune.",
    "   leading spaces and trailing spaces   ",
    "Line one\nLine two\n\nLine four after a blank line",
    "Emoji test: 🌍🚀✨ and some more text after them.",
    "The Pile is a large, diverse, open source language modelling data set.",
    "x = [i ** 2 for i in range(10) if i % 2 == 0]",
    "Numbers: 3.14159, 2.71828, 1.41421, 1.61803 and 42.",
    "Once upon a time there was a little model that mapped other models by their likelihoods.",
    "¿Dónde está la biblioteca? La biblioteca está cerca de la estación.",
    "URL: https://example.org/path?query=value&other=1#anchor",
    "The the the the the the the the the the the the the the the the the.",
    "Photosynthesis uses light energy to turn carbon dioxide and water into glucose and oxygen, releasing oxygen as a by-product.",
    "<html><body><p>Hello, world!</p></body></html>",
    "Mapping language models via log-likelihood vectors gives a distance close to the KL divergence.",
]

TRAIN_EXTRA = [
    "Language models assign probabilities to sequences of tokens.",
    "A map of models places similar models close to each other.",
    "for (int i = 0; i < n; ++i) { sum += x[i]; }",
    "Le renard brun rapide saute par-dessus le chien paresseux.",
    "Der schnelle braune Fuchs springt über den faulen Hund.",
]


def train_tokenizer(bos_style):
    """Byte-level BPE with 320 entries. bos_style: "llama" (<s>, </s>, BOS added) or "gpt" (<|endoftext|>, nothing added)."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    specials = ["<s>", "</s>"] if bos_style == "llama" else ["<|endoftext|>"]
    trainer = trainers.BpeTrainer(vocab_size=320, special_tokens=specials,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(TEXTS + TRAIN_EXTRA, trainer=trainer)
    if bos_style == "llama":
        bos = tok.token_to_id("<s>")
        tok.post_processor = processors.TemplateProcessing(
            single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", bos)])
        fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>")
    else:
        tok.post_processor = processors.ByteLevel(trim_offsets=False)
        fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|endoftext|>",
                                       eos_token="<|endoftext|>")
    return fast


def rope_llama3():
    return {"rope_type": "llama3", "rope_theta": 10000.0, "factor": 8.0, "low_freq_factor": 1.0,
            "high_freq_factor": 4.0, "original_max_position_embeddings": 16}


# name -> (model_type, tokenizer style, config kwargs)
CONFIGS = {
    "llama_mha_untied": ("llama", "llama", dict(hidden_size=48, num_hidden_layers=2, num_attention_heads=4,
                         num_key_value_heads=4, intermediate_size=96, tie_word_embeddings=False)),
    "llama_gqa_tied_llama3": ("llama", "llama", dict(hidden_size=48, num_hidden_layers=2, num_attention_heads=6,
                              num_key_value_heads=2, intermediate_size=80, tie_word_embeddings=True,
                              rope_parameters=rope_llama3())),
    "llama_linear_headdim10_bias": ("llama", "llama", dict(hidden_size=40, num_hidden_layers=2, num_attention_heads=5,
                                    num_key_value_heads=5, head_dim=10, intermediate_size=64,
                                    attention_bias=True, mlp_bias=True, tie_word_embeddings=False,
                                    rope_parameters={"rope_type": "linear", "rope_theta": 500.0, "factor": 2.0})),
    "mistral_window7_gqa": ("mistral", "llama", dict(hidden_size=48, num_hidden_layers=2, num_attention_heads=4,
                            num_key_value_heads=2, intermediate_size=96, sliding_window=7,
                            tie_word_embeddings=False)),
    "mistral_nowindow_tied": ("mistral", "llama", dict(hidden_size=32, num_hidden_layers=3, num_attention_heads=4,
                              num_key_value_heads=4, intermediate_size=64, sliding_window=None,
                              tie_word_embeddings=True)),
    "qwen2_gqa_tied": ("qwen2", "gpt", dict(hidden_size=48, num_hidden_layers=2, num_attention_heads=4,
                       num_key_value_heads=2, intermediate_size=96, tie_word_embeddings=True)),
    "qwen2_window6_untied": ("qwen2", "gpt", dict(hidden_size=48, num_hidden_layers=2, num_attention_heads=4,
                             num_key_value_heads=4, intermediate_size=96, use_sliding_window=True,
                             sliding_window=6, max_window_layers=1, tie_word_embeddings=False)),
    "qwen3_gqa_headdim12_tied": ("qwen3", "gpt", dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                 num_key_value_heads=2, head_dim=12, intermediate_size=64,
                                 tie_word_embeddings=True)),
    "qwen3_mha_untied_theta1e6": ("qwen3", "gpt", dict(hidden_size=48, num_hidden_layers=2, num_attention_heads=4,
                                  num_key_value_heads=4, head_dim=12, intermediate_size=96,
                                  tie_word_embeddings=False,
                                  rope_parameters={"rope_type": "default", "rope_theta": 1e6})),
    "gpt2_small": ("gpt2", "gpt", dict(n_embd=48, n_layer=2, n_head=4, n_positions=256)),
    "gpt2_headdim7_gelu": ("gpt2", "gpt", dict(n_embd=42, n_layer=2, n_head=6, n_positions=256, n_inner=100,
                           activation_function="gelu")),
    "gpt_neox_parallel_rot25": ("gpt_neox", "gpt", dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                                intermediate_size=128, use_parallel_residual=True,
                                rope_parameters={"rope_type": "default", "rope_theta": 10000.0,
                                                 "partial_rotary_factor": 0.25},
                                tie_word_embeddings=False)),
    "gpt_neox_sequential_rot50_tied": ("gpt_neox", "gpt", dict(hidden_size=48, num_hidden_layers=2,
                                       num_attention_heads=4, intermediate_size=96, use_parallel_residual=False,
                                       rope_parameters={"rope_type": "default", "rope_theta": 10000.0,
                                                        "partial_rotary_factor": 0.5},
                                       tie_word_embeddings=True)),
}


def randomise(model, seed):
    """Larger random weights than the default init so that log-probs differ clearly from uniform."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 1 and ("norm" in name or "ln_" in name):
                p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=g))
            elif p.dim() == 1:
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(torch.randn(p.shape, generator=g) / p.shape[-1] ** 0.5 * 1.5)


def score(model, ids, first_scored):
    """Sum of log p(ids[t] | ids[<t]) for t >= first_scored (single sequence), plus the per-token list."""
    x = torch.tensor([ids])
    with torch.no_grad():
        logits = model(x).logits[0].float()
    logp = torch.log_softmax(logits, dim=-1)
    per = [logp[t - 1, ids[t]].item() for t in range(first_scored, len(ids))]
    return sum(per), per


def per_token_fp32_gap(folder, texts):
    """How far transformers' fp32 per-token values of the first two texts ("per_token_full") lie
    from its float64 ones: the fixture's own fp32 rounding, which another CPU's kernels (AVX2 or
    AVX-512) may reach in the other direction. None where a kernel has no float64 form."""
    try:
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float64).eval()
        worst = 0.0
        for t in texts[:2]:
            _, exact = score(model, t["ids_full"], 1)
            worst = max(worst, max(abs(a - b) for a, b in zip(exact, t["per_token_full"])))
        return worst
    except RuntimeError:
        return None


def score_texts(tok, model, model_bf16, prefix):
    """Each text's ids in both conventions with their log-likelihoods in fp32 and bf16, and the
    per-token values of the first two texts: one oracle record's "texts"."""
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
    return texts


def main():
    torch.manual_seed(0)
    if os.path.isdir(OUT):
        for entry in os.listdir(OUT):
            path = os.path.join(OUT, entry)
            if os.path.isdir(path) and entry != "broken" and not entry.startswith("families_"):
                shutil.rmtree(path)
    os.makedirs(OUT, exist_ok=True)
    tokenizers = {style: train_tokenizer(style) for style in ("llama", "gpt")}
    records = []
    for index, (name, (model_type, style, kwargs)) in enumerate(CONFIGS.items()):
        tok = tokenizers[style]
        config_class = transformers.AutoConfig.for_model(model_type).__class__
        special = dict(bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id)
        if model_type in ("qwen2", "qwen3"):
            special["bos_token_id"] = None
        config = config_class(vocab_size=len(tok), **special, **kwargs)
        torch.manual_seed(1000 + index)
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
        randomise(model, 2000 + index)
        model.eval()
        folder = os.path.join(OUT, name)
        model.save_pretrained(folder)
        tok.save_pretrained(folder)
        with open(os.path.join(folder, "README.md"), "w") as f:
            f.write("---\nlicense: apache-2.0\nlanguage:\n- en\n- de\ntags: [test, tiny, " + model_type +
                    "]\npipeline_tag: text-generation\nbase_model: llmap/" + name + "\n---\n\n"
                    "A tiny random " + model_type + " model generated by tests/oracle/model/generate.py.\n")
        if index == 0:
            # The same model as several shards with model.safetensors.index.json.
            sharded = os.path.join(OUT, name + "_sharded")
            model.save_pretrained(sharded, max_shard_size="40KB")
            tok.save_pretrained(sharded)
        model_bf16 = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.bfloat16).eval()
        prefix = config.bos_token_id if config.bos_token_id is not None else config.eos_token_id
        texts = score_texts(tok, model, model_bf16, prefix)
        if index == 0:
            records.append(dict(name=name + "_sharded", model_type=model_type, adds_bos=True,
                                parameters=sum(p.numel() for p in model.parameters()),
                                vocab_size=len(tok), texts=texts))
        records.append(dict(name=name, model_type=model_type, adds_bos=style == "llama",
                            parameters=sum(p.numel() for p in model.parameters()),
                            vocab_size=len(tok), texts=texts))
        print(f"{name}: {records[-1]['parameters']} parameters, ll_full[0] = {texts[0]['ll_full']:.4f}",
              file=sys.stderr)
    oracle = dict(generator="tests/oracle/model/generate.py", transformers=transformers.__version__,
                  torch=torch.__version__, texts=TEXTS, models=records)
    with open(os.path.join(OUT, "oracle.json"), "w") as f:
        json.dump(oracle, f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Reference interpolations for tests/model/tst_interpolate.cpp, computed with torch.

Makes the second model of each pair (the same config as the first, other random weights) and
writes tests/data/model/oracle_interpolation.json with, per pair and alpha, what
(1 - alpha) * A + alpha * B is when torch computes it in float32 and rounds the result once to
the stored dtype (`.to(dtype)`, round to nearest even): the SHA-256 of every tensor's raw
little-endian bytes, its sum and first elements, and transformers' log-likelihoods of the
interpolated model (loaded in float32) on a few texts under the "full" convention (BOS, or EOS
when there is none, then the text; every text token scored).

Pairs:
  llama_mha_untied  -> llama_mha_untied_b   float32 (llama_mha_untied comes from generate.py)
  llama_tiny_bf16_a -> llama_tiny_bf16_b    bfloat16 (rounding matters)
  llama_tiny_fp16_a -> llama_tiny_fp16_b    float16

Run from the repository root, after generate.py:  python3 tests/oracle/model/generate_interpolation.py
Needs torch, transformers (5.x), safetensors. Takes a few seconds.
"""
import hashlib
import json
import os
import shutil

import torch
import transformers
from safetensors.torch import load_file
from transformers import AutoConfig, AutoModelForCausalLM, PreTrainedTokenizerFast

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
OUT = os.path.join(ROOT, "tests", "data", "model")
ALPHAS = [0.25, 0.5]
TEXTS = [
    "The quick brown fox jumps over the lazy dog.",
    "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n",
    "Grüße aus München! Größe, Maß und Öl sind deutsche Wörter.",
    "Numbers: 3.14159, 2.71828, 1.41421, 1.61803 and 42.",
    "Mapping language models via log-likelihood vectors gives a distance close to the KL divergence.",
]
TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json"]
TINY = dict(hidden_size=16, num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=2,
            intermediate_size=32, tie_word_embeddings=False)


def randomise(model, seed):
    """As generate.py: larger random weights than the default init."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 1 and "norm" in name:
                p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=g))
            elif p.dim() == 1:
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(torch.randn(p.shape, generator=g) / p.shape[-1] ** 0.5 * 1.5)


def write_model(config, seed, dtype, folder, tokenizer_from):
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    randomise(model, seed)
    model = model.to(dtype)
    if os.path.isdir(folder):
        shutil.rmtree(folder)
    model.save_pretrained(folder)
    for name in TOKENIZER_FILES:
        shutil.copy(os.path.join(tokenizer_from, name), os.path.join(folder, name))


def weights(folder):
    return load_file(os.path.join(folder, "model.safetensors"))


def raw_bytes(t):
    return t.contiguous().view(torch.uint8).numpy().tobytes()


def interpolate(a, b, alpha):
    """(1 - alpha) * A + alpha * B in float32, rounded once to A's dtype."""
    out = {}
    for name, ta in a.items():
        tb = b[name]
        assert ta.dtype == tb.dtype and ta.shape == tb.shape, name
        out[name] = ((1 - alpha) * ta.float() + alpha * tb.float()).to(ta.dtype)
    return out


def score(model, ids):
    x = torch.tensor([ids])
    with torch.no_grad():
        logits = model(x).logits[0].float()
    logp = torch.log_softmax(logits, dim=-1)
    return sum(logp[t - 1, ids[t]].item() for t in range(1, len(ids)))


def pair_record(name_a, name_b, tok):
    folder_a, folder_b = os.path.join(OUT, name_a), os.path.join(OUT, name_b)
    a, b = weights(folder_a), weights(folder_b)
    config = AutoConfig.from_pretrained(folder_a)
    prefix = config.bos_token_id if config.bos_token_id is not None else config.eos_token_id
    cases = []
    for alpha in ALPHAS:
        mixed = interpolate(a, b, alpha)
        tensors = {}
        for name in sorted(mixed):
            t = mixed[name]
            flat = t.double().flatten()
            tensors[name] = dict(dtype=str(t.dtype).replace("torch.", ""), shape=list(t.shape),
                                 sha256=hashlib.sha256(raw_bytes(t)).hexdigest(),
                                 sum=flat.sum().item(), first=flat[:4].tolist())
        model = AutoModelForCausalLM.from_config(config, dtype=torch.float32).eval()
        missing, unexpected = model.load_state_dict({k: v.float() for k, v in mixed.items()},
                                                    strict=False)
        assert not unexpected and all("rotary" in m for m in missing), (missing, unexpected)
        texts = []
        for text in TEXTS:
            ids_full = [prefix] + tok(text, add_special_tokens=False)["input_ids"]
            texts.append(dict(ids_full=ids_full, ll_full=score(model, ids_full)))
        cases.append(dict(alpha=alpha, tensors=tensors, texts=texts))
    return dict(a=name_a, b=name_b, dtype=str(next(iter(a.values())).dtype).replace("torch.", ""),
                cases=cases)


def main():
    base = os.path.join(OUT, "llama_mha_untied")
    tok = PreTrainedTokenizerFast.from_pretrained(base)
    config = AutoConfig.from_pretrained(base)
    write_model(config, 3001, torch.float32, os.path.join(OUT, "llama_mha_untied_b"), base)
    tiny = transformers.LlamaConfig(vocab_size=config.vocab_size, bos_token_id=config.bos_token_id,
                                    eos_token_id=config.eos_token_id, **TINY)
    for suffix, dtype, seed in (("bf16", torch.bfloat16, 3100), ("fp16", torch.float16, 3200)):
        for side, offset in (("a", 0), ("b", 1)):
            write_model(tiny, seed + offset, dtype,
                        os.path.join(OUT, f"llama_tiny_{suffix}_{side}"), base)
    pairs = [pair_record("llama_mha_untied", "llama_mha_untied_b", tok),
             pair_record("llama_tiny_bf16_a", "llama_tiny_bf16_b", tok),
             pair_record("llama_tiny_fp16_a", "llama_tiny_fp16_b", tok)]
    oracle = dict(generator="tests/oracle/model/generate_interpolation.py",
                  formula="((1 - alpha) * A.float() + alpha * B.float()).to(A.dtype)",
                  transformers=transformers.__version__, torch=torch.__version__, pairs=pairs)
    with open(os.path.join(OUT, "oracle_interpolation.json"), "w") as f:
        json.dump(oracle, f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()

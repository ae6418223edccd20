#!/usr/bin/env python3
"""Reference values for the sampled KL estimator (tests/score/tst_sample_kl.cpp), computed with
transformers and numpy.

For the fixture pair llama_mha_untied (A) and llama_mha_untied_b (B, the same config and
tokenizer, other weights) and a few fixed token sequences (each starts with A's BOS; some end with
its EOS), writes tests/data/score/sample_kl_oracle.json with:
  - per sequence: the ids, log p_A and log p_B (sum over positions 1.. of log softmax of the
    previous position's logits, fp64 from fp32 logits) and the UTF-8 bytes of the decoded text
    (the ids without the BOS and a final EOS);
  - the estimate: mean of log p_A - log p_B and its standard error std(ddof=1)/sqrt(n) in nats per
    sequence; the ratio sum(d) / (ln 2 * sum(bytes)) in bits per byte and its delta-method
    standard error sqrt(sum((d - R b)^2) / (n (n - 1))) / mean(b) / ln 2 with R = sum d / sum b;
  - A's next-token probabilities after BOS alone (for the check of the sampler's first token).

Run from the repository root: ~/.cache/llmap/torch-2.15.0/bin/python \
    tests/oracle/score/generate_sample_kl.py
"""
import json
import math
import os

import numpy as np
import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
MODELS = os.path.join(ROOT, "tests", "data", "model")
OUT = os.path.join(ROOT, "tests", "data", "score", "sample_kl_oracle.json")


def log_prob(model, ids):
    with torch.no_grad():
        logits = model(torch.tensor([ids])).logits[0].double()
    lp = torch.log_softmax(logits, -1)
    return float(sum(lp[t - 1, ids[t]] for t in range(1, len(ids))))


def main():
    a = AutoModelForCausalLM.from_pretrained(os.path.join(MODELS, "llama_mha_untied"),
                                             dtype=torch.float32).eval()
    b = AutoModelForCausalLM.from_pretrained(os.path.join(MODELS, "llama_mha_untied_b"),
                                             dtype=torch.float32).eval()
    tok = AutoTokenizer.from_pretrained(os.path.join(MODELS, "llama_mha_untied"))
    bos, eos = a.config.bos_token_id, a.config.eos_token_id
    texts = ["The cat sat on the mat.", "A model of models", "ok", "Numbers: 1 2 3 4 5 6",
             "héllo wörld", "the the the the the"]
    rng = np.random.default_rng(7)
    sequences = []
    for i, text in enumerate(texts):
        ids = [bos] + tok.encode(text, add_special_tokens=False)
        if i % 2 == 0:
            ids.append(eos)
        sequences.append(ids)
    # Two sequences of arbitrary ids (non-canonical tokenisations, as a sampler may draw).
    for length in (5, 17):
        sequences.append([bos] + [int(x) for x in rng.integers(2, a.config.vocab_size, length)])
    rows = []
    for ids in sequences:
        ended = ids[-1] == eos and len(ids) > 1
        body = ids[1:-1] if ended else ids[1:]
        text = tok.decode(body, skip_special_tokens=False)
        rows.append({"ids": ids, "log_p_a": log_prob(a, ids), "log_p_b": log_prob(b, ids),
                     "bytes": len(text.encode("utf-8"))})
    d = np.array([r["log_p_a"] - r["log_p_b"] for r in rows])
    nb = np.array([r["bytes"] for r in rows], dtype=float)
    n = len(d)
    ratio = d.sum() / nb.sum()
    estimate = {
        "nats_per_sequence": float(d.mean()),
        "nats_std_err": float(d.std(ddof=1) / math.sqrt(n)),
        "bits_per_byte": float(ratio / math.log(2)),
        "bits_per_byte_std_err": float(math.sqrt(((d - ratio * nb) ** 2).sum() / (n * (n - 1)))
                                       / nb.mean() / math.log(2)),
    }
    with torch.no_grad():
        first = torch.softmax(a(torch.tensor([[bos]])).logits[0, -1].double(), -1)
    out = {"model_a": "llama_mha_untied", "model_b": "llama_mha_untied_b", "sequences": rows,
           "estimate": estimate, "first_token_probs_a": [float(p) for p in first]}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
    print(OUT, estimate)


if __name__ == "__main__":
    main()

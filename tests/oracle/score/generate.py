#!/usr/bin/env python3
"""Reference scores for tests/score: texts longer than a model's context, cut at the end.

For the fixture gpt2_small (context 256, tests/data/model), writes tests/data/score/long_texts.json
with, per text and convention, the first 256 token ids and the summed log-likelihood that
transformers gives them ("full": <|endoftext|> + text tokens; "paper": the tokenizer's default
special tokens; both score every position after the first).

Run from the repository root:  python3 tests/oracle/score/generate.py   (a few seconds)
"""
import json
import os

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
MODEL = os.path.join(ROOT, "tests", "data", "model", "gpt2_small")
OUT = os.path.join(ROOT, "tests", "data", "score", "long_texts.json")

TEXTS = [
    " ".join(["The quick brown fox jumps over the lazy dog number %d." % i for i in range(60)]),
    "Grüße aus München! " * 40,
]


def loglik(model, ids):
    with torch.no_grad():
        logp = torch.log_softmax(model(torch.tensor([ids])).logits[0].float(), dim=-1)
    return sum(logp[t - 1, ids[t]].item() for t in range(1, len(ids)))


def main():
    tok = AutoTokenizer.from_pretrained(MODEL)
    model = AutoModelForCausalLM.from_pretrained(MODEL, dtype=torch.float32).eval()
    context = model.config.n_positions
    prefix = model.config.bos_token_id
    out = dict(model="gpt2_small", context=context, texts=[])
    for text in TEXTS:
        full = ([prefix] + tok(text, add_special_tokens=False)["input_ids"])
        paper = tok(text)["input_ids"]
        assert len(full) > context and len(paper) > context
        full, paper = full[:context], paper[:context]
        out["texts"].append(dict(text=text, ids_full=full, ll_full=loglik(model, full),
                                 ids_paper=paper, ll_paper=loglik(model, paper)))
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()

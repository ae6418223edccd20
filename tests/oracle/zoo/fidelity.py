#!/usr/bin/env python3
"""Reference log-likelihoods of trained (not random) models: the three bundled zoo models
(resources/models/*-tiny) on 50 texts of the default text set, computed with transformers under
the "full" convention (the model's BOS before the text when it has one, else <|endoftext|>; every
text token scored). Writes tests/data/zoo/fidelity.json."""
import gzip
import json
import os

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..", "..")
MODELS = ["gpt2-prose-s0-tiny", "llama-code-s0-tiny", "gpt_neox-mixed-s0-tiny"]

texts = []
with gzip.open(os.path.join(ROOT, "resources", "texts", "default.jsonl.gz"), "rt", encoding="utf-8") as f:
    records = [json.loads(line) for line in f]
texts = [records[i] for i in range(0, len(records), len(records) // 50)][:50]

out = {"convention": "full", "texts": [{"id": t["id"], "text": t["text"]} for t in texts], "models": []}
torch.manual_seed(0)
for name in MODELS:
    folder = os.path.join(ROOT, "resources", "models", name)
    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, torch_dtype=torch.float32).eval()
    prefix = tok.bos_token_id if tok.bos_token_id is not None else tok.convert_tokens_to_ids("<|endoftext|>")
    scores, tokens = [], []
    for t in texts:
        ids = [prefix] + tok.encode(t["text"], add_special_tokens=False)
        ids = ids[: model.config.max_position_embeddings]
        with torch.no_grad():
            logits = model(torch.tensor([ids])).logits[0].double()
        logp = torch.log_softmax(logits[:-1], dim=-1)
        target = torch.tensor(ids[1:])
        scores.append(float(logp[torch.arange(len(target)), target].sum()))
        tokens.append(len(ids) - 1)
    out["models"].append({"name": name, "prefix_id": prefix, "loglik": scores, "tokens": tokens})
with open(os.path.join(ROOT, "tests", "data", "zoo", "fidelity.json"), "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False, indent=1)

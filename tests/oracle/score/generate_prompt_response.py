#!/usr/bin/env python3
"""Reference scores for prompt-response sets (P3): tests/data/score/prompt_response.json.

For the fixtures llama_mha_untied (its tokenizer puts <s> first) and gpt2_small (its tokenizer adds
nothing), and each pair of PAIRS:
  - "conditional": the prompt with the tokenizer's default special tokens, then the response
    without any; the sum of log p over the response's tokens only, and each of those values;
  - "marginal": the response alone after the model's BOS token (config.bos_token_id); the sum of
    log p over every response token.
transformers computes each pair on its own (batch 1, fp32). gpt2_small's context is 256 tokens: the
long pair is cut at the end there, which the test checks as a truncated text.

Run from the repository root:  python3 tests/oracle/score/generate_prompt_response.py  (seconds)
"""
import json
import os

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
MODELS = ["llama_mha_untied", "gpt2_small"]
OUT = os.path.join(ROOT, "tests", "data", "score", "prompt_response.json")

PAIRS = [
    {"id": "capital", "prompt": "Question: What is the capital of France?\nAnswer:",
     "response": " The capital of France is Paris."},
    {"id": "poem", "prompt": "Write one line about the sea.", "response": "\nWaves fold over "
     "grey stones, and the gulls cry above them."},
    {"id": "umlaut", "prompt": "Übersetze: good morning", "response": " Guten Morgen! Schöne Grüße."},
    {"id": "code", "prompt": "def add(a, b):\n", "response": "    return a + b\n"},
    {"id": "long", "prompt": "Repeat the sentence many times: the cat sat on the mat.",
     "response": " the cat sat on the mat." * 70},
]


def log_probs(model, ids):
    with torch.no_grad():
        logp = torch.log_softmax(model(torch.tensor([ids])).logits[0].float(), dim=-1)
    return [logp[t - 1, ids[t]].item() for t in range(1, len(ids))]


def main():
    out = {"pairs": PAIRS, "models": {}}
    for name in MODELS:
        folder = os.path.join(ROOT, "tests", "data", "model", name)
        tok = AutoTokenizer.from_pretrained(folder)
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
        context = getattr(model.config, "max_position_embeddings", None) or model.config.n_positions
        rows = []
        for pair in PAIRS:
            prompt = tok(pair["prompt"])["input_ids"]
            response = tok(pair["response"], add_special_tokens=False)["input_ids"]
            ids = (prompt + response)[:context]
            scored = log_probs(model, ids)[len(prompt) - 1:]
            marginal_ids = ([model.config.bos_token_id] + response)[:context]
            rows.append({
                "id": pair["id"],
                "prompt_ids": prompt,
                "ids": ids,
                "truncated": len(prompt) + len(response) > context,
                "conditional": sum(scored),
                "conditional_tokens": scored,
                "marginal_ids": marginal_ids,
                "marginal": sum(log_probs(model, marginal_ids)),
            })
        out["models"][name] = {"context": context, "pairs": rows}
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()

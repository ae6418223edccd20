#!/usr/bin/env python3
"""Baseline for bench_model_forward: the same per-token log-probs with transformers.

Usage: bench_transformers.py DIR [batch] [tokens] [repeats] [threads]
       bench_transformers.py --make DIR   (a random Llama-shaped model: 8 layers, hidden 512,
                                            GQA 8/2 heads, vocab 32000, fp32, about 150 MB)
"""
import sys
import time

import torch
from transformers import AutoModelForCausalLM, LlamaConfig


def make(folder):
    torch.manual_seed(0)
    config = LlamaConfig(hidden_size=512, intermediate_size=1408, num_hidden_layers=8,
                         num_attention_heads=8, num_key_value_heads=2, vocab_size=32000,
                         max_position_embeddings=2048)
    AutoModelForCausalLM.from_config(config).save_pretrained(folder)
    with open(folder + "/tokenizer.json", "w") as f:
        f.write('{"model": {"type": "BPE", "vocab": {}, "merges": []}}')


def main():
    if sys.argv[1] == "--make":
        make(sys.argv[2])
        return
    folder = sys.argv[1]
    batch = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    tokens = int(sys.argv[3]) if len(sys.argv) > 3 else 256
    repeats = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    torch.set_num_threads(int(sys.argv[5]) if len(sys.argv) > 5 else 2)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32).eval()
    ids = torch.randint(model.config.vocab_size, (batch, tokens))
    mask = torch.ones_like(ids)

    def run():
        with torch.inference_mode():
            logits = model(ids, attention_mask=mask).logits.float()
            lp = torch.log_softmax(logits[:, :-1], -1).gather(-1, ids[:, 1:, None])
        return lp.sum().item()

    run()
    start = time.perf_counter()
    for _ in range(repeats):
        run()
    s = (time.perf_counter() - start) / repeats
    print(f"transformers {torch.__version__}: {batch}x{tokens} tokens: {s * 1000:.1f} ms, "
          f"{batch * tokens / s:.0f} tokens/s")


if __name__ == "__main__":
    main()

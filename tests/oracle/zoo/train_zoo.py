#!/usr/bin/env python3
"""Trains LLMap's demo zoo: small causal language models on mixes of the default text sources.

Every model is an ordinary Hugging Face folder (config.json, model.safetensors, tokenizer.json and
tokenizer_config.json) that `transformers` and LLMap load alike. The zoo varies what a model map
should show:
  architecture  llama, gpt2, gpt_neox
  corpus        the training mix: prose (speeches + fiction), code (code + docs), reference
                (foldoc + jargon), multilingual (udhr), mixed (all seven sources)
  seed          0 for every architecture x mix; 1 as well for the llama runs
  step          checkpoints along training for two runs (llama/prose/0 and gpt_neox/code/0)
  size          hidden 64, 2 layers; three "tiny" runs with hidden 32, 1 layer (small enough to ship)

All models share one byte-level BPE tokenizer (2,048 tokens) trained on the union of the training
documents. Documents are split by a hash of their id: one in ten is held out. Each model's
perplexity on held-out text of its own mix is compared with a unigram model of the same training
text (tokens/s and both perplexities are recorded in perplexities.json); every model must beat it.

Inputs: resources/texts/corpora/*.jsonl.gz (committed). Outputs: the model folders under --out
(default ~/.cache/llmap/zoo), and, next to this script, zoo_models.json (architecture, corpus,
seed, step, parameters per model) and perplexities.json. Runs train two at a time, one
thread each (faster than two threads per run for models this small).

  python3 tests/oracle/zoo/train_zoo.py [--out DIR] [--steps N] [--only NAME ...]
"""
import argparse
import gzip
import hashlib
import json
import math
import multiprocessing
import os
import pathlib
import random
import time

import numpy as np
import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
import transformers
from transformers import (GPT2Config, GPT2LMHeadModel, GPTNeoXConfig, GPTNeoXForCausalLM,
                          LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast)

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[2]
CORPORA = ROOT / "resources" / "texts" / "corpora"

SOURCES = ["speeches", "fiction", "udhr", "code", "docs", "foldoc", "jargon"]
MIXES = {
    "prose": ["speeches", "fiction"],
    "code": ["code", "docs"],
    "reference": ["foldoc", "jargon"],
    "multilingual": ["udhr"],
    "mixed": SOURCES,
}
ARCHITECTURES = ["llama", "gpt2", "gpt_neox"]
VOCAB = 2048
CONTEXT = 1024  # trained sequence length: a default text (<= 1,024 bytes) fits whole
POSITIONS = 1088  # room for a BOS in front of a text that is one token per byte
BATCH = 1
SPECIALS = ["<|endoftext|>", "<s>", "</s>"]  # ids 0, 1, 2
EOT, BOS, EOS = 0, 1, 2


def runs(steps):
    """(name, architecture, mix, seed, size, checkpoint steps) of every training run."""
    out = []
    for mix in MIXES:
        for arch in ARCHITECTURES:
            out.append((f"{arch}-{mix}-s0", arch, mix, 0, "base"))
        out.append((f"llama-{mix}-s1", "llama", mix, 1, "base"))
    out.append(("gpt2-prose-s0-tiny", "gpt2", "prose", 0, "tiny"))
    out.append(("llama-code-s0-tiny", "llama", "code", 0, "tiny"))
    out.append(("gpt_neox-mixed-s0-tiny", "gpt_neox", "mixed", 0, "tiny"))
    checkpoints = {"llama-prose-s0": [steps // 16, steps // 8, steps // 4, steps // 2],
                   "gpt_neox-code-s0": [steps // 16, steps // 8, steps // 4, steps // 2]}
    return [(name, arch, mix, seed, size, checkpoints.get(name, []))
            for name, arch, mix, seed, size in out]


def load_documents():
    """{source: (train documents, held-out documents)}; one document in ten is held out."""
    split = {}
    for source in SOURCES:
        train, held = [], []
        with gzip.open(CORPORA / f"{source}.jsonl.gz", "rt", encoding="utf-8") as f:
            for line in f:
                doc = json.loads(line)
                digest = hashlib.sha256((source + "/" + doc["id"]).encode()).digest()
                (held if digest[0] % 10 == 0 else train).append(doc["text"])
        split[source] = (train, held)
    return split


def train_tokenizer(split):
    """Byte-level BPE on up to 1 MB of training text per source (the same text every time)."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=VOCAB, special_tokens=SPECIALS, min_frequency=2,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    sample = []
    for source in SOURCES:
        budget = 1_000_000
        for text in split[source][0]:
            if budget <= 0:
                break
            sample.append(text[:budget])
            budget -= len(text)
    tokenizer.train_from_iterator(sample, trainer=trainer)
    return tokenizer


def hf_tokenizer(tokenizer, arch):
    """The shared vocabulary; llama folders add <s> in front of every text, as Llama does."""
    tok = Tokenizer.from_str(tokenizer.to_str())
    if arch == "llama":
        tok.post_processor = processors.TemplateProcessing(
            single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", BOS)])
        return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>",
                                       unk_token=None, model_max_length=POSITIONS)
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|endoftext|>",
                                   eos_token="<|endoftext|>", model_max_length=POSITIONS)


def token_streams(tokenizer, split):
    """{source: (train ids, held-out ids)}: documents encoded and joined by a separator marker."""
    streams = {}
    for source in SOURCES:
        parts = []
        for docs in split[source]:
            encoded = tokenizer.encode_batch(docs)
            ids = []
            for e in encoded:
                ids.append(-1)  # the document separator, replaced per architecture
                ids.extend(e.ids)
            parts.append(np.array(ids, dtype=np.int64))
        streams[source] = tuple(parts)
    return streams


def with_separators(ids, arch):
    """Llama: <s> before each document; gpt2/gpt_neox: <|endoftext|> between documents."""
    out = ids.copy()
    out[out == -1] = BOS if arch == "llama" else EOT
    return out


def make_model(arch, size, seed):
    torch.manual_seed(seed)
    hidden, layers = (64, 2) if size == "base" else (32, 1)
    heads = 4
    if arch == "llama":
        config = LlamaConfig(vocab_size=VOCAB, hidden_size=hidden, intermediate_size=hidden * 3,
                             num_hidden_layers=layers, num_attention_heads=heads,
                             num_key_value_heads=heads, max_position_embeddings=POSITIONS,
                             bos_token_id=BOS, eos_token_id=EOS, tie_word_embeddings=True,
                             attn_implementation="sdpa")
        return LlamaForCausalLM(config)
    if arch == "gpt2":
        config = GPT2Config(vocab_size=VOCAB, n_positions=POSITIONS, n_embd=hidden,
                            n_layer=layers, n_head=heads, bos_token_id=EOT, eos_token_id=EOT,
                            attn_implementation="sdpa")
        return GPT2LMHeadModel(config)
    config = GPTNeoXConfig(vocab_size=VOCAB, hidden_size=hidden, num_hidden_layers=layers,
                           num_attention_heads=heads, intermediate_size=hidden * 4,
                           max_position_embeddings=POSITIONS, rotary_pct=0.25,
                           bos_token_id=EOT, eos_token_id=EOT, tie_word_embeddings=False,
                           attn_implementation="sdpa")
    return GPTNeoXForCausalLM(config)


def batch_of(streams, mix, arch, rng):
    """BATCH windows of CONTEXT tokens: a source of the mix chosen uniformly, then a position."""
    rows = []
    for _ in range(BATCH):
        ids = streams[rng.choice(MIXES[mix])]
        start = rng.randrange(0, len(ids) - CONTEXT)
        rows.append(ids[start:start + CONTEXT])
    return torch.from_numpy(np.stack(rows))


def held_out_windows(streams, mix, per_source=8):
    """Fixed held-out windows: evenly spaced in each source of the mix."""
    rows = []
    for source in MIXES[mix]:
        ids = streams[source]
        step = max(1, (len(ids) - CONTEXT) // per_source)
        rows += [ids[i:i + CONTEXT] for i in range(0, len(ids) - CONTEXT, step)][:per_source]
    return torch.from_numpy(np.stack(rows))


def unigram_log_probs(train_streams, mix):
    """Token frequencies of the training text (sources weighted equally, add-0.5 smoothing)."""
    probs = np.zeros(VOCAB)
    for source in MIXES[mix]:
        counts = np.bincount(train_streams[source], minlength=VOCAB).astype(np.float64) + 0.5
        probs += counts / counts.sum()
    return np.log(probs / len(MIXES[mix]))


@torch.no_grad()
def perplexity(model, windows):
    model.eval()
    total = 0.0
    for part in windows.split(4):
        logits = model(part).logits.float()
        total += torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, VOCAB),
                                                   part[:, 1:].reshape(-1), reduction="sum").item()
    model.train()
    return math.exp(total / (windows.shape[0] * (windows.shape[1] - 1)))


def save(model, tokenizer, arch, folder):
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder, safe_serialization=True)
    hf_tokenizer(tokenizer, arch).save_pretrained(folder)


def train_run(run, tokenizer, streams, steps, out_dir):
    name, arch, mix, seed, size, checkpoints = run
    train = {s: with_separators(streams[s][0], arch) for s in MIXES[mix]}
    held = {s: with_separators(streams[s][1], arch) for s in MIXES[mix]}
    windows = held_out_windows(held, mix)
    unigram = unigram_log_probs(train, mix)
    unigram_ppl = math.exp(-unigram[windows[:, 1:].numpy()].mean())

    model = make_model(arch, size, seed)
    parameters = sum(p.numel() for p in model.parameters())
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    warmup = max(1, steps // 20)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(
        (s + 1) / warmup, 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps))))
    rng = random.Random(seed * 1000 + 17)
    records = []
    start = time.time()
    model.train()
    for step in range(1, steps + 1):
        batch = batch_of(train, mix, arch, rng)
        loss = model(batch, labels=batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad(set_to_none=True)
        if step in checkpoints or step == steps:
            final = step == steps
            folder_name = name if final else f"{name}-step{step}"
            save(model, tokenizer, arch, out_dir / folder_name)
            records.append({"name": folder_name, "architecture": arch, "corpus": mix,
                            "seed": seed, "step": step, "final": final, "size": size,
                            "parameters": parameters,
                            "hidden_size": model.config.hidden_size,
                            "layers": model.config.num_hidden_layers,
                            "held_out_perplexity": round(perplexity(model, windows), 4),
                            "unigram_perplexity": round(unigram_ppl, 4)})
    seconds = time.time() - start
    tokens_per_second = steps * BATCH * CONTEXT / seconds
    for r in records:
        r["train_seconds"] = round(seconds, 1)
        r["train_tokens_per_second"] = round(tokens_per_second)
    last = records[-1]
    print(f"{name:28} {parameters:8} params  ppl {last['held_out_perplexity']:8.2f}  "
          f"unigram {unigram_ppl:8.2f}  {seconds:5.1f} s", flush=True)
    return records


_SHARED = {}


def _train_in_worker(run):
    """Runs in a forked worker: one thread each (tiny models train faster that way)."""
    torch.set_num_threads(1)
    return train_run(run, _SHARED["tokenizer"], _SHARED["streams"], _SHARED["steps"],
                     _SHARED["out"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=os.path.expanduser("~/.cache/llmap/zoo"))
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--only", nargs="*", help="train only these runs (no records written)")
    parser.add_argument("--jobs", type=int, default=2, help="runs trained at once (one core each)")
    args = parser.parse_args()
    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    out_dir = pathlib.Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)

    began = time.time()
    split = load_documents()
    tokenizer = train_tokenizer(split)
    streams = token_streams(tokenizer, split)
    print(f"tokenizer and data ready in {time.time() - began:.1f} s", flush=True)

    _SHARED.update(tokenizer=tokenizer, streams=streams, steps=args.steps, out=out_dir)
    todo = [run for run in runs(args.steps) if not args.only or run[0] in args.only]
    with multiprocessing.get_context("fork").Pool(args.jobs) as pool:
        records = [r for rs in pool.imap(_train_in_worker, todo) for r in rs]
    total = time.time() - began
    print(f"{len(records)} models in {total:.0f} s", flush=True)
    if args.only:
        return
    worse = [r["name"] for r in records if r["final"]
             and r["held_out_perplexity"] >= r["unigram_perplexity"]]
    keys = ["name", "architecture", "corpus", "seed", "step", "final", "size", "parameters",
            "hidden_size", "layers"]
    (HERE / "zoo_models.json").write_text(json.dumps(
        [{k: r[k] for k in keys} for r in records], indent=1) + "\n")
    (HERE / "perplexities.json").write_text(json.dumps({
        "held_out": "one document in ten of each source (by a hash of its id); 8 windows of "
                    f"{CONTEXT} tokens per source of the model's mix",
        "unigram": "token frequencies of the mix's training text, sources weighted equally, "
                   "add-0.5 smoothing",
        "steps": args.steps, "batch": BATCH, "context": CONTEXT, "vocabulary": VOCAB,
        "total_seconds": round(total), "parallel_runs": args.jobs, "threads_per_run": 1,
        "models": [{k: r[k] for k in ("name", "held_out_perplexity", "unigram_perplexity",
                                      "train_seconds", "train_tokens_per_second")}
                   for r in records]}, indent=1) + "\n")
    if worse:
        raise SystemExit("not better than the unigram model: " + ", ".join(worse))


if __name__ == "__main__":
    main()

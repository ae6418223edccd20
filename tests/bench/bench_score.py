#!/usr/bin/env python3
"""Scoring speed: llmap-cli score against two Hugging Face transformers baselines.

  paper  the paper's procedure: batch 1, full log_softmax over [T, V], a Python loop over tokens
  tuned  batched (length-sorted, right-padded, attention mask, padded-token budget as LLMap's
         automatic one), logits gathered at the targets minus logsumexp
  llmap  llmap-cli score --device cpu --dtype fp32 (scoring time from the project's provenance,
         without loading the weights, as for the baselines)

Same machine, same run, same texts, same dtype, on random-initialised models: "tiny" (Llama-style,
~2M parameters), "gpt2-small" (GPT-2 124M) and "llama-100m" (Llama-style, ~100M). Each method runs
in its own process, so its peak RSS is its own. Also measures the machine's fp32 matmul FLOP/s with
the same thread count, so the model FLOP utilisation (MFU) of each method is known.

  python3 tests/bench/bench_score.py [--cli build/release/app/llmap-cli] [--texts 12] [--repeats 2]
                                     [--dtype fp32|bf16] [--models tiny,gpt2-small,llama-100m]

Prints a Markdown table (tokens/s: the median of --repeats interleaved runs, each method run back
to back with the others, so that a varying load on a shared machine hits all of them alike). About ten minutes on
2 cores.
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "tests", "data", "model")

CONFIGS = {
    "tiny": ("llama", "llama_mha_untied",
             dict(hidden_size=128, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=4,
                  intermediate_size=352, vocab_size=8000, max_position_embeddings=2048)),
    "gpt2-small": ("gpt2", "gpt2_small",
                   dict(n_embd=768, n_layer=12, n_head=12, n_positions=1024, vocab_size=50257)),
    "llama-100m": ("llama", "llama_mha_untied",
                   dict(hidden_size=768, num_hidden_layers=10, num_attention_heads=12,
                        num_key_value_heads=12, intermediate_size=2048, vocab_size=32000,
                        max_position_embeddings=2048, tie_word_embeddings=False)),
}


def make_model(name, folder):
    import torch
    import transformers
    model_type, tokenizer_from, kwargs = CONFIGS[name]
    config_class = transformers.AutoConfig.for_model(model_type).__class__
    fixture_config = json.load(open(os.path.join(FIXTURES, tokenizer_from, "config.json")))
    config = config_class(bos_token_id=fixture_config.get("bos_token_id"),
                          eos_token_id=fixture_config.get("eos_token_id"), **kwargs)
    torch.manual_seed(0)
    model = transformers.AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.save_pretrained(folder)
    # The fixture's small byte-level BPE tokenizer: ids stay below the model's vocabulary, whose
    # full size still sets the cost of the output layer.
    for f in os.listdir(os.path.join(FIXTURES, tokenizer_from)):
        if f.startswith("tokenizer") or f == "special_tokens_map.json":
            shutil.copy(os.path.join(FIXTURES, tokenizer_from, f), folder)
    return sum(p.numel() for p in model.parameters())


def make_texts(count, path):
    """`count` texts of 300 to 1,024 bytes cut from the oracle's sentences (seeded)."""
    base = json.load(open(os.path.join(FIXTURES, "oracle.json")))["texts"]
    rng = random.Random(1)
    texts = []
    for _ in range(count):
        target = rng.randint(300, 1024)
        text = ""
        while len(text.encode()) < target:
            text += rng.choice(base) + " "
        texts.append(text.encode()[:target].decode("utf-8", "ignore"))
    with open(path, "w") as f:
        for i, t in enumerate(texts):
            f.write(json.dumps({"id": str(i), "text": t}, ensure_ascii=False) + "\n")
    return texts


def load_texts(path):
    return [json.loads(line)["text"] for line in open(path)]


def hf_model(folder, dtype):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    torch_dtype = {"fp32": torch.float32, "bf16": torch.bfloat16}[dtype]
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch_dtype).eval()
    return model, AutoTokenizer.from_pretrained(folder)


def context_of(model):
    c = model.config
    return getattr(c, "max_position_embeddings", None) or getattr(c, "n_positions")


def run_paper(folder, texts, dtype):
    import torch
    model, tok = hf_model(folder, dtype)
    ctx = context_of(model)
    tokens = 0
    start = time.perf_counter()
    with torch.no_grad():
        for text in texts:
            ids = tok(text)["input_ids"][:ctx]
            logits = model(torch.tensor([ids])).logits[0]
            logp = torch.log_softmax(logits.float(), dim=-1)
            ll = 0.0
            for t in range(1, len(ids)):
                ll += logp[t - 1, ids[t]].item()
            tokens += len(ids) - 1
    return tokens, time.perf_counter() - start


def run_tuned(folder, texts, dtype, budget=4096):
    import torch
    model, tok = hf_model(folder, dtype)
    ctx = context_of(model)
    prefix = model.config.bos_token_id if model.config.bos_token_id is not None else model.config.eos_token_id
    tokens = 0
    start = time.perf_counter()
    seqs = [([prefix] + tok(t, add_special_tokens=False)["input_ids"])[:ctx] for t in texts]
    seqs.sort(key=len, reverse=True)
    with torch.no_grad():
        i = 0
        while i < len(seqs):
            n = max(1, budget // len(seqs[i]))
            batch = seqs[i:i + n]
            i += n
            T = len(batch[0])
            ids = torch.zeros(len(batch), T, dtype=torch.long)
            mask = torch.zeros(len(batch), T, dtype=torch.long)
            for b, s in enumerate(batch):
                ids[b, :len(s)] = torch.tensor(s)
                mask[b, :len(s)] = 1
            logits = model(ids, attention_mask=mask).logits[:, :-1].float()
            targets = ids[:, 1:]
            lp = logits.gather(2, targets.unsqueeze(2)).squeeze(2) - torch.logsumexp(logits, dim=-1)
            lp = (lp * mask[:, 1:]).sum(1).tolist()
            tokens += int(mask[:, 1:].sum())
    return tokens, time.perf_counter() - start


def run_llmap(cli, folder, texts_path, dtype, workdir):
    import h5py
    project = os.path.join(workdir, "bench.h5")
    if os.path.exists(project):
        os.remove(project)
    subprocess.run([cli, "score", "--project", project, "--texts", texts_path, "--model", folder,
                    "--device", "cpu", "--dtype", dtype], check=True, stderr=subprocess.DEVNULL)
    with h5py.File(project, "r") as f:
        runs = [json.loads(r) for r in f["provenance/runs"][()]]
    record = [r for r in runs if r.get("action") == "score"][-1]
    return record["tokens"], record["seconds"] - record["load_seconds"]


def matmul_flops(seconds=3.0, n=2048):
    import torch
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    reps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        a @ b
        reps += 1
    return 2 * n ** 3 * reps / (time.perf_counter() - start)


def openblas_flops(seconds=3.0, n=2048):
    """fp32 matmul FLOP/s of the OpenBLAS that Debian's libtorch calls (None when absent)."""
    import ctypes
    import numpy as np
    path = "/usr/lib/x86_64-linux-gnu/libopenblas.so.0"
    if not os.path.exists(path):
        return None
    sgemm = ctypes.CDLL(os.path.realpath(path)).cblas_sgemm
    a, b = np.random.rand(n, n).astype(np.float32), np.random.rand(n, n).astype(np.float32)
    c = np.zeros((n, n), dtype=np.float32)
    ptr = lambda x: x.ctypes.data_as(ctypes.c_void_p)
    one, zero = ctypes.c_float(1.0), ctypes.c_float(0.0)
    call = lambda: sgemm(101, 111, 111, n, n, n, one, ptr(a), n, ptr(b), n, zero, ptr(c), n)
    call()
    reps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        call()
        reps += 1
    return 2 * n ** 3 * reps / (time.perf_counter() - start)


def child(args):
    """One method in this process; prints JSON with tokens, seconds and peak RSS."""
    if args.method == "paper":
        tokens, seconds = run_paper(args.folder, load_texts(args.texts_path), args.dtype)
    elif args.method == "tuned":
        tokens, seconds = run_tuned(args.folder, load_texts(args.texts_path), args.dtype)
    elif args.method == "flops":
        print(json.dumps({"flops": matmul_flops(), "openblas": openblas_flops()}))
        return
    else:
        raise SystemExit("unknown method")
    print(json.dumps({"tokens": tokens, "seconds": seconds}))


def run_measured(cmd):
    """Runs cmd in a child and returns (stdout, peak RSS MB) from wait4."""
    pid = os.fork()
    if pid == 0:
        fd = os.open(os.path.join(tempfile.gettempdir(), f"bench_score_{os.getpid()}.out"),
                     os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(fd, 1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.execvp(cmd[0], cmd)
    _, status, usage = os.wait4(pid, 0)
    out_path = os.path.join(tempfile.gettempdir(), f"bench_score_{pid}.out")
    out = open(out_path).read()
    os.remove(out_path)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed ({status}): {' '.join(cmd)}")
    return out, usage.ru_maxrss / 1024.0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--cli", default=os.path.join(ROOT, "build", "release", "app", "llmap-cli"))
    p.add_argument("--texts", type=int, default=12)
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--dtype", default="fp32", choices=["fp32", "bf16"])
    p.add_argument("--models", default="tiny,gpt2-small,llama-100m")
    p.add_argument("--method")
    p.add_argument("--folder")
    p.add_argument("--texts-path")
    args = p.parse_args()
    if args.method:
        return child(args)

    work = tempfile.mkdtemp(prefix="bench_score_")
    try:
        texts_path = os.path.join(work, "texts.jsonl")
        make_texts(args.texts, texts_path)
        peak = {"flops": 0.0, "openblas": 0.0}

        def measure_matmul():  # best of several moments, like the methods
            out, _ = run_measured([sys.executable, __file__, "--method", "flops"])
            for key, value in json.loads(out).items():
                peak[key] = max(peak[key], value or 0.0)

        measure_matmul()
        table = []
        for name in args.models.split(","):
            folder = os.path.join(work, name)
            params = make_model(name, folder)
            weights_mb = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder)
                             if f.endswith(".safetensors")) / 2 ** 20
            # FLOPs per scored token: 2 per weight of every matrix (embedding lookups excluded,
            # the output layer included).
            import transformers
            cfg = transformers.AutoConfig.from_pretrained(folder)
            hidden = getattr(cfg, "hidden_size", None) or cfg.n_embd
            embed = cfg.vocab_size * hidden
            tied = getattr(cfg, "tie_word_embeddings", True)
            positions = 1024 * hidden if name == "gpt2-small" else 0
            flops_per_token = 2 * (params - positions - (0 if tied else embed))
            rows = {}
            # Interleaved repeats, median of each: the machine may be shared, and its load varies.
            for method in ("paper", "tuned", "llmap") * args.repeats:
                if method == "llmap":
                    cmd = [sys.executable, "-c",
                           "import sys,json;sys.path.insert(0,%r);import bench_score as b;"
                           "t,s=b.run_llmap(%r,%r,%r,%r,%r);print(json.dumps({'tokens':t,'seconds':s}))"
                           % (os.path.dirname(os.path.abspath(__file__)), args.cli, folder,
                              texts_path, args.dtype, work)]
                else:
                    cmd = [sys.executable, __file__, "--method", method, "--folder", folder,
                           "--texts-path", texts_path, "--dtype", args.dtype]
                out, rss = run_measured(cmd)
                r = json.loads(out.strip().splitlines()[-1])
                tps = r["tokens"] / r["seconds"]
                runs = rows.setdefault(method, [])
                runs.append((r["tokens"], tps, rss))
            for method, runs in rows.items():
                speeds = sorted(run[1] for run in runs)
                middle = len(speeds) // 2
                median = speeds[middle] if len(speeds) % 2 else (speeds[middle - 1] + speeds[middle]) / 2
                rows[method] = (runs[0][0], median, max(run[2] for run in runs))
            measure_matmul()
            table.append((name, params, weights_mb, flops_per_token, rows))
        flops = peak["flops"]
        blas = peak["openblas"] or flops
        print(f"machine: {os.cpu_count()} CPUs; fp32 matmul 2048^3: {flops / 1e9:.1f} GFLOP/s with "
              f"torch {__import__('torch').__version__} (the baselines' BLAS), "
              f"{blas / 1e9:.1f} GFLOP/s with the system OpenBLAS (Debian libtorch's BLAS), best of "
              f"{len(table) + 1} measurements; {args.texts} texts of 300-1,024 bytes; dtype "
              f"{args.dtype}; tokens/s median of {args.repeats} interleaved runs\n")
        print("| model | parameters | weights MB | method | tokens | tokens/s | vs paper | vs tuned "
              "| MFU (own BLAS) | peak RSS MB |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for name, params, weights_mb, flops_per_token, rows in table:
            for method in ("paper", "tuned", "llmap"):
                tokens, tps, rss = rows[method]
                mfu = tps * flops_per_token / (blas if method == "llmap" else flops)
                print(f"| {name} | {params / 1e6:.1f} M | {weights_mb:.0f} | {method} | {tokens} | "
                      f"{tps:.0f} | {tps / rows['paper'][1]:.2f}x | {tps / rows['tuned'][1]:.2f}x | "
                      f"{100 * mfu:.0f} % | {rss:.0f} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

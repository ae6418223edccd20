#!/usr/bin/env python3
"""Tokenizer throughput: LLMap against Hugging Face `tokenizers`, one thread each, same texts.

Builds the default-size workload (10,000 texts of about 1 KB, seeded windows of the corpus
excerpts in tests/data/tokenize/corpora), encodes it with LLMap (build/release bench_tokenize) and
with HF tokenizers (RAYON_NUM_THREADS=1), checks that both give the same ids, and reports texts/s
and MB/s for each, plus the load time of the 11 MB Qwen3 tokenizer.json.

Usage: python3 tests/bench/bench_tokenize.py [--build build/release] [--texts 10000]
"""
import argparse
import gzip
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

os.environ["RAYON_NUM_THREADS"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "false"

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(ROOT, "tests", "data", "tokenize")


def workload(n, size=1024, seed=7):
    corp = os.path.join(DATA, "corpora")
    parts = [open(os.path.join(corp, f), encoding="utf-8").read()
             for f in ("sotu.txt", "moby-dick.txt", "textwrap.py.txt")]
    for line in open(os.path.join(corp, "udhr.jsonl"), encoding="utf-8"):
        parts.append("\n".join(json.loads(line)["paragraphs"]))
    body = "\n\n".join(parts)
    rnd = random.Random(seed)
    texts = []
    for _ in range(n):
        start = rnd.randrange(0, len(body) - size)
        texts.append(body[start:start + size // 2 + rnd.randrange(size)])  # ~1 KB on average
    return texts


def digest(all_ids):
    d, count = 0, 0
    for ids in all_ids:
        for i in ids:
            d = (d * 1000003 + i) % (1 << 64)
            count += 1
    return str(d), count


def hf_run(path, texts, special):
    from tokenizers import Tokenizer
    t0 = time.perf_counter()
    tok = Tokenizer.from_file(path)
    t1 = time.perf_counter()
    encode = getattr(tok, "encode_batch_fast", tok.encode_batch)
    out = encode(texts, add_special_tokens=special)
    t2 = time.perf_counter()
    d, count = digest([e.ids for e in out])
    return {"load_s": t1 - t0, "encode_s": t2 - t1, "ids": count, "digest": d}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "release"))
    ap.add_argument("--texts", type=int, default=10000)
    args = ap.parse_args()
    exe = os.path.join(args.build, "tests", "tokenize", "bench_tokenize")
    if not os.path.exists(exe):
        sys.exit(f"{exe} is missing: cmake --build --preset release --target bench_tokenize")
    tmp = tempfile.mkdtemp()
    try:
        texts = workload(args.texts)
        mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
        texts_path = os.path.join(tmp, "texts.jsonl")
        with open(texts_path, "w", encoding="utf-8") as f:
            for t in texts:
                f.write(json.dumps({"text": t}, ensure_ascii=False) + "\n")
        cases = [("qwen3 (byte-level BPE, 151k)", os.path.join(DATA, "qwen3", "tokenizer.json.gz")),
                 ("bpe-metaspace-fallback (trained)", os.path.join(DATA, "oracle", "bpe-metaspace-fallback", "tokenizer.json.gz")),
                 ("unigram-metaspace (trained)", os.path.join(DATA, "oracle", "unigram-metaspace", "tokenizer.json.gz")),
                 ("wordpiece-bert (trained)", os.path.join(DATA, "oracle", "wordpiece-bert", "tokenizer.json.gz"))]
        print(f"workload: {len(texts)} texts, {mb:.2f} MB; one thread each")
        print(f"{'tokenizer':36} {'LLMap texts/s':>14} {'MB/s':>7} {'HF texts/s':>12} {'MB/s':>7} {'ratio':>6} {'same ids':>8}")
        for name, gz in cases:
            folder = os.path.join(tmp, os.path.basename(os.path.dirname(gz)))
            os.makedirs(folder, exist_ok=True)
            plain = os.path.join(folder, "tokenizer.json")
            with gzip.open(gz) as src, open(plain, "wb") as dst:
                shutil.copyfileobj(src, dst)
            ours = json.loads(subprocess.run([exe, plain, texts_path], check=True, capture_output=True,
                                             text=True).stdout)
            hf = hf_run(plain, texts, False)
            same = ours["digest"] == hf["digest"] and ours["ids"] == hf["ids"]
            print(f"{name:36} {len(texts) / ours['encode_s']:14.0f} {mb / ours['encode_s']:7.2f} "
                  f"{len(texts) / hf['encode_s']:12.0f} {mb / hf['encode_s']:7.2f} "
                  f"{hf['encode_s'] / ours['encode_s']:6.2f} {str(same):>8}")
            if name.startswith("qwen3"):
                size = os.path.getsize(plain) / 1e6
                print(f"  load of the {size:.1f} MB tokenizer.json: LLMap {ours['load_s']:.3f} s, HF {hf['load_s']:.3f} s")
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()

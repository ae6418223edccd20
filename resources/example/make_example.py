#!/usr/bin/env python3
"""Builds LLMap's small example project inputs: 200 texts and a synthetic 50-model score matrix.

The texts are public-domain excerpts (US State of the Union addresses and Moby-Dick). The scores are
synthetic, not measured: five made-up model families, ten models each, whose log-likelihood per text
is (bytes of the text) x (a per-family, per-source rate) plus model-level and text-level noise. They
exist to show the map and the tools until real models are scored; the families separate on the map.

Usage: make_example.py SOTU_DIR MOBY_DICK_DIR  (writes example-texts.jsonl, example-scores.csv,
example-models.csv next to this script; seeded, so the output is the same every time)
"""
import csv
import glob
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FAMILIES = ["orca", "heron", "lynx", "otter", "wren"]


def excerpts(paths, source, count, rng):
    chunks = []
    for path in sorted(paths):
        with open(path, encoding="utf-8") as f:
            words = f.read().split()
        # Consecutive runs of whole words, 300 to 900 UTF-8 bytes each.
        current = []
        for word in words:
            current.append(word)
            if len(" ".join(current).encode()) > 900:
                chunks.append(" ".join(current))
                current = []
    picked = rng.choice(len(chunks), size=count, replace=False)
    return [(chunks[i], source) for i in sorted(picked)]


def main():
    sotu_dir, moby_dir = sys.argv[1], sys.argv[2]
    rng = np.random.default_rng(20250216)
    sotu = sorted(glob.glob(os.path.join(sotu_dir, "*.txt")))
    texts = (excerpts([p for p in sotu if int(os.path.basename(p)[:4]) < 1900], "speeches-1800s", 50, rng)
             + excerpts([p for p in sotu if int(os.path.basename(p)[:4]) >= 1900], "speeches-1900s", 50, rng)
             + excerpts(glob.glob(os.path.join(moby_dir, "chapter_*.txt"))[:70], "fiction-a", 50, rng)
             + excerpts(glob.glob(os.path.join(moby_dir, "chapter_*.txt"))[70:], "fiction-b", 50, rng))
    sources = sorted({s for _, s in texts})
    with open(os.path.join(HERE, "example-texts.jsonl"), "w", encoding="utf-8") as f:
        for i, (text, source) in enumerate(texts):
            f.write(json.dumps({"id": f"t{i:03d}", "text": text, "source": source}, ensure_ascii=False) + "\n")

    nbytes = np.array([len(t.encode()) for t, _ in texts], dtype=float)
    source_of = np.array([sources.index(s) for _, s in texts])
    text_difficulty = rng.normal(0.0, 0.15, size=len(texts))
    rows, meta = [], []
    for f_index, family in enumerate(FAMILIES):
        family_rate = rng.uniform(1.0, 1.08, size=len(sources))
        for m in range(10):
            size = [70, 160, 410, 1000, 2800][m % 5]
            quality = 0.03 * np.log10(size)
            model_rate = family_rate * (1 + rng.normal(0, 0.006, size=len(sources))) - quality
            per_byte = model_rate[source_of] + text_difficulty
            scores = -nbytes * per_byte + rng.normal(0, 4.0, size=len(texts))
            model_id = f"{family}-{size}m-v{m // 5 + 1}"
            rows.append([model_id] + [f"{v:.4f}" for v in scores])
            meta.append({"model": model_id, "family": family, "parameters": size * 1_000_000,
                         "version": m // 5 + 1})
    with open(os.path.join(HERE, "example-scores.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["model"] + [f"t{i:03d}" for i in range(len(texts))])
        w.writerows(rows)
    with open(os.path.join(HERE, "example-models.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["model", "family", "parameters", "version"], lineterminator="\n")
        w.writeheader()
        w.writerows(meta)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Benchmarks of core/analysis against scikit-learn, same machine, same run (not a test).

    python3 tests/oracle/analysis/bench.py [--build build/release] [--skip-large]

1. t-SNE of a structured K=1,018 x N=10,000 matrix (the paper's size; families + noise, double
   centred): scikit-learn's TSNE (Barnes-Hut, perplexity 30, PCA init, seed 42, 1,000 iterations)
   against llmap (same settings); wall time, KL divergence, trustworthiness (k=10).
2. Centring + randomised PCA of a K=10,000 x N=10,000 matrix (time, memory beyond the matrix).
3. The KL matrix for K=10,000 (N=10,000).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from sklearn.manifold import TSNE, trustworthiness


def structured(k, n, seed=0):
    rng = np.random.default_rng(seed)
    families = 25
    difficulty = rng.uniform(-900, -200, size=n)
    family = rng.integers(0, families, size=k)
    direction = rng.normal(0, 25, size=(families, n))
    sub = rng.normal(0, 10, size=(families * 4, n))
    subfamily = family * 4 + rng.integers(0, 4, size=k)
    level = rng.normal(0, 30, size=k)
    l = difficulty + level[:, None] + direction[family] + sub[subfamily] + rng.normal(0, 8, size=(k, n))
    t = np.percentile(l, 2)
    l = np.maximum(l, t)
    return l - l.mean(1, keepdims=True) - l.mean(0, keepdims=True) + l.mean()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build/release")
    ap.add_argument("--skip-large", action="store_true")
    args = ap.parse_args()
    exe = os.path.join(args.build, "tests", "analysis", "bench_analysis")
    results = {}

    q = structured(1018, 10000)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "q.bin")
        with open(path, "wb") as f:
            np.array(q.shape, dtype="<i8").tofile(f)
            q.astype("<f8").tofile(f)
        out = os.path.join(tmp, "y.csv")
        start = time.perf_counter()
        ours = json.loads(subprocess.run([exe, "tsne", path, out], check=True, capture_output=True,
                                         text=True).stdout)
        ours_wall = time.perf_counter() - start
        y_ours = np.loadtxt(out, delimiter=",")
    start = time.perf_counter()
    t = TSNE(n_components=2, perplexity=30, init="pca", random_state=42, max_iter=1000)
    y_sk = t.fit_transform(q)
    sk_wall = time.perf_counter() - start
    results["tsne"] = {
        "K": q.shape[0], "N": q.shape[1],
        "sklearn_seconds": round(sk_wall, 2), "llmap_seconds": round(ours["seconds"], 2),
        "llmap_seconds_with_load": round(ours_wall, 2),
        "speedup": round(sk_wall / ours["seconds"], 2),
        "sklearn_kl": round(float(t.kl_divergence_), 4), "llmap_kl": round(ours["kl_divergence"], 4),
        "sklearn_trustworthiness": round(float(trustworthiness(q, y_sk, n_neighbors=10)), 4),
        "llmap_trustworthiness": round(float(trustworthiness(q, y_ours, n_neighbors=10)), 4),
    }
    print(json.dumps(results["tsne"]), flush=True)

    if not args.skip_large:
        for mode in ("pca", "kl"):
            r = subprocess.run([exe, mode, "10000", "10000"], check=True, capture_output=True, text=True)
            results[mode] = json.loads(r.stdout)
            print(r.stdout.strip(), flush=True)
            # numpy/scipy reference on the same machine for the KL matrix: q q' in BLAS.
    json.dump(results, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Benchmarks of core/analysis against scikit-learn, same machine, same run (not a test).

    python3 tests/oracle/analysis/bench.py [--build build/release] [--sizes 50,300,1018,10000]
        [--texts 2000] [--repeats 2] [--quality-seeds 0] [--skip-large]

1. t-SNE of structured K x N matrices (families + noise, double centred) at each K of --sizes:
   scikit-learn's default TSNE (Barnes-Hut, perplexity 30, PCA init, learning rate "auto", 1,000
   iterations, seed 42) against llmap (same settings), --repeats times each, back to back. Per
   size: wall times, the ratio, KL divergence (each program's own value, and the exact KL(P || Q)
   of both embeddings for one P, scikit-learn's nearest-neighbour P), trustworthiness (k=10), and
   whether llmap gave the same embedding on every run and on one thread. Then once more with one
   thread each (threadpoolctl for scikit-learn, --threads 1 for llmap), which a busy machine
   disturbs less: OpenMP's workers spin and wait when other processes hold the cores. --quality-seeds S adds S
   further seeds per size of 1,018 or fewer (quality only, not timed): t-SNE at a few dozen
   models lands in different local minima from nearly equal starts, for both programs.
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
import sklearn
from sklearn.manifold import TSNE, trustworthiness
from sklearn.manifold._t_sne import _joint_probabilities_nn
from sklearn.neighbors import NearestNeighbors
from threadpoolctl import threadpool_limits

PERPLEXITY = 30.0
SEED = 42


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


def nearest_neighbour_p(x):
    """scikit-learn's Barnes-Hut P (TSNE._fit, metric="euclidean"), as a COO matrix."""
    k = min(x.shape[0] - 1, int(3.0 * PERPLEXITY + 1))
    d = NearestNeighbors(n_neighbors=k, metric="euclidean").fit(x).kneighbors_graph(mode="distance")
    d.data **= 2
    return _joint_probabilities_nn(d, PERPLEXITY, 0).tocoo()


def exact_kl(p, y):
    """KL(P || Q) with Q the Student-t similarities over all pairs (no Barnes-Hut estimate)."""
    y = np.asarray(y, dtype=np.float64)
    z = 0.0
    for s in range(0, y.shape[0], 1024):
        w = 1.0 / (1.0 + ((y[s:s + 1024, None, :] - y[None, :, :]) ** 2).sum(-1))
        z += w.sum() - w.shape[0]  # the diagonal, w = 1
    q = 1.0 / (1.0 + ((y[p.row] - y[p.col]) ** 2).sum(-1)) / z
    return float(np.sum(p.data * np.log(p.data / q)))


def run_sklearn(x, seed, one_thread=False):
    with threadpool_limits(limits=1 if one_thread else None):
        start = time.perf_counter()
        t = TSNE(n_components=2, perplexity=PERPLEXITY, init="pca", random_state=seed,
                 max_iter=1000)
        y = t.fit_transform(x)
        return time.perf_counter() - start, float(t.kl_divergence_), y


def run_llmap(exe, path, out, seed, threads=None):
    cmd = [exe, "tsne", path, out, "--seed", str(seed)]
    if threads:
        cmd += ["--threads", str(threads)]
    r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    return r["seconds"], r["kl_divergence"], np.loadtxt(out, delimiter=",")


def tsne_size(exe, k, n, repeats, quality_seeds, tmp):
    x = structured(k, n)
    path = os.path.join(tmp, "q%d.bin" % k)
    out = os.path.join(tmp, "y%d.csv" % k)
    with open(path, "wb") as f:
        np.array(x.shape, dtype="<i8").tofile(f)
        x.astype("<f8").tofile(f)
    p = nearest_neighbour_p(x)
    sk, ll = [], []
    for _ in range(repeats):  # back to back, so that both see the same load
        sk.append(run_sklearn(x, SEED))
        ll.append(run_llmap(exe, path, out, SEED))
    # One thread each: the programs' own speed, without the cost of waiting for busy cores
    # (OpenMP's workers spin and wait when other processes hold the cores).
    sk_one = run_sklearn(x, SEED, one_thread=True)
    ll_one = run_llmap(exe, path, out, SEED, threads=1)
    same = all(np.array_equal(r[2], ll[0][2]) for r in ll[1:] + [ll_one])

    def quality(runs):
        return {
            "kl_own": round(float(np.mean([r[1] for r in runs])), 4),
            "kl_exact": round(float(np.mean([exact_kl(p, r[2]) for r in runs])), 4),
            "trustworthiness": round(float(np.mean([trustworthiness(x, r[2], n_neighbors=10)
                                                     for r in runs])), 4),
        }

    row = {
        "K": k, "N": n,
        "sklearn_seconds": [round(r[0], 3) for r in sk],
        "llmap_seconds": [round(r[0], 3) for r in ll],
        "ratio": [round(a[0] / b[0], 2) for a, b in zip(sk, ll)],
        "sklearn_one_thread_seconds": round(sk_one[0], 3),
        "llmap_one_thread_seconds": round(ll_one[0], 3),
        "ratio_one_thread": round(sk_one[0] / ll_one[0], 2),
        "sklearn": quality(sk[:1]), "llmap": quality(ll[:1]),
        "llmap_same_on_every_run_and_1_thread": bool(same),
    }
    if quality_seeds and k <= 1018:
        seeds = range(SEED + 1, SEED + 1 + quality_seeds)
        row["seeds"] = len(seeds) + 1
        row["sklearn_over_seeds"] = quality(sk[:1] + [run_sklearn(x, s) for s in seeds])
        row["llmap_over_seeds"] = quality(ll[:1] + [run_llmap(exe, path, out, s) for s in seeds])
    return row


def print_table(rows):
    print("\nt-SNE, scikit-learn %s default against llmap (seed %d; times of each run)" %
          (sklearn.__version__, SEED))
    print("| K x N | scikit-learn s | llmap s | ratio | one thread each: scikit-learn s, llmap s, "
          "ratio | KL own sk / llmap | KL exact sk / llmap | trustworthiness sk / llmap "
          "| llmap deterministic |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        a, b = r["sklearn"], r["llmap"]
        print("| %d x %d | %s | %s | %s | %.2f, %.2f, %.1f× | %.4f / %.4f | %.4f / %.4f "
              "| %.4f / %.4f | %s |" % (
                  r["K"], r["N"], ", ".join("%.2f" % s for s in r["sklearn_seconds"]),
                  ", ".join("%.2f" % s for s in r["llmap_seconds"]),
                  "–".join("%.1f×" % v for v in (min(r["ratio"]), max(r["ratio"]))),
                  r["sklearn_one_thread_seconds"], r["llmap_one_thread_seconds"],
                  r["ratio_one_thread"], a["kl_own"], b["kl_own"], a["kl_exact"], b["kl_exact"],
                  a["trustworthiness"], b["trustworthiness"],
                  "yes" if r["llmap_same_on_every_run_and_1_thread"] else "NO"))
    for r in rows:
        if "seeds" in r:
            a, b = r["sklearn_over_seeds"], r["llmap_over_seeds"]
            print("K=%d, mean over %d seeds: KL exact %.4f / %.4f, trustworthiness %.4f / %.4f" % (
                r["K"], r["seeds"], a["kl_exact"], b["kl_exact"], a["trustworthiness"],
                b["trustworthiness"]))
    sys.stdout.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build/release")
    ap.add_argument("--sizes", default="50,300,1018,10000")
    ap.add_argument("--texts", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--quality-seeds", type=int, default=0)
    ap.add_argument("--skip-large", action="store_true")
    args = ap.parse_args()
    exe = os.path.join(args.build, "tests", "analysis", "bench_analysis")
    results = {"sklearn": sklearn.__version__, "tsne": []}

    with tempfile.TemporaryDirectory() as tmp:
        for k in (int(s) for s in args.sizes.split(",")):
            row = tsne_size(exe, k, args.texts, args.repeats, args.quality_seeds, tmp)
            results["tsne"].append(row)
            print(json.dumps(row), flush=True)
    print_table(results["tsne"])

    if not args.skip_large:
        for mode in ("pca", "kl"):
            r = subprocess.run([exe, mode, "10000", "10000"], check=True, capture_output=True, text=True)
            results[mode] = json.loads(r.stdout)
            print(r.stdout.strip(), flush=True)
    json.dump(results, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()

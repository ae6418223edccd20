#!/usr/bin/env bash
# Adds an interpolation path to a demo project: the zoo's llama runs trained on prose and on code
# (tests/oracle/zoo/train_zoo.py, trained again as <run>-retrained so that they do not take the
# committed runs' ids), and the models (1 - a)·prose + a·code for a = 0.25, 0.5, 0.75 written by
# 'llmap-cli interpolate', scored on the project's texts, with their architecture, corpus and alpha
# as metadata. The map draws the path as a dashed line. A few minutes on two cores.
#   add_interpolations.sh [PROJECT] [LLMAP_CLI] [WORK_FOLDER]
# PROJECT defaults to resources/demo/demo.h5; WORK_FOLDER (default ~/.cache/llmap/zoo-paths) keeps
# the model folders, which are never committed.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$here/../..
project=${1:-$here/demo.h5}
cli=${2:-$root/build/release/app/llmap-cli}
work=${3:-${LLMAP_CACHE:-$HOME/.cache/llmap}/zoo-paths}
python=${PYTHON:-python3}
[ -x "$cli" ] || { echo "no llmap-cli at $cli: build first (packaging/build.sh)" >&2; exit 2; }
[ -f "$project" ] || { echo "no project at $project" >&2; exit 2; }
mkdir -p "$work"
for run in llama-prose-s0 llama-code-s0; do
    if [ ! -d "$work/$run-retrained" ]; then
        "$python" "$root/tests/oracle/zoo/train_zoo.py" --out "$work/train" --only "$run"
        mv "$work/train/$run" "$work/$run-retrained"
    fi
done
rm -rf "$work/train"
from=$work/llama-prose-s0-retrained
to=$work/llama-code-s0-retrained
"$cli" interpolate --from "$from" --to "$to" --alpha 0.25,0.5,0.75 --out "$work" --force
path=llama-prose-s0-retrained--llama-code-s0-retrained--alpha
models=("$from" "$work/${path}0.25" "$work/${path}0.5" "$work/${path}0.75" "$to")
"$cli" score --project "$project" --model "${models[@]}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/meta.csv" <<CSV
model,architecture,corpus,seed,step,alpha
llama-prose-s0-retrained,llama,prose,0,400,0
${path}0.25,llama,prose → code,,,0.25
${path}0.5,llama,prose → code,,,0.5
${path}0.75,llama,prose → code,,,0.75
llama-code-s0-retrained,llama,code,0,400,1
CSV
"$cli" annotate --project "$project" --metadata "$tmp/meta.csv"
echo "added the path prose -> code to $project"

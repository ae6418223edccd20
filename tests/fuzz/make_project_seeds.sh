#!/usr/bin/env bash
# Writes the HDF5 seeds of fuzz_project: a small project with a stored map, and a shard.
# Usage: tests/fuzz/make_project_seeds.sh path/to/llmap-cli
set -euo pipefail
cli=$(realpath "$1")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=$here/corpus/fuzz_project
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
printf '{"id":"a","text":"alpha text one"}\n{"id":"b","text":"beta text two"}\n{"id":"c","text":"gamma three"}\n{"id":"d","text":"delta four"}\n' > t.jsonl
printf 'model,a,b,c,d\nm1,-10,-20,-30,-40\nm2,-12,-18,-33,-41\nm3,-11,-25,-28,-36\n' > m.csv
"$cli" import --project p.h5 --matrix m.csv --texts t.jsonl > /dev/null
"$cli" map --project p.h5 --method pca --out c.csv > /dev/null
"$cli" score --project s.h5 --texts t.jsonl --shard-out shards \
    --model "$here/../data/model/gpt2_small" > /dev/null 2>&1
mkdir -p "$out"
# The first byte picks the reader: even = project, odd = shard (see fuzz_project.cpp).
{ printf '\x00'; cat p.h5; } > "$out/seed-project.h5"
{ printf '\x01'; cat shards/gpt2_small.shard.h5; } > "$out/seed-shard.h5"

#!/usr/bin/env bash
# Quick start 2: sets up, builds and runs the whole test suite through CTest.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LLMAP_SETUP_SLURM=1 "$here/setup.sh"   # with SLURM and munge: the tests include a real cluster
"$here/build.sh" release
echo "==> running the tests"
cd "$here/.."
ctest --preset release "$@"

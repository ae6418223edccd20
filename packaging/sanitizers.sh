#!/usr/bin/env bash
# Sanitizer and fuzzing runs, for CI or by hand (after packaging/setup.sh; needs clang-14 for asan).
#   packaging/sanitizers.sh asan   AddressSanitizer + UndefinedBehaviorSanitizer build (clang) and
#                                  the whole test suite under it (build/asan)
#   packaging/sanitizers.sh fuzz   the libFuzzer targets of the same build, LLMAP_FUZZ_SECONDS
#                                  (default 20) each on their committed corpora
#   packaging/sanitizers.sh tsan   ThreadSanitizer build (gcc) and the threaded tests: scoring
#                                  (progress, cancel from another thread, shards), analyses, and
#                                  the window's background jobs (tst_gui)
# Each step prints its wall time. Extra arguments go to ctest (e.g. -R tst_store).
# Suppressions: tests/sanitizers/*.supp (third-party code only, each entry with its reason).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
what=${1:?usage: packaging/sanitizers.sh asan|fuzz|tsan [ctest arguments]}
shift
jobs=${LLMAP_JOBS:-2}
timed() {
    local start=$SECONDS
    "$@"
    echo "==> $* took $((SECONDS - start)) s"
}
case "$what" in
    asan)
        timed cmake --preset asan
        timed cmake --build --preset asan -j "$jobs"
        timed ctest --preset asan "$@"
        ;;
    fuzz)
        timed cmake --preset asan -DLLMAP_FUZZ_SECONDS="${LLMAP_FUZZ_SECONDS:-20}"
        timed cmake --build --preset fuzz -j "$jobs"
        timed ctest --preset fuzz "$@"
        ;;
    tsan)
        timed cmake --preset tsan
        timed cmake --build --preset tsan -j "$jobs"
        timed ctest --preset tsan "$@"
        ;;
    *)
        echo "packaging/sanitizers.sh: unknown run \"$what\" (use asan, fuzz or tsan)" >&2
        exit 2
        ;;
esac

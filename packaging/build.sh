#!/usr/bin/env bash
# Configures and builds LLMap with the given CMake preset (default: release) into build/<preset>.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
preset=${1:-release}
echo "==> configuring (preset $preset)"
cmake --preset "$preset" >/dev/null || { echo "configure failed: run packaging/setup.sh first, then retry" >&2; exit 1; }
echo "==> building (build/$preset)"
cmake --build --preset "$preset"

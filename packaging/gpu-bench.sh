#!/usr/bin/env bash
# The scoring benchmark on a machine with an NVIDIA GPU: builds core and llmap-cli (preset
# cli-only, without the tests) against the torch of the environment's python, then runs
# tests/bench/bench_score.py --device cuda (llmap-cli, the paper's procedure and tuned transformers
# on the GPU in bf16, on Llama-3.2-1B- and Qwen3-1.7B-shaped random models and 10,000 texts) and
# prints its table.
#
#   packaging/gpu-bench.sh [bench_score.py options, e.g. --repeats 3 --texts 2000]
#
# Needs: an NVIDIA driver, a python whose torch sees the GPU (PYTHON, default python3; it gets
# transformers, safetensors and h5py with pip when they are missing), cmake >= 3.22 and a C++
# compiler. The build's system packages come from the .debs in build/gpu-bench-deps/debs where
# there are any (packaging/carried-debs.sh fetches them on a Debian 12 machine, for a machine that
# reaches no package registry), else from apt (as root or with sudo). The build goes into
# build/cli-only.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
py=${PYTHON:-python3}
build="$root/build/cli-only"
deps="$root/build/gpu-bench-deps"
carried="$deps/debs"
packages=(libhdf5-dev libeigen3-dev nlohmann-json3-dev libonig-dev libutf8proc-dev zlib1g-dev
          ninja-build pkg-config)

fail() { echo "gpu-bench: $*" >&2; exit 1; }

command -v nvidia-smi >/dev/null || fail "no nvidia-smi: this needs a machine with an NVIDIA GPU"
"$py" -c 'import torch; assert torch.cuda.is_available(), "torch sees no GPU"' ||
  fail "$py has no CUDA-capable torch that sees the GPU (pip install torch)"
torch_dir=$("$py" -c 'import torch, os; print(os.path.dirname(torch.__file__))')
"$py" -c 'import transformers, safetensors, h5py' 2>/dev/null ||
  "$py" -m pip install -q transformers safetensors h5py ||
  fail "could not install transformers, safetensors and h5py into $py's environment"
command -v cmake >/dev/null || fail "no cmake (apt-get install cmake, or pip install cmake)"

cmake_args=(-DLLMAP_TORCH_DIR="$torch_dir" -DLLMAP_BUILD_TESTS=OFF
            # another compiler may warn where GCC 12 does not: that must not stop a benchmark
            -DLLMAP_WARNINGS_AS_ERRORS=OFF)
if compgen -G "$carried/*.deb" >/dev/null; then
  echo "gpu-bench: building against the .debs in $carried"
  # shellcheck source=packaging/carried-debs.sh
  source "$root/packaging/carried-debs.sh"
  carried_debs_use "$carried" "$deps/unpacked" || fail "could not unpack the .debs in $carried"
  cmake_args+=("${carried_debs_cmake_args[@]}")
else
  missing=()
  for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo=$(command -v sudo || true)
    { { [ "$(id -u)" -eq 0 ] || { [ -n "$sudo" ] && $sudo -n true 2>/dev/null; }; } &&
      $sudo apt-get update -q &&
      $sudo env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -q --no-install-recommends "${missing[@]}"; } ||
      fail "apt cannot install ${missing[*]} here: run 'packaging/carried-debs.sh fetch \
build/gpu-bench-deps/debs' on a Debian 12 machine with apt and bring that folder along"
    echo "gpu-bench: installed ${missing[*]}"
  fi
fi
command -v ninja >/dev/null || fail "no ninja (apt-get install ninja-build, or pip install ninja)"

cd "$root"
cmake --preset cli-only "${cmake_args[@]}" >/dev/null
cmake --build "$build" --target llmap-cli -j "$(nproc)"
"$build/app/llmap-cli" --help >/dev/null

"$py" tests/bench/bench_score.py --device cuda --cli "$build/app/llmap-cli" "$@"

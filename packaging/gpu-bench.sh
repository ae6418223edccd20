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
# compiler. The build's system packages come from apt when it can be used (as root or with sudo);
# otherwise their .debs are downloaded with 'apt-get download' and unpacked with dpkg -x into
# build/gpu-bench-deps, and CMake is pointed at them. The build goes into build/cli-only.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
py=${PYTHON:-python3}
build="$root/build/cli-only"
deps="$root/build/gpu-bench-deps"
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

missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
cmake_args=()
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=$(command -v sudo || true)
  if { [ "$(id -u)" -eq 0 ] || { [ -n "$sudo" ] && $sudo -n true 2>/dev/null; }; } &&
     $sudo apt-get update -q && $sudo env DEBIAN_FRONTEND=noninteractive \
       apt-get install -y -q --no-install-recommends "${missing[@]}"; then
    echo "gpu-bench: installed ${missing[*]}"
  else
    # No apt: the packages and the libraries they need that are not installed, unpacked here.
    echo "gpu-bench: apt cannot install ${missing[*]}; unpacking their .debs into $deps"
    mkdir -p "$deps/debs"
    wanted=$(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
               --no-breaks --no-replaces --no-enhances "${missing[@]}" |
             awk '/^[a-z0-9]/ {print $1}' | sort -u)
    for p in $wanted; do
      dpkg -s "$p" >/dev/null 2>&1 && continue
      (cd "$deps/debs" && apt-get download "$p" >/dev/null 2>&1) || true
    done
    for deb in "$deps"/debs/*.deb; do dpkg -x "$deb" "$deps"; done
    arch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
    usr="$deps/usr"
    export PATH="$usr/bin:$PATH"
    export CPATH="$usr/include:$usr/include/hdf5/serial${CPATH:+:$CPATH}"
    export LIBRARY_PATH="$usr/lib/$arch:$usr/lib/$arch/hdf5/serial${LIBRARY_PATH:+:$LIBRARY_PATH}"
    export LD_LIBRARY_PATH="$usr/lib/$arch:$usr/lib/$arch/hdf5/serial${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    # The .pc files name /usr: the sysroot puts the unpacked tree before it.
    export PKG_CONFIG_PATH="$usr/lib/$arch/pkgconfig:$usr/share/pkgconfig"
    export PKG_CONFIG_SYSROOT_DIR="$deps"
    cmake_args+=("-DCMAKE_PREFIX_PATH=$usr;$usr/share/eigen3/cmake;$usr/lib/$arch/cmake")
    if [ -f "$usr/include/hdf5/serial/hdf5.h" ]; then
      cmake_args+=("-DHDF5_C_INCLUDE_DIR=$usr/include/hdf5/serial"
                   "-DHDF5_C_LIBRARY_hdf5=$usr/lib/$arch/hdf5/serial/libhdf5.so")
    fi
  fi
fi
command -v ninja >/dev/null || fail "no ninja (apt-get install ninja-build, or pip install ninja)"

cd "$root"
cmake --preset cli-only -DLLMAP_TORCH_DIR="$torch_dir" -DLLMAP_BUILD_TESTS=OFF \
  ${cmake_args[@]+"${cmake_args[@]}"} >/dev/null
cmake --build "$build" --target llmap-cli -j "$(nproc)"
"$build/app/llmap-cli" --help >/dev/null

"$py" tests/bench/bench_score.py --device cuda --cli "$build/app/llmap-cli" "$@"

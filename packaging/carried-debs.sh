#!/usr/bin/env bash
# The system packages that core and llmap-cli build against (HDF5, Eigen, nlohmann-json,
# oniguruma, utf8proc, zlib, pkg-config) and the libraries they load, as Debian 12 .debs, for a
# machine that reaches no package registry (a rented GPU machine, say):
#
#   packaging/carried-debs.sh fetch DIR     here, with apt: downloads them into DIR (about 15 MB)
#   packaging/carried-debs.sh check DIR     here: unpacks them and configures a cli-only build
#                                           against them alone (build/carried-debs-check)
#
# There, `source packaging/carried-debs.sh` and `carried_debs_use DIR UNPACK`: unpacks DIR's .debs
# into UNPACK (with dpkg-deb, or ar and tar where there is no dpkg), puts on the loader's path the
# libraries that machine lacks (never one it has: its own libssl, libstdc++ and the rest stay),
# and sets carried_debs_cmake_args for `cmake --preset …`. packaging/gpu-bench.sh does this by
# itself when build/gpu-bench-deps/debs holds .debs.

carried_debs_packages=(
  # what the build reads: headers, .so links, CMake and pkg-config files, pkg-config itself
  libhdf5-dev libeigen3-dev nlohmann-json3-dev libonig-dev libutf8proc-dev zlib1g-dev
  pkgconf pkgconf-bin libpkgconf3
  # what llmap-cli loads, and what HDF5 loads (libcurl for its read-only S3 driver)
  libhdf5-103-1 libsz2 libaec0 libonig5 libutf8proc2 zlib1g libcurl4 libssl3 libnghttp2-14
  libidn2-0 librtmp1 libssh2-1 libpsl5 libgssapi-krb5-2 libkrb5-3 libk5crypto3 libkrb5support0
  libkeyutils1 libcom-err2 libldap-2.5-0 libsasl2-2 libzstd1 libbrotli1 libunistring2
  libgnutls30 libhogweed6 libnettle8 libgmp10 libp11-kit0 libtasn1-6 libffi8
)

carried_debs_fetch() {
  local dir=${1:?carried-debs: fetch needs a folder}
  mkdir -p "$dir"
  (cd "$dir" && apt-get download "${carried_debs_packages[@]}") || {
    echo "carried-debs: apt-get download failed (this needs Debian 12's apt sources)" >&2
    return 1
  }
  du -sh "$dir"
}

# Unpacks one .deb into a folder, with or without dpkg.
carried_debs_unpack_one() {
  local deb=$1 into=$2
  if command -v dpkg-deb >/dev/null; then
    dpkg-deb -x "$deb" "$into"
  else
    # tar tells the compression from the file, not from a pipe
    local data tmp
    data=$(ar t "$deb" | grep '^data\.tar') && tmp=$(mktemp -d) || return 1
    ar p "$deb" "$data" >"$tmp/$data" && tar -x -C "$into" -f "$tmp/$data" --no-same-owner
    local status=$?
    rm -rf "$tmp"
    return "$status"
  fi
}

carried_debs_use() {
  local dir=${1:?carried-debs: use needs the folder of .debs} into=${2:?and a folder to unpack into}
  local debs=("$dir"/*.deb)
  [ -e "${debs[0]}" ] || { echo "carried-debs: no .deb in $dir" >&2; return 1; }
  rm -rf "$into" && mkdir -p "$into/loader"
  local deb
  for deb in "${debs[@]}"; do carried_debs_unpack_one "$deb" "$into" || return 1; done
  local arch=x86_64-linux-gnu usr="$into/usr"
  # The loader gets a library only where this machine has none of that name: a newer libssl or
  # libcurl of the machine's own serves as well and keeps whatever else loads it consistent.
  local known lib
  known=$(ldconfig -p 2>/dev/null | awk '{print $1}' || true)
  while IFS= read -r lib; do
    grep -qxF "$(basename "$lib")" <<<"$known" || ln -sf "$lib" "$into/loader/"
  done < <(find "$into/lib" "$usr/lib" -name 'lib*.so.*' \( -type f -o -type l \) 2>/dev/null)
  export LD_LIBRARY_PATH="$into/loader${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  # The .pc files name /usr: the sysroot puts the unpacked tree before it.
  export PKG_CONFIG_LIBDIR="$usr/lib/$arch/pkgconfig:$usr/share/pkgconfig"
  export PKG_CONFIG_SYSROOT_DIR="$into"
  carried_debs_cmake_args=(
    "-DCMAKE_PREFIX_PATH=$usr"
    "-DPKG_CONFIG_EXECUTABLE=$usr/bin/pkgconf"
    "-DZLIB_ROOT=$usr"
    # HDF5 from these files only, never through a wrapper compiler found on the PATH
    "-DHDF5_C_COMPILER_EXECUTABLE=/bin/false"
    "-DHDF5_C_INCLUDE_DIR=$usr/include/hdf5/serial"
    "-DHDF5_hdf5_LIBRARY_RELEASE=$usr/lib/$arch/hdf5/serial/libhdf5.so"
  )
}

# The check: a cli-only configure that must take every package from the unpacked tree.
carried_debs_check() {
  local dir=${1:?carried-debs: check needs the folder of .debs}
  local root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  local into="$root/build/carried-debs-check-deps" build="$root/build/carried-debs-check"
  carried_debs_use "$dir" "$into" || return 1
  rm -rf "$build"
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLLMAP_BUILD_GUI=OFF \
    -DLLMAP_BUILD_TESTS=OFF "${carried_debs_cmake_args[@]}" >/dev/null || return 1
  local cache="$build/CMakeCache.txt" bad=0 line
  for line in Eigen3_DIR nlohmann_json_DIR HDF5_C_INCLUDE_DIR HDF5_hdf5_LIBRARY_RELEASE \
              pkgcfg_lib_ONIG_onig pkgcfg_lib_UTF8PROC_utf8proc; do
    grep -q "^$line:.*=$into" "$cache" || {
      echo "carried-debs: $line is not from $into: $(grep "^$line:" "$cache")" >&2
      bad=1
    }
  done
  [ "$bad" -eq 0 ] && echo "carried-debs: every package comes from $into"
  return "$bad"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-}" in
    fetch) carried_debs_fetch "${2:-}" ;;
    check) carried_debs_check "${2:-}" ;;
    *) echo "usage: packaging/carried-debs.sh fetch|check DIR" >&2; exit 2 ;;
  esac
fi

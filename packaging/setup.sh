#!/usr/bin/env bash
# Installs what LLMap needs to build and test on Debian 12/13 or Ubuntu 22.04/24.04:
# the distribution's packages, pip's torch (libtorch for the engine, CUDA-capable) in a virtual
# environment of LLMap's own, and Qwt 6.3 for Qt 6 built from source when the system has none.
# Idempotent: packages already present, a torch already installed and a Qwt already built are left
# alone, so a second run fetches nothing.
#   LLMAP_CACHE   where torch and Qwt are installed and kept (default ~/.cache/llmap); pip's
#                 downloads are kept in $LLMAP_CACHE/pip
#   LLMAP_SETUP_EXTRA=1 also installs the optional tools (fuzzing, SLURM tests, Debian's libtorch
#                       for the debian preset, from which the .deb is made)
#   LLMAP_SETUP_SLURM=1 also installs SLURM and munge for the cluster test (packaging/test.sh sets
#                       it); their services are not started: the test starts its own daemons
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${LLMAP_CACHE:-$HOME/.cache/llmap}
qwt_version=6.3.0
qwt_sha256=dcb085896c28aaec5518cbc08c0ee2b4e60ada7ac929d82639f6189851a6129a
qwt_prefix=$cache/qwt-$qwt_version-qt6
torch_version=2.15.0   # keep in step with cmake/LLMapTorch.cmake
torch_venv=$cache/torch-$torch_version
export PIP_CACHE_DIR=$cache/pip PIP_DISABLE_PIP_VERSION_CHECK=1
current_step=""
current_fix=""

step() { current_step=$1; current_fix=$2; echo "==> $1"; }
on_error() {
  echo "setup failed while: $current_step" >&2
  echo "fix: $current_fix" >&2
}
trap on_error ERR

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

packages=(
  build-essential cmake ninja-build pkg-config ccache git python3 python3-venv
  qt6-base-dev qt6-base-dev-tools libqt6opengl6-dev qt6-svg-dev libgl-dev
  libhdf5-dev hdf5-tools libeigen3-dev
  zlib1g-dev nlohmann-json3-dev libonig-dev libutf8proc-dev
  xvfb xauth imagemagick poppler-utils xdotool
  help2man dpkg-dev file desktop-file-utils appstream
)
slurm_packages=(slurmctld slurmd slurm-client munge)
sanitizer_packages=(clang-14 libclang-rt-14-dev)   # the asan, fuzz and tsan presets
debian_torch_packages=(libtorch-dev libopenblas0-openmp)  # the debian preset (the .deb)
if [ "${LLMAP_SETUP_SLURM:-0}" = 1 ] || [ "${LLMAP_SETUP_EXTRA:-0}" = 1 ]; then
  packages+=("${slurm_packages[@]}")
fi
if [ "${LLMAP_SETUP_EXTRA:-0}" = 1 ]; then
  packages+=("${sanitizer_packages[@]}" "${debian_torch_packages[@]}")
fi

step "checking the system's packages" "run on Debian 12/13 or Ubuntu 22.04/24.04 with apt"
command -v apt-get >/dev/null
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  step "installing ${#missing[@]} packages: ${missing[*]}" \
       "check that apt can reach your package mirror ('apt-get update' must succeed) and that you may use sudo"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "    all ${#packages[@]} packages present"
fi

torch_installed() {
  compgen -G "$torch_venv/lib/python3*/site-packages/torch-$torch_version.dist-info" >/dev/null &&
    compgen -G "$torch_venv/lib/python3*/site-packages/torch/lib/libtorch_cpu.so" >/dev/null
}
if torch_installed; then
  echo "==> torch $torch_version already installed in $torch_venv"
else
  step "creating the virtual environment $torch_venv" \
       "install python3-venv (apt-get install python3-venv), or set LLMAP_CACHE to a writable folder"
  rm -rf "$torch_venv"
  python3 -m venv "$torch_venv"
  step "installing pip's torch $torch_version into $torch_venv (a 2.5 GB download with its CUDA libraries, 5.3 GB installed)" \
       "check that pip can reach its package index and that $cache has 8 GB free (df -h $cache)"
  "$torch_venv/bin/python" -m pip install --quiet "torch==$torch_version"
  torch_installed
  echo "==> torch $torch_version installed in $torch_venv"
fi

if [ -f "$qwt_prefix/lib/libqwt.so.$qwt_version" ]; then
  echo "==> Qwt $qwt_version for Qt 6 already built in $qwt_prefix"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tarball=$work/qwt_$qwt_version.orig.tar.bz2

step "fetching Qwt $qwt_version source from Debian's source packages" \
     "none needed: the copy in packaging/third_party is used when the fetch fails"
uri=""
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  uri=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources)
elif [ -f /etc/apt/sources.list ]; then
  uri=$(awk '$1=="deb" && $0 ~ /debian/ {for(i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' /etc/apt/sources.list)
fi
if [ -n "$uri" ]; then
  mkdir -p "$work/apt/lists/partial" "$work/dl"
  echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri sid main" > "$work/apt/sources.list"
  aptopts=(-o "Dir::Etc::sourcelist=$work/apt/sources.list" -o Dir::Etc::sourceparts=/dev/null
           -o "Dir::State::Lists=$work/apt/lists" -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=)
  # apt exits 100 because the revision files of the source package are gone; only the tarball matters.
  (apt-get "${aptopts[@]}" -q update >/dev/null 2>&1 &&
   cd "$work/dl" && apt-get "${aptopts[@]}" -q source --download-only qwt >/dev/null 2>&1) || true
  [ -f "$work/dl/qwt_$qwt_version.orig.tar.bz2" ] && cp "$work/dl/qwt_$qwt_version.orig.tar.bz2" "$tarball"
fi
if [ ! -f "$tarball" ] || ! echo "$qwt_sha256  $tarball" | sha256sum -c --quiet >/dev/null 2>&1; then
  echo "    the mirror gave no matching tarball; using packaging/third_party/qwt_$qwt_version.orig.tar.bz2"
  cp "$here/third_party/qwt_$qwt_version.orig.tar.bz2" "$tarball"
fi

step "verifying the Qwt tarball's sha256" "the file in packaging/third_party is damaged: restore it with git checkout"
echo "$qwt_sha256  $tarball" | sha256sum -c --quiet

step "building Qwt $qwt_version for Qt 6 into $qwt_prefix (about 80 s on 2 cores)" \
     "read the compiler output above; the Qt 6 development packages must be installed"
tar -xjf "$tarball" -C "$work"
src=$work/qwt-$qwt_version
sed -i -e "s#^\(\s*QWT_INSTALL_PREFIX\s*=\s*\)/usr/local/qwt-\$\$QWT_VERSION#\1$qwt_prefix#" \
       -e 's/^\(\s*QWT_CONFIG\s*+=\s*Qwt\(Designer\|Examples\|Playground\|Tests\)\)\s*$/#\1/' "$src/qwtconfig.pri"
sed -i -e 's/^\(\s*classincludes\) \\$/\1/' -e 's/^\s*doc\s*$//' "$src/qwt.pro"
mkdir -p "$work/build"
qmake=$(command -v qmake6 || echo /usr/lib/qt6/bin/qmake)
(cd "$work/build" && "$qmake" "$src/qwt.pro" >/dev/null &&
 make -s -j"$(nproc)" >/dev/null && make -s install >/dev/null)
test -f "$qwt_prefix/lib/libqwt.so.$qwt_version"
echo "==> Qwt $qwt_version installed in $qwt_prefix"

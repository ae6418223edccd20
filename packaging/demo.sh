#!/usr/bin/env bash
# Quick start 1: sets up, builds and opens the LLMap window on the bundled demo project.
# Extra arguments go to the app (e.g. --screenshot shot.png).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
"$here/setup.sh"
"$here/build.sh" release
root=$(cd "$here/.." && pwd)
app="$root/build/release/app/llmap"
project="$root/build/release/resources/demo.h5"
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "==> no display found: starting the app in a virtual X server (xvfb-run)"
  exec xvfb-run -a -s "-screen 0 1280x800x24" "$app" "$project" "$@"
fi
echo "==> opening $project"
exec "$app" "$project" "$@"

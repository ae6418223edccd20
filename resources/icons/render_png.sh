#!/usr/bin/env bash
# Renders llmap.svg into the PNG sizes of the hicolor icon theme (png/<size>.png).
# Run after changing the SVG; needs rsvg-convert (Debian package librsvg2-bin).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
mkdir -p png
for size in 16 22 24 32 48 64 128 256 512; do
  rsvg-convert --width "$size" --height "$size" llmap.svg --output "png/$size.png"
done

#!/usr/bin/env bash
# Fits vlit's default NIQE pristine model, data/niqe/pristine.model, from the
# sharp natural photos that Debian packages ship, as listed in
# data/niqe/images.tsv (package, path, sha256, licence).
#
# usage: scripts/fit-niqe.sh [VLIT_BINARY] [OUT_MODEL]
#   VLIT_BINARY defaults to build/vlit, OUT_MODEL to data/niqe/pristine.model.
#
# Steps:
#  1. installs the packages (as root, when missing) and ImageMagick;
#  2. checks every photo's sha256 (another package version may ship other
#     pixels: then the list must be reviewed, not silently followed);
#  3. reduces each photo so that its longer side is at most 1024 pixels
#     (ImageMagick: convert IN -resize '1024x1024>' OUT.png; its default
#     Lanczos filter): most are wallpapers at camera resolution, which at the
#     pixel level are softer than the web-sized photos NIQE's pristine model
#     and VLIT datasets (COCO: 640 px) are made of;
#  4. runs `vlit iqa fit` on the reduced photos, in the listed order.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
vlit=${1:-$root/build/vlit}
out=${2:-$root/data/niqe/pristine.model}
tsv=$root/data/niqe/images.tsv
side=1024

mapfile -t packages < <(tail -n +2 "$tsv" | cut -f1 | sort -u)
packages+=(imagemagick)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "fit-niqe: run as root, or install: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
fi
[ -x "$vlit" ] || { echo "fit-niqe: no vlit binary at $vlit (scripts/setup.sh builds one)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
i=0
status=0
while IFS=$'\t' read -r package path sha256 licence; do
  i=$((i + 1))
  if [ ! -f "$path" ]; then
    echo "fit-niqe: missing $path (package $package)" >&2
    status=1
    continue
  fi
  if [ "$(sha256sum < "$path" | cut -d' ' -f1)" != "$sha256" ]; then
    echo "fit-niqe: $path (package $package) is not the listed file (sha256 differs): review data/niqe/images.tsv" >&2
    status=1
    continue
  fi
  name=$(basename "$path")
  # the wallpapers' folder names say what they are; their files are named by size
  case $path in /usr/share/wallpapers/*) name=$(echo "$path" | cut -d/ -f5)_$name ;; esac
  /usr/bin/convert -quiet "$path" -resize "${side}x${side}>" "$work/$(printf %02d $i)_${name%.*}.png"
done < <(tail -n +2 "$tsv")
[ $status = 0 ] || exit $status
echo "fit-niqe: $i photos, longer side at most $side px" >&2
"$vlit" iqa fit "$work" -o "$out"

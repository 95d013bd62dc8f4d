#!/usr/bin/env bash
# One source photo -> its 15 distorted versions (5 levels of each type), with
# ImageMagick 6. Called by run.sh as: make-distortions.sh IN.jpg OUT_DIR
# Levels:
#   blur:  Gaussian blur sigma 0 1 2 3 4 px    convert IN -gaussian-blur 0xS OUT.png (0: IN as PNG)
#   jpeg:  quality 90 50 20 10 5               convert IN -quality Q OUT.jpg
#   noise: Gaussian noise sigma 0 10 20 30 40  convert IN -attenuate S/20 +noise Gaussian OUT.png
#          (IM 6.9's Gaussian noise has sigma = 20 x attenuate on the 0-255 scale,
#           checked on a flat gray image: attenuate 0.5 -> 9.9, 1 -> 19.9, 2 -> 39.9;
#           the same at gray 10% and 80%, so it is additive, not signal-dependent)
set -euo pipefail
in=$1 out=$2
im="/usr/bin/convert -quiet" # /usr/local/bin may hold a stand-in; -quiet: some COCO ICC profiles warn
name=$(basename "$in" .jpg)
mkdir -p "$out"
for s in 0 1 2 3 4; do
  f=$out/${name}_blur$s.png
  [ -s "$f" ] && continue
  if [ $s = 0 ]; then $im "$in" "$f"; else $im "$in" -gaussian-blur 0x$s "$f"; fi
done
for q in 90 50 20 10 5; do
  f=$out/${name}_jpeg$q.jpg
  [ -s "$f" ] || $im "$in" -quality $q "$f"
done
for s in 0 10 20 30 40; do
  f=$out/${name}_noise$s.png
  [ -s "$f" ] && continue
  if [ $s = 0 ]; then $im "$in" "$f"; else
    $im "$in" -seed 1 -attenuate "$(awk "BEGIN{print $s/20}")" +noise Gaussian "$f"; fi
done

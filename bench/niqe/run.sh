#!/usr/bin/env bash
# NIQE validation and speed on real photos (README.md has the results).
#  1. every photo of the COCO mini set gets 5 levels each of Gaussian blur,
#     JPEG compression and Gaussian noise (make-distortions.sh, ImageMagick);
#  2. `vlit iqa score` scores all of them with the default model; for each
#     photo and distortion the Spearman correlation of NIQE with the level is
#     computed, then averaged over the photos (analyse.py);
#  3. time_niqe.c times vlit_niqe_score_file (decoding included) and
#     vlit_visual_complexity_file per original JPEG on one core (taskset -c 0):
#     median of 5 runs per photo, median over the photos; once for all the
#     photos, once for the 640x480 ones (the size the target is stated for);
#  4. `vlit iqa complexity` on the originals: the spread of the score.
# The photos are read in place and never copied into the repository; the
# distorted versions go to a scratch folder.
# usage: bench/niqe/run.sh [BUILD_DIR] [PHOTO_DIR] [SCRATCH_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$(realpath "${1:-$root/build}")
photos=${2:-$root/../shared/data/coco-mini-train2017/images}
scratch=${3:-/work/bench-data/niqe}
vlit=$build/vlit
model=$root/data/niqe/pristine.model
PY=/usr/bin/python3 # Debian's interpreter, not whatever python3 resolves to
[ -x /usr/bin/convert ] || { echo "run.sh: needs ImageMagick (apt-get install imagemagick)" >&2; exit 1; }
[ -d "$photos" ] || { echo "run.sh: no photos at $photos" >&2; exit 1; }
mkdir -p "$scratch/dist"

ls "$photos"/*.jpg | xargs -P2 -I{} "$here/make-distortions.sh" {} "$scratch/dist"
echo "== NIQE against distortion level ($(ls "$photos"/*.jpg | wc -l) photos, model $model)"
"$vlit" iqa score -q -m "$model" --format jsonl "$scratch"/dist/* > "$scratch/scores.jsonl"
$PY "$here/analyse.py" < "$scratch/scores.jsonl"

echo "== time per photo, one core"
cc -O2 -std=c11 -Wall -Wextra -I"$root/include" "$here/time_niqe.c" "$build/libvlit.a" -ljpeg -lpng -lz -lm -o "$scratch/time_niqe"
sizes=$(for f in "$photos"/*.jpg; do echo "$(identify -format '%wx%h' "$f") $f"; done)
echo "sizes: $(cut -d' ' -f1 <<< "$sizes" | sort | uniq -c | sort -rn | head -4 | awk '{printf "%s %s, ", $1, $2}')..."
echo "all photos:"
taskset -c 0 "$scratch/time_niqe" "$model" 5 "$photos"/*.jpg
echo "640x480 photos only:"
mapfile -t vga < <(grep '^640x480 ' <<< "$sizes" | cut -d' ' -f2-)
taskset -c 0 "$scratch/time_niqe" "$model" 5 "${vga[@]}"

echo "== visual complexity of the originals"
"$vlit" iqa complexity -q --format jsonl "$photos"/*.jpg | $PY -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin]
for key in ("complexity", "compression_ratio", "edge_density", "spatial_information", "colour_entropy"):
    v = sorted(r[key] for r in rows)
    q = lambda p: v[min(len(v) - 1, int(p * len(v)))]
    print("%-20s min %.3f  p10 %.3f  median %.3f  p90 %.3f  max %.3f" % (key, v[0], q(0.1), q(0.5), q(0.9), v[-1]))
rows.sort(key=lambda r: r["complexity"])
print("least complex:", ", ".join("%s %.2f" % (r["image"].rsplit("/", 1)[-1], r["complexity"]) for r in rows[:3]))
print("most complex: ", ", ".join("%s %.2f" % (r["image"].rsplit("/", 1)[-1], r["complexity"]) for r in rows[-3:]))'

#!/bin/bash
# Near-duplicates under the image descriptor: every photo of
# ../shared/data/coco-mini-train2017/images (80) is made into four variants with
# ImageMagick (half size; JPEG quality 30; mirrored; 90 % centre crop), all 400
# images are embedded with `vlit embed image`, and every variant is checked to be
# nearer (cosine distance) to its own photo than to any other photo or any other
# photo's variant. Prints the distances and the smallest margin.
# usage: bench/embed/image_neardup.sh [VLIT] [WORKDIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
vlit=${1:-$root/build/vlit}
work=${2:-${BENCH_DATA:-/work/bench-data}/embed-neardup}
src=$root/../shared/data/coco-mini-train2017/images
convert=/usr/bin/convert # ImageMagick (Debian's imagemagick)
[ -d "$src" ] || { echo "no $src: skipped"; exit 77; }
[ -x "$convert" ] || { echo "ImageMagick's convert is not installed: skipped"; exit 77; }
mkdir -p "$work/img"
samples=$work/samples.jsonl
: >"$samples"
for f in "$src"/*.jpg; do
  b=$(basename "$f" .jpg)
  cp "$f" "$work/img/$b.jpg"
  [ -s "$work/img/$b-half.jpg" ] || "$convert" "$f" -resize 50% "$work/img/$b-half.jpg"
  [ -s "$work/img/$b-q30.jpg" ] || "$convert" "$f" -quality 30 "$work/img/$b-q30.jpg"
  [ -s "$work/img/$b-flop.jpg" ] || "$convert" "$f" -flop "$work/img/$b-flop.jpg"
  [ -s "$work/img/$b-crop.jpg" ] || "$convert" "$f" -gravity center -crop 90%x90%+0+0 +repage "$work/img/$b-crop.jpg"
  for v in "" -half -q30 -flop -crop; do
    printf '{"id":"%s%s","image":"%s%s.jpg","turns":[{"role":"user","text":"x"}]}\n' "$b" "$v" "$b" "$v" >>"$samples"
  done
done
"$vlit" embed image "$samples" --image-root "$work/img" -o "$work/vectors.npy" --paths "$work/paths.txt"
/usr/bin/python3 - "$work/vectors.npy" "$work/paths.txt" <<'PY'
import sys
import numpy as np
v = np.load(sys.argv[1]).astype(np.float64)
paths = [l.strip() for l in open(sys.argv[2])]
photo = [p.split("-")[0].split(".")[0] for p in paths]
kind = [p.split(".")[0].split("-")[1] if "-" in p else "orig" for p in paths]
d = 1 - v @ v.T
orig = {photo[i]: i for i in range(len(paths)) if kind[i] == "orig"}
ok = 0
total = 0
worst = None
by_kind = {}
for i in range(len(paths)):
    if kind[i] == "orig":
        continue
    total += 1
    own = d[i, orig[photo[i]]]
    others = [d[i, j] for j in range(len(paths)) if photo[j] != photo[i]]
    nearest_other = min(others)
    by_kind.setdefault(kind[i], []).append(own)
    if own < nearest_other:
        ok += 1
    margin = nearest_other - own
    if worst is None or margin < worst[0]:
        worst = (margin, paths[i], own, nearest_other)
between = np.array([d[orig[a], orig[b]] for a in orig for b in orig if a < b])
print(f"{len(orig)} photos, {total} variants: {ok} of {total} nearer to their own photo than to every image of another photo")
for k, ds in sorted(by_kind.items()):
    ds = np.array(ds)
    print(f"  {k:5s}: distance to its photo: median {np.median(ds):.4f}, max {ds.max():.4f}")
print(f"  distinct photos: distance min {between.min():.4f}, 1st percentile {np.percentile(between, 1):.4f}, "
      f"median {np.median(between):.4f}")
print(f"  smallest margin: {worst[0]:.4f} ({worst[1]}: {worst[2]:.4f} to its photo, {worst[3]:.4f} to the nearest other)")
sys.exit(0 if ok == total else 1)
PY

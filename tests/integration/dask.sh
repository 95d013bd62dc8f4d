#!/usr/bin/env bash
# The Dask recipe for real: contrib/dask/run_pipeline.py runs the demo pipeline
# (data/demo/pipeline.conf) on a Dask LocalCluster of 2 worker processes, every
# stage in 4 shard tasks and a merge task; the result is compared with the
# single-process `vlit run` of the same file: clues, samples, scores, report
# JSON and the selected training file byte for byte. Skipped (77) only when
# Debian's python3-distributed is missing (scripts/setup.sh installs it).
set -euo pipefail
VLIT=${1:?usage: dask.sh VLIT}
VLIT=$(realpath "$VLIT")
root=$(cd "$(dirname "$0")/../.." && pwd)
PY=/usr/bin/python3
if ! "$PY" -c 'import dask.distributed' 2> /dev/null; then
  echo "dask: python3-distributed not installed (apt-get install python3-distributed): skipped"
  exit 77
fi
start=$(date +%s)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "dask: FAIL: $*" >&2; exit 1; }
export VLIT_DATA_DIR=$root/data
cd "$root"
"$root/scripts/demo-images.sh" "$tmp/images" > /dev/null
conf=data/demo/pipeline.conf

# the reference, in the folder the sharded run uses afterwards (same paths in the report)
"$VLIT" run "$conf" -q --workdir "$tmp/run" --set run.image-root="$tmp/images"
mv "$tmp/run" "$tmp/single"

# a bad config is refused before any task runs
printf '[score]\nclues = x.jsonl\n' > "$tmp/bad.conf"
set +e
"$PY" "$root/contrib/dask/run_pipeline.py" --vlit "$VLIT" --workdir "$tmp/bad" "$tmp/bad.conf" 2> "$tmp/bad.err"
rc=$?
set -e
[ "$rc" = 2 ] && grep -q "may not set 'clues'" "$tmp/bad.err" || fail "bad config: exit $rc, $(cat "$tmp/bad.err")"

"$PY" "$root/contrib/dask/run_pipeline.py" --vlit "$VLIT" --shards 4 --workers 2 --workdir "$tmp/run" \
  --set run.image-root="$tmp/images" "$conf" > "$tmp/dask.log" 2>&1 || { cat "$tmp/dask.log" >&2; fail "run_pipeline.py failed"; }
grep '^run_pipeline' "$tmp/dask.log"
for i in 0 1 2 3; do
  for f in clues.$i.jsonl samples.$i.jsonl scores.$i.jsonl report.$i train.$i.llava.json; do
    [ -e "$tmp/run/shards/$f" ] || fail "shard output shards/$f is missing"
  done
done
pass=0
for f in clues.jsonl samples.jsonl scores.jsonl report.json train.llava.json; do
  cmp "$tmp/single/$f" "$tmp/run/$f" || fail "$f of the Dask run differs from the single-process run"
  pass=$((pass + 1))
done
# the dropped samples and why: one file when the shards' reasons could be merged,
# else the shards' files hold the single run's lines between them
if [ -e "$tmp/run/dropped.jsonl" ]; then
  cmp "$tmp/single/dropped.jsonl" "$tmp/run/dropped.jsonl" || fail "dropped.jsonl of the Dask run differs"
else
  cmp <(sort "$tmp/single/dropped.jsonl") <(cat "$tmp"/run/shards/dropped.?.jsonl | sort) ||
    fail "the shards' dropped.i.jsonl are not the lines of the single run's dropped.jsonl"
  echo "dask: dropped.jsonl: not merged (no completion records); the 4 shards hold its lines"
fi
pass=$((pass + 1))
[ -s "$tmp/run/report.html" ] || fail "no report.html"
echo "dask: clues, samples, scores, report.json and train.llava.json identical to the single-process run; $(($(date +%s) - start)) s in all"
echo "$pass passed, 0 failed"

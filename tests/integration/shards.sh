#!/usr/bin/env bash
# Shards and vlit merge on the demo (data/demo, the commands of
# data/demo/pipeline.conf without OCR):
# 1. for N = 1, 3, 4: collect, generate --mode aa (jsonl and llava), score,
#    report --partial and select, each in N shards, merged == the single
#    process byte for byte (clues, samples, scores, report JSON, training file
#    and select's list of dropped samples), and tag (rules);
#    every shard left its completion record;
# 2. a score shard killed with SIGKILL while it runs: the set is refused
#    (naming the shard); the shard re-run alone completes it identically;
# 3. merge refuses a missing shard, a duplicated shard, a mixed set (other
#    --seed), a truncated part, a part changed in place, a part without its
#    record, shards of different N, naming the shard or the part, and writes
#    nothing;
# 4. SI run stores of 2 shards merged: a single process on the merged store
#    sends nothing and writes the same samples as a single process from
#    scratch; a store with a changed answer is refused as conflicting.
set -euo pipefail
VLIT=${1:?usage: shards.sh VLIT}
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
cleanup() {
  for f in "$tmp"/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2> /dev/null; done
  wait 2> /dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
export VLIT_DATA_DIR=$root/data
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
same() { # what, expected, got
  if cmp -s "$2" "$3"; then ok; else bad "$1: $3 differs from $2"; fi
}
msame() { # what, expected, merged output, merge arguments...: the merge succeeds and gives expected
  local what=$1 expected=$2 out=$3
  shift 3
  rm -f "$out"
  if "$VLIT" merge -q "$@" -o "$out"; then same "$what" "$expected" "$out"; else bad "$what: merge failed"; fi
}

"$root/scripts/demo-images.sh" "$tmp/images" > /dev/null
A=$root/data/demo/annotations
COLLECT=(collect -q --coco-captions "$A/captions_demo.json" --coco-instances "$A/instances_demo.json"
         --coco-keypoints "$A/person_keypoints_demo.json" --vqa-questions "$A/vqa_questions_demo.json"
         --vqa-annotations "$A/vqa_annotations_demo.json" --coco-text "$A/cocotext_demo.json"
         --vaw "$A/vaw_demo.json" --textvqa "$A/textvqa_demo.json" --image-root "$tmp/images")
GENERATE=(generate -q --mode aa --seed 1 --turns 3 "$tmp/clues.jsonl")
SCORE=(score -q "$tmp/samples.jsonl" --clues "$tmp/clues.jsonl" --image-root "$tmp/images" --threads 1)
REPORT=(report -q "$tmp/samples.jsonl" --clues "$tmp/clues.jsonl" --scores "$tmp/scores.jsonl"
        --image-root "$tmp/images" --min-cluster 2 --threads 1)
SELECT=(select -q "$tmp/samples.jsonl" --scores "$tmp/scores.jsonl" --min-text-readability p10
        --min-instruction-complexity 2 --target 80 --seed 1)

# ---- the single process
"$VLIT" "${COLLECT[@]}" -o "$tmp/clues.jsonl"
"$VLIT" "${GENERATE[@]}" -o "$tmp/samples.jsonl"
"$VLIT" "${GENERATE[@]}" --format llava -o "$tmp/samples.json"
"$VLIT" "${SCORE[@]}" -o "$tmp/scores.jsonl"
"$VLIT" "${REPORT[@]}" --format json -o "$tmp/report.json"
"$VLIT" "${SELECT[@]}" --reasons "$tmp/dropped.jsonl" -o "$tmp/train.llava.json"
"$VLIT" tag -q "$tmp/samples.jsonl" -o "$tmp/tags.jsonl"
[ "$(wc -l < "$tmp/clues.jsonl")" -ge 10 ] && [ "$(wc -l < "$tmp/samples.jsonl")" -ge 50 ] &&
  [ -s "$tmp/train.llava.json" ] && ok || bad "the single run is too small to test anything"

# ---- 1. N shards merged == one process
for N in 1 3 4; do
  d=$tmp/n$N
  mkdir -p "$d"
  for i in $(seq 0 $((N - 1))); do
    "$VLIT" "${COLLECT[@]}" --shard "$i/$N" -o "$d/clues.$i.jsonl"
    "$VLIT" "${GENERATE[@]}" --shard "$i/$N" -o "$d/samples.$i.jsonl"
    "$VLIT" "${GENERATE[@]}" --format llava --shard "$i/$N" -o "$d/samples.$i.json"
    "$VLIT" "${SCORE[@]}" --shard "$i/$N" -o "$d/scores.$i.jsonl"
    "$VLIT" "${REPORT[@]}" --partial --shard "$i/$N" -o "$d/report.$i"
    "$VLIT" "${SELECT[@]}" --shard "$i/$N" --reasons "$d/dropped.$i.jsonl" -o "$d/train.$i.json"
    "$VLIT" tag -q "$tmp/samples.jsonl" --shard "$i/$N" -o "$d/tags.$i.jsonl"
  done
  records=$(ls "$d"/*.shard.json | wc -l)
  [ "$records" = $((8 * N)) ] && ok || bad "N=$N: $records completion records for $((8 * N)) shard outputs"
  # parts in reverse order: the merge sorts them by their records
  rev() { for i in $(seq $((N - 1)) -1 0); do printf '%s\n' "$d/$1.$i$2"; done; }
  mapfile -t P < <(rev clues .jsonl)
  msame "N=$N clues" "$tmp/clues.jsonl" "$d/clues.jsonl" clues "${P[@]}"
  mapfile -t P < <(rev samples .jsonl)
  msame "N=$N samples" "$tmp/samples.jsonl" "$d/samples.jsonl" samples "${P[@]}"
  mapfile -t P < <(rev samples .json)
  msame "N=$N llava samples" "$tmp/samples.json" "$d/samples.json" samples "${P[@]}"
  mapfile -t P < <(rev scores .jsonl)
  msame "N=$N scores" "$tmp/scores.jsonl" "$d/scores.jsonl" scores "${P[@]}"
  mapfile -t P < <(rev report "")
  msame "N=$N report" "$tmp/report.json" "$d/report.json" report --format json "${P[@]}"
  mapfile -t P < <(rev train .json)
  msame "N=$N training file" "$tmp/train.llava.json" "$d/train.llava.json" select "${P[@]}"
  mapfile -t P < <(rev dropped .jsonl)
  msame "N=$N dropped list" "$tmp/dropped.jsonl" "$d/dropped.jsonl" select "${P[@]}"
  mapfile -t P < <(rev tags .jsonl)
  msame "N=$N tags" "$tmp/tags.jsonl" "$d/tags.jsonl" tags "${P[@]}"
done

# collect with Tesseract on the images without OCR annotations, as pipeline.conf does
# (when this vlit has OCR): each shard reads its own images
if "$VLIT" "${COLLECT[@]}" --ocr -o "$tmp/clues.ocr.jsonl" 2> "$tmp/err"; then
  for i in 0 1 2; do "$VLIT" "${COLLECT[@]}" --ocr --shard "$i/3" -o "$tmp/n3/ocr.$i.jsonl"; done
  msame "N=3 clues with OCR" "$tmp/clues.ocr.jsonl" "$tmp/n3/clues.ocr.jsonl" clues "$tmp"/n3/ocr.{1,2,0}.jsonl
else
  echo "shards: collect --ocr not available here, skipped: $(cat "$tmp/err")"
fi

# ---- 2. a shard killed with SIGKILL, then re-run alone
d=$tmp/n3
killed=0
for attempt in 1 2 3 4 5; do
  "$VLIT" "${SCORE[@]}" --shard 1/3 -o "$d/scores.1.jsonl" &
  pid=$!
  # the shard removes its old record first thing; kill it after that
  for _ in $(seq 500); do [ -e "$d/scores.1.jsonl.shard.json" ] || break; sleep 0.01; done
  kill -9 "$pid" 2> /dev/null || true
  wait "$pid" 2> /dev/null || true
  [ -e "$d/scores.1.jsonl.shard.json" ] || { killed=1; break; } # it had finished before the kill: again
done
if [ $killed = 1 ]; then
  if "$VLIT" merge -q scores "$d"/scores.{0,1,2}.jsonl -o "$d/killed.jsonl" 2> "$tmp/err"; then
    bad "merge accepted a set with a killed shard"
  else
    grep -q "scores.1.jsonl: no completion record" "$tmp/err" && [ ! -e "$d/killed.jsonl" ] && ok ||
      bad "killed shard: $(cat "$tmp/err")"
  fi
else
  bad "the shard finished every time before it could be killed"
fi
"$VLIT" "${SCORE[@]}" --shard 1/3 -o "$d/scores.1.jsonl"
msame "re-run shard" "$tmp/scores.jsonl" "$d/rerun.jsonl" scores "$d"/scores.{0,1,2}.jsonl

# ---- 2b. report partials: their completion records hold the folder digest of
# docs/scale.md (checked here by an independent implementation) and are checked
d=$tmp/n3
python3 - "$d"/report.{0,1,2} <<'PY' && ok || bad "report partials: records do not hold the folder digest"
import hashlib, json, os, struct, sys
def digest(path, h):
    size = 0
    for name in sorted(os.listdir(path), key=os.fsencode):
        p = os.path.join(path, name)
        b = os.fsencode(name)
        h.update(struct.pack("<Q", len(b)) + b)
        if os.path.isdir(p):
            h.update(b"d")
            size += digest(p, h)
        else:
            data = open(p, "rb").read()
            h.update(b"f" + struct.pack("<Q", len(data)) + hashlib.sha256(data).digest())
            size += len(data)
    return size
for i, part in enumerate(sys.argv[1:]):
    h = hashlib.sha256()
    size = digest(part, h)
    rec = json.load(open(part + ".shard.json"))
    want = {"vlit_shard": 1, "command": "report", "shard": i, "of": 3, "format": "folder", "size": size,
            "sha256": h.hexdigest(), "units": 0}
    if {k: rec.get(k) for k in want} != want:
        sys.exit(f"{part}: {rec} != {want}")
PY
cp -r "$d/report.1" "$tmp/rp.1"
cp "$d/report.1.shard.json" "$tmp/rp.1.shard.json"
f=$(ls "$tmp/rp.1" | head -n 1)
printf ' ' >> "$tmp/rp.1/$f"
if "$VLIT" merge -q report "$d/report.0" "$tmp/rp.1" "$d/report.2" -o "$tmp/x.json" 2> "$tmp/err"; then
  bad "merge report accepted a partial changed after its shard"
else grep -q "rp.1: shard 1/3: .* bytes, its completion record says" "$tmp/err" && ok || bad "changed partial: $(cat "$tmp/err")"; fi
rm "$tmp/rp.1.shard.json"
if "$VLIT" merge -q report "$d/report.0" "$tmp/rp.1" "$d/report.2" -o "$tmp/x.json" 2> "$tmp/err"; then
  bad "merge report accepted a partial without record among partials with records"
else grep -q "rp.1: no completion record" "$tmp/err" && ok || bad "partial without record: $(cat "$tmp/err")"; fi

# ---- 3. sets merge refuses
d=$tmp/n4
refused() { # what, pattern, merge arguments... : merge must fail, say pattern, write nothing
  local what=$1 pattern=$2
  shift 2
  rm -f "$tmp/x.out"
  if "$VLIT" merge -q "$@" -o "$tmp/x.out" 2> "$tmp/err"; then
    bad "$what: merge accepted it"
  elif grep -q -- "$pattern" "$tmp/err" && [ ! -e "$tmp/x.out" ]; then
    ok
  else
    bad "$what: expected '$pattern', got: $(cat "$tmp/err")"
  fi
}
refused "missing shard" "shard 2/4 missing" samples "$d"/samples.{0,1,3}.jsonl
refused "missing shard (scores)" "shard 0/4 missing" scores "$d"/scores.{1,2,3}.jsonl
refused "duplicated shard" "shard 1/4 given twice" samples "$d"/samples.{0,1,2,3,1}.jsonl
refused "duplicated shard, one missing" "shard 3/4 given twice" select "$d"/train.{0,1,3,3}.json
"$VLIT" "${GENERATE[@]}" --seed 2 --shard 2/4 -o "$tmp/seed2.2.jsonl"
refused "mixed set (--seed 2)" "seed2.2.jsonl: shard 2/4 ran with other settings" samples "$d"/samples.{0,1}.jsonl \
  "$tmp/seed2.2.jsonl" "$d/samples.3.jsonl"
refused "mixed N" "shard 1/3, but" clues "$d"/clues.{0,2,3}.jsonl "$tmp/n3/clues.1.jsonl"
refused "other command" "of vlit score, not of vlit generate" samples "$d"/samples.{0,1,2}.jsonl "$d/scores.3.jsonl"
cp "$d/samples.2.jsonl" "$tmp/trunc.2.jsonl"
cp "$d/samples.2.jsonl.shard.json" "$tmp/trunc.2.jsonl.shard.json"
truncate -s -100 "$tmp/trunc.2.jsonl"
refused "truncated part" "trunc.2.jsonl: shard 2/4: .* bytes, its completion record says" samples \
  "$d"/samples.{0,1}.jsonl "$tmp/trunc.2.jsonl" "$d/samples.3.jsonl"
cp "$d/train.1.json" "$tmp/edit.1.json"
cp "$d/train.1.json.shard.json" "$tmp/edit.1.json.shard.json"
python3 - "$tmp/edit.1.json" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
i = b.index(b'"value"')  # same size, other content
b[i + 1] = ord("V")
open(p, "wb").write(bytes(b))
PY
refused "part changed in place" "edit.1.json: shard 1/4: content differs from its completion record" select \
  "$d/train.0.json" "$tmp/edit.1.json" "$d"/train.{2,3}.json
cp "$d/clues.3.jsonl" "$tmp/norecord.3.jsonl"
refused "part without record" "norecord.3.jsonl: no completion record" clues "$d"/clues.{0,1,2}.jsonl \
  "$tmp/norecord.3.jsonl"
printf '{"vlit_shard":1,"command":"collect"' > "$tmp/badrec.3.jsonl.shard.json"
cp "$d/clues.3.jsonl" "$tmp/badrec.3.jsonl"
refused "broken record" "badrec.3.jsonl.shard.json: not a completion record" clues "$d"/clues.{0,1,2}.jsonl \
  "$tmp/badrec.3.jsonl"
# SLURM_ARRAY_TASK_ID/COUNT make a shard too, with its record
SLURM_ARRAY_TASK_ID=3 SLURM_ARRAY_TASK_COUNT=4 "$VLIT" "${GENERATE[@]}" -o "$tmp/slurm.3.jsonl"
cmp -s "$tmp/slurm.3.jsonl" "$d/samples.3.jsonl" && grep -q '"shard":3,"of":4' "$tmp/slurm.3.jsonl.shard.json" && ok ||
  bad "a shard from SLURM_ARRAY_TASK_ID/COUNT"

# ---- 4. SI run stores of shards merged
python3 - "$tmp/clues.jsonl" "$tmp/si_clues.jsonl" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
with open(sys.argv[2], "w") as f:
    for k in range(3):
        for r in recs:
            f.write(json.dumps(dict(r, id=f"{r['id']}-{k}")) + "\n")
PY
python3 "$root/tests/server/llm_server.py" --port 0 --port-file "$tmp/llm.port" --idle-exit 300 > /dev/null 2>&1 &
echo $! > "$tmp/llm.pid"
for _ in $(seq 200); do [ -s "$tmp/llm.port" ] && break; sleep 0.05; done
url=http://127.0.0.1:$(cat "$tmp/llm.port")/v1
stats() { python3 -c 'import json,sys,urllib.request; print(json.load(urllib.request.urlopen(sys.argv[1] + "/stats"))[sys.argv[2]])' "${url%/v1}" "$1"; }
sq() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$1" "$2"; }
SI=(generate -q --mode si "$tmp/si_clues.jsonl" --llm-url "$url" --model test --variants conversation,region --n 2
    --concurrency 4)
for i in 0 1; do "$VLIT" "${SI[@]}" --shard "$i/2" --store "$tmp/si.$i.db" -o "$tmp/si.$i.jsonl"; done
"$VLIT" merge -q stores "$tmp/si.0.db" "$tmp/si.1.db" -o "$tmp/si.all.db"
r0=$(sq "$tmp/si.0.db" "select count(*) from requests"); r1=$(sq "$tmp/si.1.db" "select count(*) from requests")
ra=$(sq "$tmp/si.all.db" "select count(*) from requests")
a0=$(sq "$tmp/si.0.db" "select count(*) from answers"); a1=$(sq "$tmp/si.1.db" "select count(*) from answers")
aa=$(sq "$tmp/si.all.db" "select count(*) from answers")
[ "$r0" -gt 0 ] && [ "$r1" -gt 0 ] && [ "$ra" = $((r0 + r1)) ] && [ "$aa" = $((a0 + a1)) ] && ok ||
  bad "merged store: $ra requests ($r0 + $r1), $aa answers ($a0 + $a1)"
python3 - "$tmp/si.0.db" "$tmp/si.1.db" "$tmp/si.all.db" <<'PY' && ok || bad "merged store: bodies or answers differ"
import sqlite3, sys
def rows(p):
    db = sqlite3.connect(p)
    return set(db.execute("select b.key, b.body, c.idx, c.content from request_bodies b "
                          "join completions c on c.request_key = b.key"))
sys.exit(0 if rows(sys.argv[1]) | rows(sys.argv[2]) == rows(sys.argv[3]) else 1)
PY
sent=$(stats completions_sent)
cp "$tmp/si.all.db" "$tmp/si.resume.db"
"$VLIT" "${SI[@]}" --store "$tmp/si.resume.db" -o "$tmp/si.from_store.jsonl"
[ "$(stats completions_sent)" = "$sent" ] && ok || bad "a single run on the merged store asked the server again"
"$VLIT" "${SI[@]}" --store "$tmp/si.single.db" -o "$tmp/si.single.jsonl"
sort "$tmp/si.single.jsonl" > "$tmp/a.sorted"; sort "$tmp/si.from_store.jsonl" > "$tmp/b.sorted"
same "SI samples from the merged store" "$tmp/a.sorted" "$tmp/b.sorted"
# the same store twice: identical rows are kept once
"$VLIT" merge -q stores "$tmp/si.0.db" "$tmp/si.resume.db" -o "$tmp/si.twice.db"
[ "$(sq "$tmp/si.twice.db" "select count(*) from requests")" = "$ra" ] && ok || bad "identical rows copied twice"
cp "$tmp/si.0.db" "$tmp/si.changed.db"
python3 -c 'import sqlite3,sys; db=sqlite3.connect(sys.argv[1]); db.execute("update answers set content = content || \"!\" where rowid = (select min(rowid) from answers)"); db.commit()' "$tmp/si.changed.db"
rm -f "$tmp/x.db"
if "$VLIT" merge -q stores "$tmp/si.all.db" "$tmp/si.changed.db" -o "$tmp/x.db" 2> "$tmp/err"; then
  bad "merge accepted conflicting stores"
else
  grep -q "si.changed.db: request .* is also in .*si.all.db .*conflicting rows" "$tmp/err" && [ ! -e "$tmp/x.db" ] && ok ||
    bad "conflicting stores: $(cat "$tmp/err")"
fi

echo "shards: $pass passed, $fail failed"
[ $fail = 0 ]

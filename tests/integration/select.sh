#!/usr/bin/env bash
# vlit select on the demo pipeline's output (collect -> generate -> score; the
# samples of two generation seeds put together, as a dataset built from two
# runs is, so that near duplicates exist):
#  1. the full selection and one run per --without GROUP: each gives another
#     result, and the difference is explained: the groups before the one
#     turned off drop exactly the same samples, the group turned off drops
#     none, every sample is either written or has one reason;
#  2. every usability/complexity reason agrees with the scores file (value,
#     threshold, percentile recomputed here, comparison);
#  3. balance: the task shares after balance have the least variance possible
#     for the target (brute force here: every allocation by dynamic
#     programming), within 1 pp^2 and in fact to 1e-9; the printed variances
#     match the output; the kept samples are a sample of each task;
#  4. the output is LLaVA JSON that vlit convert reads; the same seed gives
#     the same bytes, another seed another sample; the rule tagger without
#     --tags gives the same as vlit tag's file; two shards hold the whole;
#  5. bad input: scores of another file, an unknown group (exit 2).
set -euo pipefail
VLIT=${1:?usage: select.sh VLIT}
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
A=$root/data/demo/annotations
pass=0 fail=0
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
ok() { pass=$((pass + 1)); }

"$root/scripts/demo-images.sh" "$tmp/images" > /dev/null
"$VLIT" collect -q --coco-captions "$A/captions_demo.json" --coco-instances "$A/instances_demo.json" \
  --coco-keypoints "$A/person_keypoints_demo.json" \
  --vqa-questions "$A/vqa_questions_demo.json" --vqa-annotations "$A/vqa_annotations_demo.json" \
  --coco-text "$A/cocotext_demo.json" --vaw "$A/vaw_demo.json" --textvqa "$A/textvqa_demo.json" \
  --image-root "$tmp/images" -o "$tmp/clues.jsonl"
"$VLIT" generate -q --mode aa --turns 3 --seed 1 "$tmp/clues.jsonl" -o "$tmp/g1.jsonl"
"$VLIT" generate -q --mode aa --turns 3 --seed 2 "$tmp/clues.jsonl" -o "$tmp/g2.jsonl"
python3 - "$tmp/g1.jsonl" "$tmp/g2.jsonl" "$tmp/samples.jsonl" <<'PY'
import json, sys
with open(sys.argv[3], "w") as out:
    for k, path in enumerate(sys.argv[1:3]):
        for line in open(path):
            s = json.loads(line)
            s["id"] = "%s_g%d" % (s["id"], k + 1)
            out.write(json.dumps(s) + "\n")
PY
"$VLIT" score -q "$tmp/samples.jsonl" --clues "$tmp/clues.jsonl" --image-root "$tmp/images" -o "$tmp/scores.jsonl"
"$VLIT" tag -q "$tmp/samples.jsonl" -o "$tmp/tags.jsonl"

n=$(wc -l < "$tmp/samples.jsonl")
target=$((n / 2))
S=(select "$tmp/samples.jsonl" --scores "$tmp/scores.jsonl" --tags "$tmp/tags.jsonl"
   --min-instruction-complexity 3 --dedup-by response --same-image --target "$target" --seed 1)
runs="full without_usability without_complexity without_diversity without_balance without_all"
for r in $runs; do
  case $r in
    full) extra=() ;;
    without_all) extra=(--without usability,complexity,diversity,balance) ;;
    *) extra=(--without "${r#without_}") ;;
  esac
  if "$VLIT" "${S[@]}" "${extra[@]}" -o "$tmp/$r.json" --reasons "$tmp/$r.why.jsonl" 2> "$tmp/$r.err"; then ok
  else bad "select $r: $(cat "$tmp/$r.err")"; continue; fi
  if "$VLIT" convert -q --from llava --to jsonl "$tmp/$r.json" "$tmp/$r.out.jsonl" 2> "$tmp/$r.conv"; then ok
  else bad "convert $r: $(cat "$tmp/$r.conv")"; fi
done
sed 's/^/  /' "$tmp/full.err"

python3 - "$tmp" "$target" $runs <<'PY' && pass=$((pass + 1)) || fail=$((fail + 1))
import json, re, sys
tmp, target, runs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
samples = [json.loads(l) for l in open(f"{tmp}/samples.jsonl")]
scores = [json.loads(l) for l in open(f"{tmp}/scores.jsonl")]
tags = [json.loads(l) for l in open(f"{tmp}/tags.jsonl")]
ids = [s["id"] for s in samples]
assert len(set(ids)) == len(ids)
pos_of = {x: i for i, x in enumerate(ids)}
task = [t.get("task", "(missing)") for t in tags]
groups = ["usability", "complexity", "diversity", "balance"]
problems = []
res = {}
for r in runs:
    kept = [pos_of[json.loads(l)["id"]] for l in open(f"{tmp}/{r}.out.jsonl")]
    why = [json.loads(l) for l in open(f"{tmp}/{r}.why.jsonl")]
    dropped = {w["position"]: w for w in why}
    if kept != sorted(kept):
        problems.append(f"{r}: output not in input order")
    if set(kept) & set(dropped) or len(kept) + len(dropped) != len(samples) or len(dropped) != len(why):
        problems.append(f"{r}: {len(kept)} kept + {len(why)} reasons != {len(samples)} samples")
    for w in why:
        if ids[w["position"]] != w["id"]:
            problems.append(f"{r}: reason of position {w['position']} names {w['id']}")
    res[r] = (kept, dropped)
    err = open(f"{tmp}/{r}.err").read()
    m = re.search(r"(\d+) samples: kept (\d+), dropped (\d+)", err)
    if not m or int(m.group(2)) != len(kept):
        problems.append(f"{r}: summary {m and m.group(0)} vs {len(kept)} written")

def by_group(d):
    out = {g: set() for g in groups}
    for p, w in d.items():
        out[w["group"]].add(p)
    return out

full_kept, full_drop = res["full"]
fg = by_group(full_drop)
print("demo: %d samples (two generation seeds), target %d" % (len(samples), target))
print("%-20s %6s " % ("run", "kept") + " ".join("%11s" % g for g in groups))
for r in runs:
    g = by_group(res[r][1])
    print("%-20s %6d " % (r, len(res[r][0])) + " ".join("%11d" % len(g[x]) for x in groups))
for g in groups:
    if not fg[g]:
        problems.append(f"full: group {g} dropped nothing, so --without {g} cannot differ")
for k, g in enumerate(groups):
    r = "without_" + g
    kept, drop = res[r]
    rg = by_group(drop)
    if kept == full_kept:
        problems.append(f"{r}: same result as the full selection")
    if rg[g]:
        problems.append(f"{r}: group {g} still dropped {len(rg[g])}")
    for earlier in groups[:k]:   # groups before the one turned off see the same input
        if rg[earlier] != fg[earlier]:
            problems.append(f"{r}: {earlier} dropped {len(rg[earlier])}, in the full run {len(fg[earlier])}")
    # what the group dropped in the full run is now kept or dropped by a later group
    for p in fg[g]:
        if p in drop and groups.index(drop[p]["group"]) < k:
            problems.append(f"{r}: position {p} dropped by {drop[p]['group']} before {g}")
if res["without_all"][0] != list(range(len(samples))):
    problems.append("every group off: not every sample written")

# usability and complexity reasons against the scores
def percentile(v, p):
    v = sorted(v)
    h = (len(v) - 1) * p / 100
    lo = int(h)
    return v[lo] if lo + 1 >= len(v) else v[lo] + (h - lo) * (v[lo + 1] - v[lo])
pct = {"text_readability": 10, "image_readability": 90, "matching": 10, "correctness": 10}
for w in full_drop.values():
    if w["group"] not in ("usability", "complexity"):
        continue
    m = re.match(r"(\w+) (\S+) ([<>]) (\S+) \(([^,)]+)(?:, p(\d+))?\)$", w["rule"])
    if not m:
        problems.append(f"reason not understood: {w['rule']}")
        continue
    name, val, op, cut, method, p = m.groups()
    sc = scores[w["position"]]["scores"][name]
    if sc["method"] != method or abs(sc["value"] - float(val)) > 1e-3 * max(1, abs(sc["value"])):
        problems.append(f"position {w['position']}: {w['rule']} but the score is {sc}")
    if name in pct:
        want = percentile([x["scores"][name]["value"] for x in scores if "value" in x["scores"].get(name, {})], pct[name])
        if p is None or int(p) != pct[name] or abs(want - float(cut)) > 1e-3 * max(1, abs(want)):
            problems.append(f"{name}: cut {cut} (p{p}), recomputed p{pct[name]} = {want}")
    elif name == "instruction_complexity" and float(cut) != 3:
        problems.append(f"complexity floor {cut}")
    if not ((op == "<" and sc["value"] < float(cut) * (1 + 1e-9) + 1e-12) or (op == ">" and sc["value"] > float(cut) * (1 - 1e-9) - 1e-12)):
        problems.append(f"position {w['position']}: {w['rule']} does not hold")
# diversity reasons: the representative is kept, shares the image and is at least as well scored
for p, w in full_drop.items():
    if w["group"] != "diversity":
        continue
    rep = int(re.search(r"position (\d+)", w["rule"]).group(1))
    if rep in full_drop and full_drop[rep]["group"] in ("usability", "complexity", "diversity"):
        problems.append(f"position {p}: representative {rep} was dropped by {full_drop[rep]['group']}")
    if samples[rep]["image"] != samples[p]["image"]:
        problems.append(f"position {p}: representative {rep} has another image")

# balance: the least variance for the target, by brute force (dynamic programming over allocations)
def variance(a):
    s = sum(a)
    sh = [100 * x / s for x in a]
    m = sum(sh) / len(sh)
    return sum((x - m) ** 2 for x in sh) / len(sh)
entering = sorted(full_kept + sorted(fg["balance"]))
before, after = {}, {}
for p in entering:
    before[task[p]] = before.get(task[p], 0) + 1
for p in full_kept:
    after[task[p]] = after.get(task[p], 0) + 1
names = sorted(before)
c = [before[t] for t in names]
a = [after.get(t, 0) for t in names]
T = min(target, sum(c))
# minimise the sum of squares (the variance for a fixed total) over 0 <= x_t <= c_t, sum x = T
INF = float("inf")
best = [0] + [INF] * T
for ct in c:
    nb = [INF] * (T + 1)
    for s in range(T + 1):
        if best[s] < INF:
            for x in range(0, min(ct, T - s) + 1):
                v = best[s] + x * x
                if v < nb[s + x]:
                    nb[s + x] = v
    best = nb
K = len(c)
vmin = (100 / T) ** 2 * best[T] / K - (100 / K) ** 2
vb, va = variance(c), variance(a)
print("balance: %d tasks, %d -> %d samples; variance of the task shares %.4f -> %.4f pp^2; minimum for %d: %.4f pp^2"
      % (K, sum(c), sum(a), vb, va, T, vmin))
if sum(a) != T:
    problems.append(f"balance kept {sum(a)}, target {T}")
if va - vmin > 1.0:
    problems.append(f"balance variance {va} more than 1 pp^2 above the minimum {vmin}")
if abs(va - vmin) > 1e-9:
    problems.append(f"balance variance {va} is not the minimum {vmin}")
m = re.search(r"variance of the task shares: (\S+) -> (\S+) pp", open(f"{tmp}/full.err").read())
if not m or abs(float(m.group(1)) - vb) > 1e-3 or abs(float(m.group(2)) - va) > 1e-3:
    problems.append(f"printed variances {m and m.groups()} vs {vb}, {va}")
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
PY

# determinism, seeds, the rule tagger, shards
"$VLIT" "${S[@]}" -q -o "$tmp/again.json"
if cmp -s "$tmp/full.json" "$tmp/again.json"; then ok; else bad "same seed, different output"; fi
"$VLIT" "${S[@]}" -q --seed 2 -o "$tmp/seed2.json"
if ! cmp -s "$tmp/full.json" "$tmp/seed2.json"; then ok; else bad "seed 2 gives the same sample as seed 1"; fi
S2=()
for x in "${S[@]}"; do [ "$x" = "--tags" ] && { skip=1; continue; }; [ "${skip:-0}" = 1 ] && { skip=0; continue; }; S2+=("$x"); done
"$VLIT" "${S2[@]}" -q -o "$tmp/rules.json"
if cmp -s "$tmp/full.json" "$tmp/rules.json"; then ok; else bad "the rule tagger and vlit tag's file disagree"; fi
"$VLIT" "${S[@]}" -q --format-out jsonl -o "$tmp/s0.jsonl" --shard 0/2
"$VLIT" "${S[@]}" -q --format-out jsonl -o "$tmp/s1.jsonl" --shard 1/2
if [ "$(cat "$tmp/s0.jsonl" "$tmp/s1.jsonl" | python3 -c 'import json,sys; print(sorted(json.loads(l)["id"] for l in sys.stdin))')" = \
     "$(python3 -c 'import json,sys; print(sorted(json.loads(l)["id"] for l in open(sys.argv[1])))' "$tmp/full.out.jsonl")" ]; then ok
else bad "two shards do not hold the single run's samples"; fi

# bad input
head -n 5 "$tmp/scores.jsonl" > "$tmp/short.jsonl"
set +e
"$VLIT" select "$tmp/samples.jsonl" --scores "$tmp/short.jsonl" -o "$tmp/bad.json" 2> "$tmp/bad.err"; rc=$?
set -e
if [ $rc = 1 ] && grep -q "record 5 .* has no scores line" "$tmp/bad.err" && [ ! -e "$tmp/bad.json" ]; then ok
else bad "short scores: rc $rc, $(cat "$tmp/bad.err")"; fi
set +e
"$VLIT" "${S[@]}" --without quality -o "$tmp/bad.json" 2> "$tmp/bad.err"; rc=$?
set -e
if [ $rc = 2 ] && grep -q "quality" "$tmp/bad.err"; then ok; else bad "unknown group: rc $rc"; fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]

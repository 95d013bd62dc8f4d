#!/usr/bin/env bash
# Bad input through the command: exit status 1, a message naming file, record
# and byte offset, and the output file that was there before is untouched.
# With --skip-bad the bad record is listed and counted and the run succeeds.
set -euo pipefail
VLIT=${1:?usage: bad_input.sh VLIT}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

IMG='{"images":[{"id":1,"file_name":"a.jpg","width":10,"height":10}],"annotations":['

# case NAME CONTENT EXPECTED-SUBSTRING SKIPPABLE(0/1)
case_() {
  local name=$1 content=$2 want=$3 skippable=$4
  printf '%s' "$content" > "$tmp/$name"
  echo "prior output" > "$tmp/out.jsonl"
  local before; before=$(sha256sum < "$tmp/out.jsonl")
  set +e
  "$VLIT" collect -q --coco-captions "$tmp/$name" -o "$tmp/out.jsonl" 2> "$tmp/err"
  local rc=$?
  set -e
  local msg; msg=$(cat "$tmp/err")
  [ "$rc" = 1 ] || { bad "$name: exit $rc, want 1"; return; }
  [[ "$msg" == *"$tmp/$name: "*"(byte "* ]] || { bad "$name: message lacks file and byte offset: $msg"; return; }
  [[ "$msg" == *"$want"* ]] || { bad "$name: message lacks '$want': $msg"; return; }
  [ "$(sha256sum < "$tmp/out.jsonl")" = "$before" ] || { bad "$name: prior output changed"; return; }
  ls "$tmp" | grep -q '\.tmp' && { bad "$name: a temporary file was left behind"; return; }
  if [ "$skippable" = 1 ]; then
    set +e
    "$VLIT" collect --skip-bad --coco-captions "$tmp/$name" -o "$tmp/out.jsonl" 2> "$tmp/err"
    rc=$?
    set -e
    [ "$rc" = 0 ] || { bad "$name: --skip-bad exit $rc"; return; }
    grep -q "skipped: $tmp/$name" "$tmp/err" || { bad "$name: --skip-bad did not list the record"; return; }
    grep -q "1 bad records skipped" "$tmp/err" || { bad "$name: --skip-bad did not count the record"; return; }
  fi
  pass=$((pass + 1))
}

case_ truncated.json "$IMG"'{"image_id":1,"id":1,"caption":"a"},{"image_id":1,"id":2,"capt' \
  'annotations[1] (byte 141): truncated JSON' 0
case_ invalid.json "$IMG"'{"image_id":1,"id":1,"caption":"a"} {"x":1}]}' 'annotations after [0] (byte 116)' 0
case_ types.json "$IMG"'{"image_id":1,"id":1,"caption":["a"]}]}' \
  'annotations[0] (byte 79): field "caption" must be a string, not array' 1
case_ unknown.json "$IMG"'{"image_id":1,"id":1,"caption":"a"},{"image_id":99,"id":2,"caption":"b"}]}' \
  'annotations[1] (byte 115): image id 99 is not in any images list' 1
case_ latin1.json "$IMG"$'{"image_id":1,"id":1,"caption":"caf\xe9"}]}' 'annotations[0] (byte 116): invalid bytes in UTF8' 0
case_ huge-size.json '{"images":[{"id":1,"file_name":"a.jpg","width":10,"height":2000000000}],"annotations":[]}' \
  'images[0] (byte 11): image 1: size 10x2000000000 is out of range' 1
case_ huge-caption.json "$IMG"'{"image_id":1,"id":1,"caption":"'"$(head -c 70000 /dev/zero | tr '\0' x)"'"}]}' \
  'has 70000 bytes, more than the limit of 65536' 1
case_ empty.json '' 'empty input' 0

# missing image, with an image root
printf '%s' '{"images":[{"id":1,"file_name":"gone.jpg","width":10,"height":10}],"annotations":[]}' > "$tmp/missing.json"
echo "prior output" > "$tmp/out.jsonl"
set +e
"$VLIT" collect -q --coco-captions "$tmp/missing.json" --image-root "$tmp" -o "$tmp/out.jsonl" 2> "$tmp/err"
rc=$?
set -e
if [ "$rc" = 1 ] && grep -q "missing.json: images\[0\] (byte 11): image 1: missing image file $tmp/gone.jpg" "$tmp/err" &&
   [ "$(cat "$tmp/out.jsonl")" = "prior output" ]; then pass=$((pass + 1)); else bad "missing image: rc=$rc $(cat "$tmp/err")"; fi

# convert: a wrong type in a LLaVA record, and usage errors exit 2
printf '%s' '[{"id":"a","conversations":[]},{"id":"b","conversations":"x"}]' > "$tmp/l.json"
echo "prior output" > "$tmp/o.jsonl"
set +e
"$VLIT" convert -q --from llava --to jsonl "$tmp/l.json" "$tmp/o.jsonl" 2> "$tmp/err"
rc=$?
set -e
if [ "$rc" = 1 ] && grep -q 'l.json: record \[1\] (byte 31): field "conversations" must be an array, not string' "$tmp/err" &&
   [ "$(cat "$tmp/o.jsonl")" = "prior output" ]; then pass=$((pass + 1)); else bad "convert bad record: rc=$rc $(cat "$tmp/err")"; fi
set +e
"$VLIT" convert --from nope a b 2> /dev/null; rc1=$?
"$VLIT" collect 2> /dev/null; rc2=$?
"$VLIT" frobnicate 2> /dev/null; rc3=$?
set -e
if [ "$rc1$rc2$rc3" = 222 ]; then pass=$((pass + 1)); else bad "usage errors exit $rc1 $rc2 $rc3, want 2 2 2"; fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]

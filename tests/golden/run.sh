#!/usr/bin/env bash
# Golden tests of the command's output: each case of cases.txt is run and its
# standard output, standard error and exit status are compared with
# expected/NAME.txt. `run.sh --update VLIT` rewrites the expected files.
set -uo pipefail
update=0
if [ "${1:-}" = "--update" ]; then update=1; shift; fi
VLIT=$(realpath "${1:?usage: run.sh [--update] VLIT}")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
pass=0 fail=0
while IFS= read -r line; do
  case "$line" in ''|'#'*) continue ;; esac
  name=${line%% | *}
  cmd=${line#* | }
  TMP=$(mktemp -d)
  out=$(VLIT=$VLIT TMP=$TMP bash -c "$cmd" 2> "$TMP/.stderr"; echo "exit $?")
  # stable text: temporary paths replaced by a fixed word
  actual=$(printf '%s\n--- stderr\n%s\n' "$out" "$(cat "$TMP/.stderr")" | sed "s|$TMP|TMP|g")
  rm -rf "$TMP"
  expected_file=$here/expected/$name.txt
  if [ $update = 1 ]; then
    printf '%s\n' "$actual" > "$expected_file"
    pass=$((pass + 1))
  elif [ -f "$expected_file" ] && [ "$(cat "$expected_file")" = "$actual" ]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL: golden case '$name'" >&2
    diff <(cat "$expected_file" 2> /dev/null) <(printf '%s\n' "$actual") | head -20 >&2
  fi
done < "$here/cases.txt"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]

#!/usr/bin/env bash
# vlit's n-gram language models against IRSTLM, and their speed.
#  1. corpora: WordNet's glosses (training, ~9 MB; Debian's wordnet-base) and
#     real vision-language text (coco-mini captions, LLaVA samples) to score;
#  2. models: vlit's modified Kneser-Ney trainer (orders 3 and 5) and IRSTLM's
#     build-lm.sh (improved Kneser-Ney, order 3), all as ARPA files;
#  3. each model scored by vlit (ARPA and binary) and by IRSTLM's compile-lm:
#     totals, perplexity, and every sentence's log10 probability (to 1e-4);
#  4. normalisation of the trained ARPA files, checked in Python;
#  5. speed: scoring tokens/s from the binary form, load times (medians).
# usage: bench/lm/run.sh [--runs N]     (VLIT=path/to/vlit, BENCH_DATA, SHARED_DATA)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/bench/lm
vlit=$(realpath "${VLIT:-$root/build/vlit}")
data=${BENCH_DATA:-/work/bench-data}/lm
shared=$(realpath "${SHARED_DATA:-$root/../shared/data}")
runs=5
[ "${1:-}" = --runs ] && runs=$2
irst=/usr/lib/irstlm/bin
export IRSTLM=/usr/lib/irstlm

for p in irstlm wordnet-base; do
  if ! dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q "install ok installed"; then
    [ "$(id -u)" = 0 ] || { echo "bench/lm: install $p first (apt-get install $p)" >&2; exit 1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" > /dev/null
  fi
done
[ -x "$vlit" ] || { echo "bench/lm: build vlit first (scripts/setup.sh), or set VLIT" >&2; exit 1; }
mkdir -p "$data"
cd "$data"

median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

echo "== corpora"
python3 "$here/prepare.py" "$shared" "$data"
"$vlit" lm tokenize wordnet.txt wordnet.tok
"$vlit" lm tokenize eval.txt - | grep -v '^$' > eval.tok
"$irst/add-start-end.sh" < wordnet.tok > wordnet.se
"$irst/add-start-end.sh" < eval.tok > eval.se
echo "eval.tok: $(wc -l < eval.tok) sentences, $(wc -w < eval.tok) words"

echo "== models"
"$vlit" lm train -q --order 3 wordnet.tok -o vlit3.arpa
"$vlit" lm train -q --order 5 wordnet.tok -o vlit5.arpa
if [ ! -s irst3.arpa ] || [ irst3.arpa -ot wordnet.se ]; then
  rm -rf irst-tmp irst3.ilm.gz
  PATH=$irst:$PATH "$irst/build-lm.sh" -i wordnet.se -n 3 -k 2 -s improved-kneser-ney -t irst-tmp \
    -o irst3.ilm.gz > /dev/null 2>&1
  "$irst/compile-lm" irst3.ilm.gz --text=yes irst3.arpa > /dev/null 2>&1
  rm -rf irst-tmp irst3.ilm.gz
fi

echo "== vlit against IRSTLM (compile-lm), OOV penalty off (-dub = |V| + 1)"
printf '%-7s %5s %15s %15s %12s %12s %10s %s\n' model order "logprob vlit" "logPr IRSTLM" "ppl vlit" "PP IRSTLM" \
  "OOV" "per sentence"
status=0
for m in vlit3 vlit5 irst3; do
  order=$(grep -E '^ngram +[0-9]+ *=' "$m.arpa" | tail -1 | sed -E 's/^ngram +([0-9]+).*/\1/')
  vocab=$(grep -E '^ngram +1 *=' "$m.arpa" | sed -E 's/.*= *//')
  "$vlit" lm build -q "$m.arpa" "$m.bin"
  "$vlit" lm score --raw --per-line --lm "$m.arpa" eval.tok > "$m.vlit-arpa"
  "$vlit" lm score --raw --per-line --lm "$m.bin" eval.tok > "$m.vlit"
  cmp -s "$m.vlit" "$m.vlit-arpa" || { echo "$m: the binary form scores differently from the ARPA file" >&2; status=1; }
  eval_line=$("$irst/compile-lm" --eval=eval.se -d=1 --dub=$((vocab + 1)) "$m.arpa" 2> /dev/null | grep '%%' | tail -1)
  "$irst/compile-lm" --score=yes --dub=$((vocab + 1)) "$m.arpa" < eval.se > "$m.irst.$order" 2> /dev/null
  levels=()
  for ((l = 2; l < order; l++)); do
    python3 "$here/truncate_arpa.py" "$m.arpa" $l "$m.l$l.arpa"
    "$irst/compile-lm" --score=yes --dub=$((vocab + 1)) "$m.l$l.arpa" < eval.se > "$m.irst.$l" 2> /dev/null
    rm -f "$m.l$l.arpa" "$m.l$l.arpa.blm"
    levels+=("$m.irst.$l")
  done
  cmpline=$(python3 "$here/compare.py" "$order" "$m.vlit" "$m.irst.$order" "${levels[@]}") || status=1
  lp=$(grep '^logprob:' "$m.vlit" | cut -d' ' -f2)
  ppl=$(grep '^ppl:' "$m.vlit" | cut -d' ' -f2)
  oov=$(grep '^oov:' "$m.vlit" | cut -d' ' -f2)
  ilp=$(sed -E 's/.*logPr=([-0-9.]+).*/\1/' <<< "$eval_line")
  ipp=$(sed -E 's/.*PP=([0-9.]+) .*/\1/' <<< "$eval_line")
  inoov=$(sed -E 's/.*Noov=([0-9]+).*/\1/' <<< "$eval_line")
  printf '%-7s %5s %15s %15s %12s %12s %10s %s\n' "$m" "$order" "$lp" "$ilp" "$ppl" "$ipp" "$oov/$inoov" \
    "$(sed -E 's/sentences [0-9]+  //; s/  total.*//' <<< "$cmpline")"
  rm -f "$m.arpa.blm"
done

echo "== normalisation (Python, ARPA backoff rules): sum over the vocabulary of p(w|h)"
python3 "$here/sumcheck.py" vlit3.arpa 30 || status=1
python3 "$here/sumcheck.py" vlit5.arpa 30 || status=1

echo "== speed (median of $runs runs; one core)"
tokens_eval=$(( $(wc -w < eval.tok) + $(wc -l < eval.tok) ))
: > speed.tok
for ((i = 0; i < 150; i++)); do cat eval.tok >> speed.tok; done
for m in vlit3 vlit5; do
  tokens=$("$vlit" lm score --raw --lm "$m.bin" speed.tok | grep '^tokens:' | cut -d' ' -f2)
  tokw=$("$vlit" lm score --lm "$m.bin" wordnet.txt | grep '^tokens:' | cut -d' ' -f2)
  # wall time, and CPU time (user + system), which other load on a shared
  # machine disturbs less
  for ((r = 0; r < runs; r++)); do
    /usr/bin/time -f "%e %U %S" -o time.txt "$vlit" lm score --lm "$m.bin" speed.tok > /dev/null
    awk -v n="$tokens" '{ print n / $1, n / ($2 + $3) }' time.txt >> "$m.speed-eval"
    /usr/bin/time -f "%e %U %S" -o time.txt "$vlit" lm score --lm "$m.bin" wordnet.txt > /dev/null
    awk -v n="$tokw" '{ print n / $1, n / ($2 + $3) }' time.txt >> "$m.speed-wn"
    "$vlit" lm info "$m.bin" | grep open_ms | cut -d' ' -f2 >> "$m.open-bin"
  done
  for ((r = 0; r < 3; r++)); do
    "$vlit" lm info "$m.arpa" | grep open_ms | cut -d' ' -f2 >> "$m.open-arpa"
  done
  printf '%s: binary %s MB, ARPA %s MB; open: binary %s ms, ARPA %s ms\n' "$m" \
    $(( $(stat -c %s "$m.bin") / 1000000 )) $(( $(stat -c %s "$m.arpa") / 1000000 )) \
    "$(median < "$m.open-bin")" "$(median < "$m.open-arpa")"
  printf '%s: scoring, M tokens/s by wall / CPU time (the whole command: read, tokenise, score): ' "$m"
  printf 'eval text x150 (%s tokens) %.2f / %.2f, training text (%s tokens) %.2f / %.2f\n' \
    "$tokens" "$(cut -d' ' -f1 "$m.speed-eval" | median | awk '{ print $1 / 1e6 }')" \
    "$(cut -d' ' -f2 "$m.speed-eval" | median | awk '{ print $1 / 1e6 }')" \
    "$tokw" "$(cut -d' ' -f1 "$m.speed-wn" | median | awk '{ print $1 / 1e6 }')" \
    "$(cut -d' ' -f2 "$m.speed-wn" | median | awk '{ print $1 / 1e6 }')"
  rm -f "$m.speed-eval" "$m.speed-wn" "$m.open-bin" "$m.open-arpa" time.txt
done
echo "(eval text: $tokens_eval tokens with </s>)"
exit $status

#!/usr/bin/env bash
# vlit cluster dbscan against scikit-learn's DBSCAN(metric="cosine",
# algorithm="brute") (Debian's python3-sklearn), the reference of SPEC.md 2.4.
#  1. validation: 24 clustered sets with noise (sets.py: 1,000-20,000 rows,
#     64-768 dimensions, uneven clusters, rows of varying length, several eps
#     and min_samples): same core points, same partition of the core points,
#     same labels; and how close the nearest pair distance comes to eps (the
#     exactness argument of docs/cluster.md);
#  2. time and peak memory (/usr/bin/time -f %M) of both on 20,000 x 256:
#     medians of alternating runs, whole processes (loading, clustering,
#     writing) and the clustering alone;
#     vlit with and without its pivot pruning (--no-pruning); when the
#     environment sets OPENBLAS_CORETYPE, both again with it unset (OpenBLAS's
#     own choice of kernels);
#  3. vlit alone on 158,000 x 256: the clustered set, and TF-IDF-like text
#     vectors (sets.py text).
# usage: bench/dbscan/run.sh [--runs N] [--skip-big]   (VLIT=path/to/vlit, BENCH_DATA=folder for inputs)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/bench/dbscan
vlit=$(realpath "${VLIT:-$root/build/vlit}")
data=${BENCH_DATA:-/work/bench-data}/dbscan
PY=/usr/bin/python3 # Debian's, with numpy and scikit-learn
runs=5 big=1
while [ $# -gt 0 ]; do
  case $1 in
  --runs) runs=$2; shift 2 ;;
  --skip-big) big=0; shift ;;
  *) echo "usage: bench/dbscan/run.sh [--runs N] [--skip-big]" >&2; exit 2 ;;
  esac
done
for p in python3-sklearn libopenblas-dev; do
  if ! dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q "install ok installed"; then
    [ "$(id -u)" = 0 ] || { echo "bench/dbscan: install $p first (apt-get install $p)" >&2; exit 1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$p" > /dev/null
  fi
done
[ -x "$vlit" ] || { echo "bench/dbscan: build vlit first (scripts/setup.sh), or set VLIT" >&2; exit 1; }
mkdir -p "$data"
cd "$data"

median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# the seconds vlit's --summary gives for the clustering itself
vlit_seconds() { sed -n 's/.*: \([0-9.]*\) s (.*/\1/p' "$1"; }

echo "machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "OpenBLAS: $(ls -l /etc/alternatives/libblas.so.3-x86_64-linux-gnu 2> /dev/null | sed 's/.*-> //'), $("$PY" -c 'import sklearn, numpy; print("scikit-learn", sklearn.__version__, "numpy", numpy.__version__)')"

echo "== validation"
[ -s sets.txt ] || "$PY" "$here/sets.py" gen "$data"
printf '%-14s %6s %5s %6s %4s | %8s %6s %6s %6s | %4s %8s %6s | %9s %5s | %8s\n' set rows dim eps min clusters core \
  border noise core "core-clu" labels "closest" "ties" "float64"
total=0 same=0
while read -r name eps m; do
  "$PY" "$here/sets.py" ref "$name.npy" "$eps" "$m" "$name.ref" > /dev/null
  "$vlit" cluster dbscan --eps "$eps" --min-samples "$m" --core --summary "$name.npy" -o "$name.out" 2> "$name.sum"
  read -r c1 c2 c3 < <("$PY" "$here/sets.py" compare "$name.ref" "$name.out")
  read -r closest ties < <("$PY" "$here/sets.py" gap "$name.npy" "$eps")
  read -r rows dim < <(sed -n 's/.*: \([0-9]*\) rows of \([0-9]*\) values.*/\1 \2/p' "$name.sum")
  read -r clusters core border noise < <(sed -n 's/.*: \([0-9]*\) clusters, \([0-9]*\) core points, \([0-9]*\) border points, \([0-9]*\) noise.*/\1 \2 \3 \4/p' "$name.sum")
  rechecked=$(sed -n 's/.* \([0-9]*\) decided in float64.*/\1/p' "$name.sum")
  printf '%-14s %6s %5s %6s %4s | %8s %6s %6s %6s | %4s %8s %6s | %9s %5s | %8s\n' "$name" "$rows" "$dim" "$eps" "$m" \
    "$clusters" "$core" "$border" "$noise" "$c1" "$c2" "$c3" "$closest" "$ties" "$rechecked"
  total=$((total + 1))
  [ "$c1 $c2 $c3" = "yes yes yes" ] && same=$((same + 1))
done < sets.txt
echo "identical core points, core clusters and labels: $same of $total sets"
echo "(closest: smallest |d - eps| over all pairs, d = scikit-learn's float64 cosine distance; ties: pairs within 1e-12 of eps;"
echo " float64: pairs vlit decided in float64 because float32 could not)"

echo "== time and peak memory, 20,000 x 256 (s22): medians of $runs alternating runs"
t=s22-20000x256
read -r _ eps m < <(grep "^$t " sets.txt)
coretype=${OPENBLAS_CORETYPE:-}
echo "OPENBLAS_CORETYPE in the environment: ${coretype:-(not set)}"
: > sk.times
: > vl.times
: > vn.times
: > sku.times
: > vlu.times
sk() { fit=$(/usr/bin/time -f '%e %M' -o time.txt "$PY" "$here/sets.py" ref "$t.npy" "$eps" "$m" "$t.ref"); echo "$(cat time.txt) $fit"; }
vl() {
  /usr/bin/time -f '%e %M' -o time.txt "$vlit" cluster dbscan --eps "$eps" --min-samples "$m" --summary "$@" "$t.npy" \
    -o "$t.out" 2> "$t.sum"
  echo "$(cat time.txt) $(vlit_seconds "$t.sum")"
}
for r in $(seq "$runs"); do
  sk >> sk.times
  vl >> vl.times
  vl --no-pruning >> vn.times
  if [ -n "$coretype" ]; then
    (unset OPENBLAS_CORETYPE; sk >> sku.times)
    (unset OPENBLAS_CORETYPE; vl >> vlu.times)
  fi
done
vl > /dev/null
sed -n 's/.*multiplied \(.*\)/  vlit: multiplied \1/p' "$t.sum"
report() { # label file
  printf '%-44s %8.2f s %8.2f s %8.0f MB\n' "$1" "$(cut -d' ' -f1 "$2" | median)" "$(cut -d' ' -f3 "$2" | median)" \
    "$(cut -d' ' -f2 "$2" | median | awk '{ print $1 / 1024 }')"
}
printf '%-44s %10s %10s %11s\n' "" process clustering "peak RSS"
report "scikit-learn DBSCAN (cosine, brute)" sk.times
report "vlit cluster dbscan" vl.times
report "vlit cluster dbscan --no-pruning" vn.times
if [ -n "$coretype" ]; then
  report "scikit-learn, OPENBLAS_CORETYPE unset" sku.times
  report "vlit, OPENBLAS_CORETYPE unset" vlu.times
  (unset OPENBLAS_CORETYPE; "$vlit" cluster dbscan --eps "$eps" --min-samples "$m" --summary -q "$t.npy" -o /dev/null 2>&1 |
    sed -n 's/.*\(OpenBLAS kernels: .*\)/  unset: \1/p')
fi
awk -v a="$(cut -d' ' -f1 sk.times | median)" -v b="$(cut -d' ' -f1 vl.times | median)" \
  -v c="$(cut -d' ' -f3 sk.times | median)" -v d="$(cut -d' ' -f3 vl.times | median)" \
  -v e="$(cut -d' ' -f2 sk.times | median)" -v f="$(cut -d' ' -f2 vl.times | median)" \
  'BEGIN { printf "vlit: %.1fx faster (process), %.1fx (clustering), %.1f%% of the peak memory\n", a / b, c / d, 100 * f / e }'
echo "load average now $(cut -d' ' -f1-3 /proc/loadavg)"

if [ $big = 1 ]; then
  [ -s big158.npy ] || "$PY" "$here/sets.py" big 158000 256 7 big158.npy
  [ -s text158.npy ] || "$PY" "$here/sets.py" text 158000 256 12 text158.npy
  for job in "big158 0.19 10 clustered" "text158 0.3 5 text-like"; do
    read -r f e k what <<< "$job"
    echo "== vlit alone, 158,000 x 256, $what (eps $e, min-samples $k)"
    /usr/bin/time -f '%e %M' -o time.txt "$vlit" cluster dbscan --eps "$e" --min-samples "$k" --summary -q "$f.npy" \
      -o "$f.out" 2> "$f.sum"
    sed 's/^/  /' "$f.sum"
    echo "  process: $(cut -d' ' -f1 time.txt) s, peak RSS $(awk '{ printf "%.0f", $2 / 1024 }' time.txt) MB"
  done
  echo "load average now $(cut -d' ' -f1-3 /proc/loadavg)"
fi

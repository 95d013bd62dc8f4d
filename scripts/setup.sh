#!/usr/bin/env bash
# Installs what vlit needs from Debian (as root, when something is missing)
# and builds it into build/ with warnings as errors.
# usage: scripts/setup.sh [extra cmake options]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# The one list of dependencies (CMakeLists.txt finds the same libraries).
packages=(
  cmake make gcc g++ pkg-config        # build
  libyajl-dev                          # JSON (streaming parser; bench/json-choice says why)
  libjpeg62-turbo-dev libpng-dev       # images
  zlib1g-dev                           # deflate: the compression ratio of visual complexity
  libtesseract-dev tesseract-ocr-eng   # OCR for collect --ocr
  libsqlite3-dev libssl-dev            # the run store of LLM requests (SQLite; SHA-256 keys from libcrypto)
  libcurl4-openssl-dev                 # the HTTP client for model servers
  libopenblas-dev python3-sklearn      # DBSCAN: blocked similarities (sgemm); scikit-learn is its test and bench reference
  wordnet-base                         # WordNet 3.0 (read at run time): instruction complexity, LM bench corpus
  python3 python3-skimage python-matplotlib-data  # demo images; python3 for tests and baselines
  python3-networkx                     # the independent Ego-Splitting reference (tests/integration/graph.sh, bench/egosplit)
  python3-scipy                        # vlit stats' reference: pearsonr, spearmanr, F quantiles (tests/integration/stats.sh)
  chromium                             # headless browser for the report page test (tests/integration/report_html.sh); big: ~290 MB, ~40 s to install
  slurm-wlm munge                      # a private single-node Slurm for tests/integration/slurm.sh (contrib/slurm)
  python3-distributed                  # Dask LocalCluster for tests/integration/dask.sh (contrib/dask)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  if [ "$(id -u)" != 0 ]; then
    echo "setup: run as root, or install these packages first: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
fi
cmake -S "$root" -B "$root/build" -DVLIT_WERROR=ON "$@" > /dev/null
cmake --build "$root/build" -j"$(nproc)" > /dev/null
echo "setup: built $root/build/vlit"

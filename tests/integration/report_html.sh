#!/usr/bin/env bash
# The report's HTML page in a real browser: every fixture of
# tests/fixtures/report (one dataset, three, missing values, hostile texts) is
# rendered, then Debian's headless Chromium
#  1. takes a 1280x4000 screenshot, which must be a PNG of that size that is
#     not blank (many colours, much of it drawn on; read with the project's
#     PNG reader through test_report_html --png-stats);
#  2. dumps the DOM as it parsed the page, and report_html_check.py checks it
#     against the JSON: every chart present, one table column per dataset,
#     missing values with their reasons, the worst samples' texts as text,
#     no <script> or other element smuggled in by the texts.
# Skipped (77) only when no chromium is installed (scripts/setup.sh installs
# it). REPORT_HTML_KEEP=DIR keeps the pages, screenshots and DOMs there.
# With VLIT, also two real reports made by `vlit report` on the demo pipeline's
# output (data/demo/pipeline.conf): the demo alone, and the demo beside its
# samples of another generation seed.
# usage: report_html.sh TEST_REPORT_HTML [VLIT]
set -euo pipefail
DRIVER=${1:?usage: report_html.sh TEST_REPORT_HTML [VLIT]}
VLIT=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
fixtures=$here/../fixtures/report
PY=/usr/bin/python3
browser=
for b in chromium chromium-browser; do
  if command -v "$b" > /dev/null 2>&1; then
    browser=$(command -v "$b")
    break
  fi
done
if [ -z "$browser" ]; then
  echo "report_html.sh: chromium is not installed (apt-get install chromium); skipped" >&2
  exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=${REPORT_HTML_KEEP:-$tmp/out}
mkdir -p "$out"
pass=0 fail=0
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
ok() { pass=$((pass + 1)); }

# root in a container, no display, no D-Bus: no sandbox, no GPU, a fresh
# profile per run, /tmp instead of a small /dev/shm, and a time limit
chrome() {
  rm -rf "$tmp/profile"
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
    --no-default-browser-check --disable-extensions --disable-background-networking --disable-sync \
    --hide-scrollbars --user-data-dir="$tmp/profile" "$@" 2> "$tmp/chrome.err"
}

docs=("$fixtures"/*.json)
if [ -n "$VLIT" ]; then
  root=$(cd "$here/../.." && pwd)
  "$root/scripts/demo-images.sh" "$tmp/images" > /dev/null
  (cd "$root" && "$VLIT" run -q data/demo/pipeline.conf --workdir "$tmp/w" --set run.image-root="$tmp/images" \
    --set select.target=false --set report.min-samples-image=2)
  "$VLIT" generate -q --mode aa --seed 2 --turns 3 "$tmp/w/clues.jsonl" -o "$tmp/w/seed2.jsonl"
  "$VLIT" score -q "$tmp/w/seed2.jsonl" --clues "$tmp/w/clues.jsonl" --image-root "$tmp/images" -o "$tmp/w/seed2.scores.jsonl"
  mkdir -p "$tmp/real"
  cp "$tmp/w/report.json" "$tmp/real/demo-report.json"
  "$VLIT" report -q "$tmp/w/samples.jsonl" "$tmp/w/seed2.jsonl" --name seed-1 --name seed-2 \
    --clues "$tmp/w/clues.jsonl" --scores "$tmp/w/scores.jsonl" --scores "$tmp/w/seed2.scores.jsonl" \
    --image-root "$tmp/images" --min-samples-image 2 --format json -o "$tmp/real/demo-two-report.json"
  # the page vlit writes itself is the driver's page
  "$VLIT" report -q --from-json "$tmp/real/demo-two-report.json" --format html -o "$tmp/real/vlit.html"
  "$DRIVER" "$tmp/real/demo-two-report.json" "$tmp/real/driver.html"
  cmp -s "$tmp/real/vlit.html" "$tmp/real/driver.html" && ok || bad "vlit report --format html differs from the renderer"
  docs+=("$tmp/real/demo-report.json" "$tmp/real/demo-two-report.json")
fi

for f in "${docs[@]}"; do
  n=$(basename "$f" .json)
  html=$out/$n.html
  if ! "$DRIVER" "$f" "$html" 2> "$tmp/err"; then
    bad "$n: rendering failed: $(cat "$tmp/err")"
    continue
  fi
  # 1. screenshot
  rm -f "$out/$n.png"
  if ! chrome --screenshot="$out/$n.png" --window-size=1280,4000 "file://$html" > /dev/null ||
    [ ! -s "$out/$n.png" ]; then
    bad "$n: chromium took no screenshot: $(tail -3 "$tmp/chrome.err")"
  else
    sig=$(head -c 8 "$out/$n.png" | od -An -tx1 | tr -d ' \n')
    [ "$sig" = 89504e470d0a1a0a ] && ok || bad "$n: the screenshot is not a PNG ($sig)"
    if stats=$("$DRIVER" --png-stats "$out/$n.png"); then
      read -r w h colours inked <<< "$stats"
      [ "$w" = 1280 ] && [ "$h" = 4000 ] && ok || bad "$n: screenshot is ${w}x$h, expected 1280x4000"
      # text antialiasing and six dataset colours alone give hundreds
      [ "$colours" -ge 64 ] && ok || bad "$n: screenshot has only $colours colours: blank?"
      "$PY" -c "import sys; sys.exit(0 if float('$inked') >= 0.02 else 1)" && ok ||
        bad "$n: only a share of $inked of the screenshot differs from the background"
    else
      bad "$n: the screenshot does not decode"
    fi
  fi
  # 2. the page's structure as Chromium parsed it
  if ! chrome --dump-dom "file://$html" > "$out/$n.dom.html" || [ ! -s "$out/$n.dom.html" ]; then
    bad "$n: chromium dumped no DOM: $(tail -3 "$tmp/chrome.err")"
  elif "$PY" "$here/report_html_check.py" "$f" "$out/$n.dom.html" > "$tmp/check" 2>&1; then
    ok
  else
    bad "$n: $(cat "$tmp/check")"
  fi
done

# the checker is not blind: a page whose texts were not escaped fails it
n=hostile
if [ -f "$out/$n.dom.html" ]; then
  sed 's|<td class="text">|<td class="text"><script>alert(1)</script><img src=x onerror=alert(1)>|' \
    "$out/$n.dom.html" > "$tmp/broken.html"
  if "$PY" "$here/report_html_check.py" "$fixtures/$n.json" "$tmp/broken.html" > "$tmp/check" 2>&1; then
    bad "the checker accepted a page with a <script> element"
  else
    grep -q '<script> elements, expected 0' "$tmp/check" && grep -q 'event handler attribute onerror' "$tmp/check" &&
      ok || bad "the checker missed the smuggled elements: $(tail -3 "$tmp/check")"
  fi
  # and a chart missing from the page is noticed
  sed '0,/data-chart="histogram"/s//data-chart="gone"/' "$out/$n.dom.html" > "$tmp/broken.html"
  if "$PY" "$here/report_html_check.py" "$fixtures/$n.json" "$tmp/broken.html" > "$tmp/check" 2>&1; then
    bad "the checker accepted a page without one of its histograms"
  else
    ok
  fi
fi

echo "report_html.sh: $pass passed, $fail failed"
[ "$fail" -eq 0 ]

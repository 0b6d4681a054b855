#!/usr/bin/env bash
# Source-map attribution: distill against source-map-explorer 2.5.3 on the same build, same run.
#
#   [RUNS=N] bench/attribution/run.sh [BUILD_DIR]
#
# BUILD_DIR defaults to the largest fixture build present (by bytes of mapped scripts and
# stylesheets). Each tool runs once untimed, then RUNS times (default 5); the median wall time
# (date +%s%N around the run) and the median peak
# RSS (GNU time's "Maximum resident set size") are reported, with the ratios.
#
# source-map-explorer runs with --no-border-checks (its default mode fails on every current Vite
# and Next build: "generated column Infinity") and --json, on every script and stylesheet that
# has a map, `[` escaped as `[[]` because it globs its arguments. distill runs
# `analyze DIR --encodings raw --json FILE`: ingest (hashing every file of the build), then raw
# attribution of every script and stylesheet; more work than source-map-explorer does.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
runs="${RUNS:-5}"
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "needs GNU time at /usr/bin/time" >&2; exit 2; }

if [ ! -x "$here/node_modules/.bin/source-map-explorer" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --silent)
fi
sme="$here/node_modules/source-map-explorer/bin/cli.js"

# Mapped scripts and stylesheets of a build, relative to it (client files only for Next).
mapped_files() {
  (cd "$1" && find . \( -path ./cache -o -path ./server -o -path ./node_modules \) -prune -o \
      -type f \( -name '*.js' -o -name '*.css' \) -print |
    sed 's|^\./||' | sort | while read -r f; do
      if grep -q 'sourceMappingURL=' <(tail -c 4096 "$f"); then echo "$f"; fi
    done)
}

if [ $# -ge 1 ]; then
  dir="$(cd "$1" && pwd)"
else
  best=0 dir=""
  for d in "$root"/fixtures/*/dist "$root"/fixtures/*/.next "$root"/fixtures/*/.next-webpack; do
    [ -d "$d" ] || continue
    bytes=$(cd "$d" && mapped_files "$d" | tr '\n' '\0' | xargs -0 cat 2>/dev/null | wc -c)
    if [ "$bytes" -gt "$best" ]; then best=$bytes dir=$d; fi
  done
  [ -n "$dir" ] || { echo "no fixture build found: run fixtures/build.sh" >&2; exit 2; }
fi

(cd "$root" && cargo build --release --quiet -p distill)
distill="${CARGO_TARGET_DIR:-$root/target}/release/distill"

mapfile -t files < <(mapped_files "$dir")
globs=()
for f in "${files[@]}"; do globs+=("${f//[/[[]}"); done
js_bytes=$(cd "$dir" && cat "${files[@]}" | wc -c)
map_bytes=0
for f in "${files[@]}"; do
  url=$(tail -c 4096 "$dir/$f" | grep -o 'sourceMappingURL=[^ *]*' | tail -1 | cut -d= -f2)
  m="$(dirname "$dir/$f")/$url"
  [ -f "$m" ] && map_bytes=$((map_bytes + $(stat -c %s "$m")))
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# median of a column of numbers
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# measure NAME CMD...: one untimed run, then RUNS timed runs in $dir; prints the median wall
# milliseconds (date +%s%N around the run) and the median peak RSS in KiB (GNU time's %M)
measure() {
  local name=$1; shift
  : > "$tmp/$name.times"
  for i in $(seq 0 "$runs"); do
    local start end
    start=$(date +%s%N)
    (cd "$dir" && "$TIME" -f '%M' -o "$tmp/one" "$@" > "$tmp/$name.out" 2> "$tmp/$name.err") || {
      echo "$name failed:" >&2; cat "$tmp/$name.err" >&2; exit 1; }
    end=$(date +%s%N)
    [ "$i" -eq 0 ] || echo "$(( (end - start) / 1000000 )) $(cat "$tmp/one")" >> "$tmp/$name.times"
  done
  echo "$(cut -d' ' -f1 < "$tmp/$name.times" | median) $(cut -d' ' -f2 < "$tmp/$name.times" | median)"
}

read -r sme_ms sme_kb < <(measure sme node "$sme" "${globs[@]}" --no-border-checks --json)
read -r d_ms d_kb < <(measure distill "$distill" analyze "$dir" --encodings raw --quiet --json "$tmp/report.json")
results=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).results.length)' "$tmp/sme.out")

rel="${dir#"$root"/}"
echo "## $rel: ${#files[@]} mapped scripts/stylesheets, $js_bytes bytes, maps $map_bytes bytes; median of $runs runs"
echo
echo "| tool | wall time | peak RSS |"
echo "|---|---|---|"
echo "| source-map-explorer 2.5.3 --no-border-checks --json ($results files) | ${sme_ms} ms | $((sme_kb / 1024)) MiB |"
echo "| distill analyze --encodings raw --json | ${d_ms} ms | $((d_kb / 1024)) MiB |"
awk -v a="$sme_ms" -v b="$d_ms" -v c="$sme_kb" -v d="$d_kb" 'BEGIN {
  printf "| ratio | %.1fx faster | %.1fx less memory (%.0f%%) |\n", a / b, c / d, 100 * d / c }'
echo
(cd "$root" && cargo run --release --quiet -p distill_analyze --example attribution_cost -- "$dir" "$runs")

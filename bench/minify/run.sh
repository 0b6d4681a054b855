#!/usr/bin/env bash
# JS and CSS minification: distill (oxc, swc, best) against the tools users would otherwise run,
# on the same files, in the same run.
#
#   [RUNS=N] bench/minify/run.sh [BUILD_DIR]
#
# BUILD_DIR defaults to fixtures/vite-nomin/dist (Vite 8, `build.minify: false`). Peers, pinned in
# package.json: esbuild CLI `--minify` (all files in one call), terser CLI `-c -m` (`--module`
# for ES modules, one call per file), oxc-minify and @swc/core through their Node APIs (every
# file at once under Promise.all, module files with top-level mangling). distill runs the
# `minify_dir` example: the crate the optimize stage calls, largest file first on every core.
#
# Each command runs once untimed, then RUNS times (default 5) in interleaved rounds; the table
# shows the median wall time and the bytes of its output: raw, gzip (zlib 9) and brotli (q11),
# all measured by the same Node zlib. A final section runs typescript's 9 MB typescript.js (a
# huge generated classic script) through each distill mode, with peak memory (GNU time).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
runs="${RUNS:-5}"
dir="$(cd "${1:-$root/fixtures/vite-nomin/dist}" && pwd)"
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "needs GNU time at /usr/bin/time" >&2; exit 2; }

stamp="$here/node_modules/.bench-lock-sha"
want="$(sha256sum "$here/package-lock.json" | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  # npm 11's `ci` refuses a lock without the optional native bindings of other platforms;
  # `install` with the same lock installs the same pinned versions.
  (cd "$here" && { npm ci --no-audit --no-fund --silent 2>/dev/null || npm install --no-audit --no-fund --silent; }) \
    && echo "$want" > "$stamp"
fi
bin="$here/node_modules/.bin"

(cd "$root" && cargo build --release --quiet -p distill_minify --example minify_dir)
minify_dir="${CARGO_TARGET_DIR:-$root/target}/release/examples/minify_dir"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# stage KIND: copy the build's client files of KIND into $tmp/in-KIND; list in $tmp/KIND.list
stage() {
  node "$here/tools.mjs" files "$dir" "$1" > "$tmp/$1.list"
  while read -r f; do
    mkdir -p "$(dirname "$tmp/in-$1/$f")"
    cp "$dir/$f" "$tmp/in-$1/$f"
  done < "$tmp/$1.list"
}
stage js
stage css

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# The commands, each minifying $tmp/in-KIND into $tmp/out-NAME.
run_cmd() {
  local name=$1 kind=$2 out="$tmp/out-$1"
  rm -rf "$out"
  mkdir -p "$out"
  case "$name" in
    esbuild*)
      (cd "$tmp/in-$kind" && xargs -a "$tmp/$kind.list" "$bin/esbuild" --minify --log-level=error \
        --outdir="$out" --outbase=.) ;;
    terser)
      while read -r f; do
        mkdir -p "$(dirname "$out/$f")"
        module=()
        if grep -qE '(^|[;}])\s*(import\s*[[:alnum:]_{*"'\''`]|export\s*[[:alnum:]_{*])' "$tmp/in-js/$f"; then module=(--module); fi
        "$bin/terser" "$tmp/in-js/$f" -c -m "${module[@]}" -o "$out/$f"
      done < "$tmp/js.list" ;;
    oxc-minify) node "$here/tools.mjs" oxc "$tmp/in-js" "$out" "$tmp/js.list" ;;
    swc-core) node "$here/tools.mjs" swc "$tmp/in-js" "$out" "$tmp/js.list" ;;
    distill-*)
      local mode=${name#distill-}
      [ "$kind" = css ] && mode=oxc
      "$minify_dir" --js-minifier "$mode" "$tmp/in-$kind" "$out" > "$tmp/$name.files" 2> "$tmp/$name.log" ;;
  esac
}

# table KIND NAME...: interleaved timed rounds, then one row per command
table() {
  local kind=$1; shift
  local names=("$@")
  for n in "${names[@]}"; do run_cmd "$n" "$kind"; : > "$tmp/$n.ms"; done
  for _ in $(seq "$runs"); do
    for n in "${names[@]}"; do
      local s e
      s=$(date +%s%N)
      run_cmd "$n" "$kind"
      e=$(date +%s%N)
      echo $(( (e - s) / 1000000 )) >> "$tmp/$n.ms"
    done
  done
  read -r in_raw in_gz in_br in_legal < <(node "$here/tools.mjs" sizes "$tmp/in-$kind" "$tmp/$kind.list")
  printf '\n%s: %s files of %s, %s B (gzip %s, brotli %s, %s legal comments); median of %s runs\n\n' \
    "$kind" "$(wc -l < "$tmp/$kind.list")" "$dir" "$in_raw" "$in_gz" "$in_br" "$in_legal" "$runs"
  printf '| %-16s | %10s | %9s | %9s | %5s | %9s | %12s |\n' tool bytes gzip brotli legal "wall ms" "ms vs first"
  printf '|%s|%s|%s|%s|%s|%s|%s|\n' ------------------ ------------ ----------- ----------- ------- ----------- --------------
  local base=""
  for n in "${names[@]}"; do
    read -r raw gz br legal < <(node "$here/tools.mjs" sizes "$tmp/out-$n" "$tmp/$kind.list")
    local ms
    ms=$(median < "$tmp/$n.ms")
    [ -n "$base" ] || base=$ms
    printf '| %-16s | %10s | %9s | %9s | %5s | %9s | %12s |\n' "$n" "$raw" "$gz" "$br" "$legal" "$ms" \
      "$(awk -v a="$ms" -v b="$base" 'BEGIN { printf "%.2fx", a / (b > 0 ? b : 1) }')"
    echo "$n $raw $gz $br $ms" >> "$tmp/$kind.results"
  done
}

table js esbuild terser oxc-minify swc-core distill-oxc distill-swc distill-best
grep -h error "$tmp"/distill-*.files && { echo "distill kept some files (errors above)" >&2; } || true
table css esbuild-css distill-css

# Targets from the issue: best <= the smallest peer's gzip bytes; oxc at least as fast as esbuild.
awk '
  $1 ~ /^(esbuild|terser|oxc-minify|swc-core)$/ { if (peer == "" || $3 < peer) { peer = $3; who = $1 } }
  $1 == "esbuild" { esb = $5 }
  $1 == "distill-best" { best = $3 }
  $1 == "distill-oxc" { oxc = $5 }
  END {
    printf "\nbest gzip %d vs smallest peer (%s) %d: %s\n", best, who, peer, (best <= peer ? "met" : "MISSED")
    printf "distill-oxc %d ms vs esbuild %d ms: %s\n", oxc, esb, (oxc <= esb ? "met" : "MISSED")
  }' "$tmp/js.results"

# The huge-file case: one 9 MB generated script, each distill mode alone, with peak memory.
huge="$here/node_modules/typescript/lib/typescript.js"
mkdir -p "$tmp/huge"
cp "$huge" "$tmp/huge/typescript.js"
printf '\nhuge file: typescript.js, %s B\n\n' "$(stat -c %s "$huge")"
printf '| %-12s | %10s | %9s | %11s |\n' mode bytes "wall ms" "peak RSS MB"
printf '|%s|%s|%s|%s|\n' -------------- ------------ ----------- -------------
for mode in oxc swc best; do
  rm -rf "$tmp/huge-out"
  s=$(date +%s%N)
  "$TIME" -f '%M' -o "$tmp/rss" "$minify_dir" --js-minifier "$mode" "$tmp/huge" "$tmp/huge-out" > /dev/null 2>&1
  e=$(date +%s%N)
  printf '| %-12s | %10s | %9s | %11s |\n' "distill-$mode" "$(stat -c %s "$tmp/huge-out/typescript.js")" \
    $(( (e - s) / 1000000 )) $(( $(cat "$tmp/rss") / 1024 ))
done
s=$(date +%s%N)
"$TIME" -f '%M' -o "$tmp/rss" "$bin/esbuild" "$tmp/huge/typescript.js" --minify --log-level=error --outfile="$tmp/huge-esbuild.js"
e=$(date +%s%N)
printf '| %-12s | %10s | %9s | %11s |\n' esbuild "$(stat -c %s "$tmp/huge-esbuild.js")" $(( (e - s) / 1000000 )) $(( $(cat "$tmp/rss") / 1024 ))

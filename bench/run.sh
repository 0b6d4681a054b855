#!/usr/bin/env bash
# Benchmark `distill analyze` against size-limit (12.x with @size-limit/file) on one build.
#
#   bench/run.sh [--runs N] [--warmup N] [--no-hyperfine] [--summary FILE] [--check] [DIR]
#
# DIR is a build folder (Vite dist/ or Next.js .next/); without it the largest fixture build
# present is used (by total bytes of its client JS+CSS).
#
# The file set is the build's client JS+CSS: for Next, static/**/*.{js,css}; for Vite (any other
# folder), **/*.{js,css}; source maps are never included. Timed, N runs each (default 5):
#   distill raw+gzip+brotli+zstd   distill analyze DIR --no-cache --encodings raw,gzip,brotli,zstd --json F --quiet
#   distill raw+brotli             distill analyze DIR --no-cache --encodings raw,brotli --quiet
#   distill warm cache             the same with its size cache filled by an earlier run
#   size-limit brotli              size-limit --json --config T/brotli/.size-limit.json
#   size-limit gzip                size-limit --json --config T/gzip/.size-limit.json
# distill measures the whole build (also fonts, images, HTML); size-limit only the file set.
# size-limit runs as bench/node_modules/.bin/size-limit (what `npx size-limit` execs), so npm's
# own start-up is not counted against it.
#
# Prints the median wall times, the ratio size-limit brotli / distill all-encodings (target
# >= 2x) and distill's summed gzip and brotli over the file set against size-limit's (targets:
# brotli within 0.5%; gzip at most 0.5% above, as distill's libdeflate gzip is smaller in total).
#
# Options:
#   --runs N        timed runs per command (default 5)
#   --warmup N      untimed runs per command before timing (default 1)
#   --no-hyperfine  time with the script's own date +%s%N loop even if hyperfine is installed
#   --summary FILE  also write the figures as JSON to FILE
#   --check         exit 3 if a target (ratio >= 2x, the byte targets above) is missed
#
# Needs: cargo, node >= 20 and npm (npm ci runs in bench/ when node_modules is missing or
# stale). Uses hyperfine when installed. Honours CARGO_TARGET_DIR.
set -euo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH/.." && pwd)"
SELF="$BENCH/$(basename "${BASH_SOURCE[0]}")"

die() {
  echo "bench: error: $*" >&2
  exit 1
}
say() { echo "bench: $*" >&2; }
usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$SELF"; }

RUNS=5
WARMUP=1
USE_HYPERFINE=1
SUMMARY_OUT=""
CHECK=0
DIR=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --runs) [[ $# -ge 2 ]] || die "--runs needs a number"; RUNS="$2"; shift 2 ;;
    --runs=*) RUNS="${1#*=}"; shift ;;
    --warmup) [[ $# -ge 2 ]] || die "--warmup needs a number"; WARMUP="$2"; shift 2 ;;
    --warmup=*) WARMUP="${1#*=}"; shift ;;
    --no-hyperfine) USE_HYPERFINE=0; shift ;;
    --summary) [[ $# -ge 2 ]] || die "--summary needs a file"; SUMMARY_OUT="$2"; shift 2 ;;
    --summary=*) SUMMARY_OUT="${1#*=}"; shift ;;
    --check) CHECK=1; shift ;;
    -*) echo "bench: unknown option: $1" >&2; usage >&2; exit 2 ;;
    *) [[ -z "$DIR" ]] || die "only one DIR may be given"; DIR="$1"; shift ;;
  esac
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer, got '$RUNS'"
[[ "$WARMUP" =~ ^[0-9]+$ ]] || die "--warmup must be a non-negative integer, got '$WARMUP'"
if [[ -n "$SUMMARY_OUT" ]]; then
  SUMMARY_OUT="$(cd "$(dirname "$SUMMARY_OUT")" && pwd)/$(basename "$SUMMARY_OUT")" ||
    die "folder of --summary does not exist: $SUMMARY_OUT"
fi

if [[ -n "$DIR" ]]; then
  [[ -d "$DIR" ]] || die "not a directory: $DIR"
  DIR="$(cd "$DIR" && pwd)"
fi

# --- tools -------------------------------------------------------------------------------------
command -v cargo >/dev/null || die "cargo not found"
command -v node >/dev/null || die "node not found (Node >= 20 is needed for size-limit 12)"
command -v npm >/dev/null || die "npm not found"
NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
[[ "$NODE_MAJOR" -ge 20 ]] || die "Node >= 20 is needed for size-limit 12, found $(node --version)"
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

# --- build distill -----------------------------------------------------------------------------
say "building distill (cargo build --release -p distill)"
(cd "$ROOT" && cargo build --release -p distill >&2) || die "cargo build failed"
TARGET_DIR="${CARGO_TARGET_DIR:-target}"
[[ "$TARGET_DIR" = /* ]] || TARGET_DIR="$ROOT/$TARGET_DIR" # cargo resolves it from $ROOT here
DISTILL="$TARGET_DIR/release/distill"
[[ -x "$DISTILL" ]] || die "distill binary not found at $DISTILL after the build"

# --- size-limit --------------------------------------------------------------------------------
[[ -f "$BENCH/package-lock.json" ]] || die "bench/package-lock.json is missing"
LOCK_SUM="$(sha256sum "$BENCH/package-lock.json" | cut -d' ' -f1)"
STAMP="$BENCH/node_modules/.bench-install-stamp"
if [[ ! -x "$BENCH/node_modules/.bin/size-limit" || ! -f "$STAMP" || "$(cat "$STAMP")" != "$LOCK_SUM" ]]; then
  say "installing size-limit (npm ci in bench/)"
  (cd "$BENCH" && npm ci --no-audit --no-fund >&2) || die "npm ci in bench/ failed"
  echo "$LOCK_SUM" >"$STAMP"
fi
SIZE_LIMIT="$BENCH/node_modules/.bin/size-limit"
[[ -x "$SIZE_LIMIT" ]] || die "size-limit not installed at $SIZE_LIMIT"

# --- the build to measure ----------------------------------------------------------------------
TMP="$(mktemp -d "${TMPDIR:-/tmp}/distill-bench.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

# fileset DIR OUT: writes DIR's relative JS+CSS paths to OUT and "KIND FILES BYTES" to OUT.head
fileset() {
  node "$BENCH/lib.mjs" fileset "$1" >"$2.all" || die "cannot list the JS+CSS files of $1"
  head -n 1 "$2.all" | tr '\t' ' ' >"$2.head"
  tail -n +2 "$2.all" >"$2"
  rm -f "$2.all"
}

LIST="$TMP/files.txt"
if [[ -n "$DIR" ]]; then
  fileset "$DIR" "$LIST"
  read -r KIND NFILES BYTES <"$LIST.head"
else
  CANDIDATES=(
    fixtures/vite-react/dist fixtures/vite7-react/dist fixtures/vite-vue/dist
    fixtures/next-app/.next fixtures/next-app/.next-webpack
    fixtures/next-pages/.next fixtures/next-pages/.next-webpack
    fixtures/demo/dist
  )
  BYTES=-1
  for c in "${CANDIDATES[@]}"; do
    [[ -d "$ROOT/$c" ]] || continue
    fileset "$ROOT/$c" "$TMP/cand.txt"
    read -r k n b <"$TMP/cand.txt.head"
    say "candidate $c: $n JS+CSS files, $b bytes"
    if [[ "$b" -gt "$BYTES" ]]; then
      DIR="$ROOT/$c" KIND="$k" NFILES="$n" BYTES="$b"
      mv "$TMP/cand.txt" "$LIST"
    fi
  done
  [[ -n "$DIR" ]] || die "no fixture build found; build them with fixtures/build.sh or pass DIR"
fi
[[ "$NFILES" -gt 0 ]] || die "no JS or CSS files in $DIR"
say "measuring $DIR ($KIND, $NFILES JS+CSS files, $BYTES bytes)"

node "$BENCH/lib.mjs" configs "$DIR" "$LIST" "$TMP/size-limit" || die "cannot write the size-limit configs"

# Commands, run through bash -c (hyperfine: --shell=bash). size-limit finds its plugins from
# the package.json of its working folder, so it runs from bench/.
q() { printf '%q' "$1"; }
# The distill rows run cold (--no-cache) unless named "warm": the warm row reuses the size
# cache its first (checked) run filled, which is what a second CI run on the same build pays.
NAMES=('distill raw+gzip+brotli+zstd' 'distill raw+brotli' 'size-limit brotli' 'size-limit gzip' 'distill warm cache, all encodings')
CMDS=(
  "$(q "$DISTILL") analyze $(q "$DIR") --no-cache --encodings raw,gzip,brotli,zstd --json $(q "$TMP/distill.json") --quiet"
  "$(q "$DISTILL") analyze $(q "$DIR") --no-cache --encodings raw,brotli --quiet"
  "cd $(q "$BENCH") && $(q "$SIZE_LIMIT") --json --config $(q "$TMP/size-limit/brotli/.size-limit.json") >$(q "$TMP/sl-brotli.json")"
  "cd $(q "$BENCH") && $(q "$SIZE_LIMIT") --json --config $(q "$TMP/size-limit/gzip/.size-limit.json") >$(q "$TMP/sl-gzip.json")"
  "DISTILL_CACHE_DIR=$(q "$TMP/cache") $(q "$DISTILL") analyze $(q "$DIR") --encodings raw,gzip,brotli,zstd --quiet"
)

# One checked run of each, so a failure shows its own error instead of a timing tool's.
for i in "${!CMDS[@]}"; do
  if ! bash -c "${CMDS[$i]}" >"$TMP/check.out" 2>&1; then
    cat "$TMP/check.out" >&2
    die "${NAMES[$i]} failed: ${CMDS[$i]}"
  fi
done

VERSIONS="$("$DISTILL" --version), size-limit $(node -p "require('$BENCH/node_modules/size-limit/package.json').version") + @size-limit/file $(node -p "require('$BENCH/node_modules/@size-limit/file/package.json').version"), node $(node --version), $(nproc 2>/dev/null || echo '?') cpus"

# Contention check: CPU time the whole machine was busy (/proc/stat) minus what this script's
# children used (bash `times`), over the timing phase. Other work on a 2-core machine skews wall
# times, so the report says how much there was.
machine_busy() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9; exit}' /proc/stat 2>/dev/null || echo 0; }
# `times` must run in this shell (not in a $(...) subshell) to see this shell's children.
children_cpu() { # VAR
  times >"$TMP/times.txt"
  printf -v "$1" '%s' "$(tail -n 1 "$TMP/times.txt" | awk '{n=0; for(i=1;i<=2;i++){split($i,a,/[ms]/); n+=a[1]*60+a[2]} printf "%.3f", n}')"
}
HZ="$(getconf CLK_TCK 2>/dev/null || echo 100)"
children_cpu OWN0
BUSY0="$(machine_busy)" WALL0="$(date +%s%N)"
# Runs are interleaved: round r times each command once, so slow drift or a burst of other work
# on the machine spreads over all four commands instead of landing on one of them.
if [[ $USE_HYPERFINE == 1 ]] && command -v hyperfine >/dev/null; then
  TIMER="hyperfine $(hyperfine --version | awk '{print $2}'), interleaved rounds"
  TIMES="$TMP/hyperfine"
  mkdir -p "$TIMES"
  say "timing with $TIMER"
  for ((r = 1; r <= RUNS; r++)); do
    HF_ARGS=(--runs 1 --shell=bash --style basic --export-json "$TIMES/round-$r.json")
    [[ $r -gt 1 ]] || HF_ARGS+=(--warmup "$WARMUP")
    for i in "${!CMDS[@]}"; do HF_ARGS+=(-n "${NAMES[$i]}" "${CMDS[$i]}"); done
    if ! hyperfine "${HF_ARGS[@]}" >"$TMP/hyperfine.log" 2>&1; then
      cat "$TMP/hyperfine.log" >&2
      die "hyperfine failed in round $r"
    fi
    # shellcheck disable=SC2016 # ${...} is JavaScript here
    say "  round $r/$RUNS: $(node -e 'for (const x of require(process.argv[1]).results) process.stdout.write(`${x.command} ${(x.mean * 1000).toFixed(0)} ms; `)' "$TIMES/round-$r.json")"
  done
else
  TIMER="bash loop (date +%s%N), interleaved rounds"
  TIMES="$TMP/times.tsv"
  : >"$TIMES"
  say "timing with $TIMER"
  TIMEFORMAT='%3U %3S' # bash's `time`: CPU of the command and its children
  for i in "${!CMDS[@]}"; do
    for ((w = 0; w < WARMUP; w++)); do bash -c "${CMDS[$i]}" >/dev/null 2>&1 || die "${NAMES[$i]} failed"; done
  done
  for ((r = 1; r <= RUNS; r++)); do
    line=""
    for i in "${!CMDS[@]}"; do
      t0="$(date +%s%N)"
      { time bash -c "${CMDS[$i]}" >/dev/null 2>&1; } 2>"$TMP/cpu.txt" || die "${NAMES[$i]} failed"
      t1="$(date +%s%N)"
      [[ "$t0" =~ ^[0-9]+$ ]] || die "date +%s%N does not give nanoseconds here (GNU date needed)"
      read -r cpu_user cpu_sys <"$TMP/cpu.txt"
      printf '%s\t%s\t%s\t%s\n' "${NAMES[$i]}" "$((t1 - t0))" "$cpu_user" "$cpu_sys" >>"$TIMES"
      line+="${NAMES[$i]} $(((t1 - t0) / 1000000)) ms; "
    done
    say "  round $r/$RUNS: $line"
  done
fi

BUSY1="$(machine_busy)" WALL1="$(date +%s%N)"
children_cpu OWN1
LOAD="$(awk -v b0="$BUSY0" -v b1="$BUSY1" -v o0="$OWN0" -v o1="$OWN1" -v w0="$WALL0" -v w1="$WALL1" -v hz="$HZ" -v n="$(nproc 2>/dev/null || echo 1)" \
  'BEGIN { if (b1 == 0) { print "unknown (no /proc/stat)"; exit }
           other = (b1 - b0) / hz - (o1 - o0); if (other < 0) other = 0; wall = (w1 - w0) / 1e9
           printf "other processes used %.1f CPU-s during the %.1f s of timing (%.0f%% of %d cores)", other, wall, 100 * other / (wall * n), n }')"
export BENCH_LOAD="$LOAD" BENCH_DIR="$DIR" BENCH_KIND="$KIND" BENCH_LIST="$LIST" BENCH_BYTES="$BYTES" \
  BENCH_DISTILL_JSON="$TMP/distill.json" BENCH_SL_BROTLI="$TMP/sl-brotli.json" \
  BENCH_SL_GZIP="$TMP/sl-gzip.json" BENCH_TIMER="$TIMER" BENCH_TIMES="$TIMES" \
  BENCH_RUNS="$RUNS" BENCH_WARMUP="$WARMUP" BENCH_VERSIONS="$VERSIONS" \
  BENCH_SUMMARY_OUT="$SUMMARY_OUT" BENCH_CHECK="$CHECK"
node "$BENCH/lib.mjs" report

#!/usr/bin/env bash
# Precompression: the peers users run after a build, on the same files in the same run, and (once
# it exists) `distill optimize --encodings gzip,br,zstd`. Prints bytes per encoding and wall time.
#
#   bench/compress/run.sh [--runs N] [--warmup N] [--no-hyperfine] [--no-distill] [--summary FILE] [DIR [LIST]]
#
# DIR is a build folder; without it the largest fixture build present is used (by bytes of its
# client JS+CSS). LIST is a file of paths relative to DIR, one a line, to compress; without it,
# the build's client JS+CSS (bench/lib.mjs fileset: Vite **/*.{js,css}, Next static/**/*.{js,css};
# never source maps). Every tool works on its own scratch copy of those files, never on DIR.
#
# Peers, each run the way its users run it:
#   gzip -9                 xargs -0 -P$(nproc) -n1 gzip -9 -k -f         (GNU gzip)
#   brotli -q 11            xargs -0 -P$(nproc) -n1 brotli -q 11 -k -f    (Debian's brotli CLI)
#   zstd -19 --long=23      xargs -0 -P$(nproc) -n1 zstd -19 --long=23 -k -f -q
#   vite-plugin-compression     gzip + brotli instances, their closeBundle hooks (lib.mjs vpc)
#   vite-plugin-compression2    its generateBundle pass + closeBundle (lib.mjs vpc2)
# distill (when `distill optimize --help` succeeds): `distill optimize DIR --out OUT --encodings
# gzip,br,zstd --no-minify --no-images` (the compress stage alone, so every copy decodes to its
# input file), cold (--no-cache) and warm (DISTILL_CACHE_DIR filled by the checked run).
#
# One checked run of every command first: each output must decode (Node's zlib for gzip and
# brotli, zstd -d) to its input's bytes, and the byte totals come from that run. Then RUNS timed
# rounds (default 3); round r runs every command once, so drift and other work on the machine
# spread over all of them. Prints the median, min and max wall time and the median CPU time
# (user+sys) per command, bytes per encoding, and the ratios distill/peer when distill ran.
#
# Options:
#   --runs N        timed rounds (default 3; brotli -q 11 on a 17 MB build takes ~25 s a run)
#   --warmup N      untimed runs per command before round 1 (default 0; the checked run warms caches)
#   --no-hyperfine  time with date +%s%N even if hyperfine is installed
#   --no-distill    do not build or run distill
#   --summary FILE  also write the figures as JSON to FILE
#
# Needs: node >= 20 and npm (npm ci runs here when node_modules is missing or stale), gzip,
# zstd, and brotli (installed with apt-get when missing; root or sudo); cargo for distill.
# Honours CARGO_TARGET_DIR; DISTILL=/path/to/distill skips the cargo build.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SELF="$HERE/$(basename "${BASH_SOURCE[0]}")"

die() {
  echo "bench-compress: error: $*" >&2
  exit 1
}
say() { echo "bench-compress: $*" >&2; }
usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$SELF"; }

RUNS=3
WARMUP=0
USE_HYPERFINE=1
USE_DISTILL=1
SUMMARY_OUT=""
DIR=""
LIST_IN=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --runs) [[ $# -ge 2 ]] || die "--runs needs a number"; RUNS="$2"; shift 2 ;;
    --runs=*) RUNS="${1#*=}"; shift ;;
    --warmup) [[ $# -ge 2 ]] || die "--warmup needs a number"; WARMUP="$2"; shift 2 ;;
    --warmup=*) WARMUP="${1#*=}"; shift ;;
    --no-hyperfine) USE_HYPERFINE=0; shift ;;
    --no-distill) USE_DISTILL=0; shift ;;
    --summary) [[ $# -ge 2 ]] || die "--summary needs a file"; SUMMARY_OUT="$2"; shift 2 ;;
    --summary=*) SUMMARY_OUT="${1#*=}"; shift ;;
    -*) echo "bench-compress: unknown option: $1" >&2; usage >&2; exit 2 ;;
    *)
      if [[ -z "$DIR" ]]; then DIR="$1"
      elif [[ -z "$LIST_IN" ]]; then LIST_IN="$1"
      else die "at most DIR and LIST may be given"; fi
      shift
      ;;
  esac
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer, got '$RUNS'"
[[ "$WARMUP" =~ ^[0-9]+$ ]] || die "--warmup must be a non-negative integer, got '$WARMUP'"
if [[ -n "$SUMMARY_OUT" ]]; then
  SUMMARY_OUT="$(cd "$(dirname "$SUMMARY_OUT")" && pwd)/$(basename "$SUMMARY_OUT")" ||
    die "folder of --summary does not exist: $SUMMARY_OUT"
fi
if [[ -n "$LIST_IN" ]]; then
  [[ -f "$LIST_IN" ]] || die "not a file: $LIST_IN"
  LIST_IN="$(cd "$(dirname "$LIST_IN")" && pwd)/$(basename "$LIST_IN")"
fi

# --- tools -------------------------------------------------------------------------------------
command -v node >/dev/null || die "node not found"
command -v npm >/dev/null || die "npm not found"
[[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ]] || die "Node >= 20 is needed, found $(node --version)"
for tool in gzip zstd xargs; do command -v "$tool" >/dev/null || die "'$tool' is not installed"; done
if ! command -v brotli >/dev/null; then
  say "installing Debian's brotli CLI (apt-get install brotli)"
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq brotli >/dev/null; } >&2 ||
    die "cannot install brotli; install it (apt-get install brotli) and run again"
fi
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

LOCK_SUM="$(sha256sum "$HERE/package-lock.json" | cut -d' ' -f1)"
STAMP="$HERE/node_modules/.bench-install-stamp"
if [[ ! -f "$STAMP" || "$(cat "$STAMP")" != "$LOCK_SUM" ]]; then
  say "installing the Vite plugins (npm ci in bench/compress/)"
  (cd "$HERE" && npm ci --no-audit --no-fund >&2) || die "npm ci in bench/compress/ failed"
  echo "$LOCK_SUM" >"$STAMP"
fi

# --- the distill slot ----------------------------------------------------------------------------
# `distill optimize` is being written; until `distill optimize --help` succeeds the distill rows
# are left out and the report says so. When it exists they run with the flags below, and the
# report adds the ratios distill/peer. DISTILL_NOTE says why the rows are missing.
DISTILL_BIN=""
DISTILL_NOTE="not run (--no-distill)"
distill_slot() {
  if [[ -n "${DISTILL:-}" ]]; then
    [[ -x "$DISTILL" ]] || die "DISTILL=$DISTILL is not executable"
    DISTILL_BIN="$DISTILL"
  else
    command -v cargo >/dev/null || { DISTILL_NOTE="not run: cargo not found"; return; }
    say "building distill (cargo build --release -p distill)"
    (cd "$ROOT" && cargo build --release -p distill >&2) || die "cargo build failed"
    local target="${CARGO_TARGET_DIR:-target}"
    [[ "$target" = /* ]] || target="$ROOT/$target"
    DISTILL_BIN="$target/release/distill"
    [[ -x "$DISTILL_BIN" ]] || die "distill binary not found at $DISTILL_BIN after the build"
  fi
  if ! "$DISTILL_BIN" optimize --help >/dev/null 2>&1; then
    DISTILL_NOTE="not run: \`$DISTILL_BIN optimize --help\` fails (distill optimize does not exist yet in this build)"
    DISTILL_BIN=""
  fi
}
[[ $USE_DISTILL == 0 ]] || distill_slot

# --- the build and the file list ----------------------------------------------------------------
TMP="$(mktemp -d "${TMPDIR:-/tmp}/distill-bench-compress.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT
LIST="$TMP/files.txt"

fileset() { # DIR OUT: OUT = relative JS+CSS paths; prints "KIND FILES BYTES"
  node "$ROOT/bench/lib.mjs" fileset "$1" >"$2.all" || die "cannot list the JS+CSS files of $1"
  tail -n +2 "$2.all" >"$2"
  head -n 1 "$2.all" | tr '\t' ' '
}

if [[ -z "$DIR" ]]; then
  best=-1
  for c in "$ROOT"/fixtures/*/dist "$ROOT"/fixtures/*/.next "$ROOT"/fixtures/*/.next-webpack; do
    [[ -d "$c" ]] || continue
    read -r _ n b < <(fileset "$c" "$TMP/cand.txt")
    if [[ "$b" -gt "$best" ]]; then best=$b DIR=$c; fi
  done
  [[ -n "$DIR" ]] || die "no fixture build found; build them with fixtures/build.sh or pass DIR"
fi
[[ -d "$DIR" ]] || die "not a directory: $DIR"
DIR="$(cd "$DIR" && pwd)"
if [[ -n "$LIST_IN" ]]; then
  grep -v '^$' "$LIST_IN" >"$LIST" || true
  while IFS= read -r f; do
    [[ "$f" != /* && "$f" != *..* ]] || die "LIST paths must be relative to DIR and stay inside it: $f"
    [[ -f "$DIR/$f" ]] || die "listed file does not exist: $DIR/$f"
  done <"$LIST"
else
  fileset "$DIR" "$LIST" >/dev/null
fi
NFILES=$(wc -l <"$LIST")
[[ "$NFILES" -gt 0 ]] || die "no files to compress in $DIR"
tr '\n' '\0' <"$LIST" >"$LIST.0"
BYTES=$(cd "$DIR" && xargs -0 cat <"$LIST.0" | wc -c)
say "compressing $NFILES files of $DIR ($BYTES bytes)"

# Scratch copies: one per tool, holding only the listed files at their relative paths.
copy_to() { (cd "$DIR" && xargs -0 cp --parents -t "$1" <"$LIST.0"); }
NPROC="$(nproc)"

q() { printf '%q' "$1"; }
NAMES=() TOOLS=() ENCS=() CMDS=()
add() { NAMES+=("$1") TOOLS+=("$2") ENCS+=("$3") CMDS+=("$4"); mkdir -p "$TMP/$2"; copy_to "$TMP/$2"; }
add "gzip -9" gzip '["gz"]' \
  "cd $(q "$TMP/gzip") && xargs -0 -P$NPROC -n1 gzip -9 -k -f <$(q "$LIST.0")"
add "brotli -q 11" brotli '["br"]' \
  "cd $(q "$TMP/brotli") && xargs -0 -P$NPROC -n1 brotli -q 11 -k -f <$(q "$LIST.0")"
add "zstd -19 --long=23" zstd '["zst"]' \
  "cd $(q "$TMP/zstd") && xargs -0 -P$NPROC -n1 zstd -19 --long=23 -k -f -q <$(q "$LIST.0")"
add "vite-plugin-compression (gzip+brotli)" vpc '["gz","br"]' \
  "node $(q "$HERE/lib.mjs") vpc $(q "$TMP/vpc") $(q "$LIST")"
add "vite-plugin-compression2 (gzip+brotli)" vpc2 '["gz","br"]' \
  "node $(q "$HERE/lib.mjs") vpc2 $(q "$TMP/vpc2") $(q "$LIST")"
if [[ -n "$DISTILL_BIN" ]]; then
  # distill optimize writes a whole optimized build to --out; its .gz/.br/.zst of the listed
  # files are compared. The out folder is removed first so every run starts empty.
  add "distill optimize, cold (--no-cache)" distill-cold '["gz","br","zst"]' \
    "rm -rf $(q "$TMP/distill-cold") && $(q "$DISTILL_BIN") optimize $(q "$DIR") --out $(q "$TMP/distill-cold") --encodings gzip,br,zstd --no-minify --no-images --no-cache --quiet"
  add "distill optimize, warm cache" distill-warm '["gz","br","zst"]' \
    "rm -rf $(q "$TMP/distill-warm") && DISTILL_CACHE_DIR=$(q "$TMP/distill-cache") $(q "$DISTILL_BIN") optimize $(q "$DIR") --out $(q "$TMP/distill-warm") --encodings gzip,br,zstd --no-minify --no-images --quiet"
fi

# --- checked run: outputs decode to their inputs; byte totals ---------------------------------
for i in "${!CMDS[@]}"; do
  say "checked run: ${NAMES[$i]}"
  if ! bash -c "${CMDS[$i]}" >"$TMP/check.out" 2>&1; then
    cat "$TMP/check.out" >&2
    die "${NAMES[$i]} failed: ${CMDS[$i]}"
  fi
done
{
  printf '{"list": %s, "source": %s, "tools": [' "$(node -p 'JSON.stringify(process.argv[1])' "$LIST")" "$(node -p 'JSON.stringify(process.argv[1])' "$DIR")"
  for i in "${!CMDS[@]}"; do
    [[ $i -eq 0 ]] || printf ','
    printf '{"name": "%s", "dir": %s, "encodings": %s}' "${TOOLS[$i]}" "$(node -p 'JSON.stringify(process.argv[1])' "$TMP/${TOOLS[$i]}")" "${ENCS[$i]}"
  done
  printf ']}\n'
} >"$TMP/sizes.json"
say "checking every output against its input"
node "$HERE/lib.mjs" sizes "$TMP/sizes.json"

# --- timed rounds ------------------------------------------------------------------------------
machine_busy() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9; exit}' /proc/stat 2>/dev/null || echo 0; }
HZ="$(getconf CLK_TCK 2>/dev/null || echo 100)"
children_cpu() { # VAR: CPU seconds of this shell's children so far
  times >"$TMP/times.txt"
  printf -v "$1" '%s' "$(tail -n 1 "$TMP/times.txt" | awk '{n=0; for(i=1;i<=2;i++){split($i,a,/[ms]/); n+=a[1]*60+a[2]} printf "%.3f", n}')"
}
children_cpu OWN0
BUSY0="$(machine_busy)" WALL0="$(date +%s%N)"
if [[ $USE_HYPERFINE == 1 ]] && command -v hyperfine >/dev/null; then
  TIMER="hyperfine $(hyperfine --version | awk '{print $2}'), interleaved rounds"
  TIMES="$TMP/hyperfine"
  mkdir -p "$TIMES"
  for ((r = 1; r <= RUNS; r++)); do
    HF_ARGS=(--runs 1 --shell=bash --style basic --export-json "$TIMES/round-$r.json")
    [[ $r -gt 1 || $WARMUP -eq 0 ]] || HF_ARGS+=(--warmup "$WARMUP")
    for i in "${!CMDS[@]}"; do HF_ARGS+=(-n "${NAMES[$i]}" "${CMDS[$i]}"); done
    hyperfine "${HF_ARGS[@]}" >"$TMP/hyperfine.log" 2>&1 || { cat "$TMP/hyperfine.log" >&2; die "hyperfine failed in round $r"; }
    # shellcheck disable=SC2016 # ${...} is JavaScript here
    say "round $r/$RUNS: $(node -e 'for (const x of require(process.argv[1]).results) process.stdout.write(`${x.command} ${x.mean.toFixed(2)} s; `)' "$TIMES/round-$r.json")"
  done
else
  TIMER="bash loop (date +%s%N), interleaved rounds"
  TIMES="$TMP/times.tsv"
  : >"$TIMES"
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
      read -r cpu_user cpu_sys <"$TMP/cpu.txt"
      printf '%s\t%s\t%s\t%s\n' "${NAMES[$i]}" "$((t1 - t0))" "$cpu_user" "$cpu_sys" >>"$TIMES"
      line+="${NAMES[$i]} $(((t1 - t0) / 1000000)) ms; "
    done
    say "round $r/$RUNS: $line"
  done
fi
BUSY1="$(machine_busy)" WALL1="$(date +%s%N)"
children_cpu OWN1
LOAD="$(awk -v b0="$BUSY0" -v b1="$BUSY1" -v o0="$OWN0" -v o1="$OWN1" -v w0="$WALL0" -v w1="$WALL1" -v hz="$HZ" -v n="$NPROC" \
  'BEGIN { if (b1 == 0) { print "other load unknown (no /proc/stat)"; exit }
           other = (b1 - b0) / hz - (o1 - o0); if (other < 0) other = 0; wall = (w1 - w0) / 1e9
           printf "other processes used %.1f CPU-s during the %.1f s of timing (%.0f%% of %d cores)", other, wall, 100 * other / (wall * n), n }')"

ROWS="["
for i in "${!CMDS[@]}"; do
  [[ $i -eq 0 ]] || ROWS+=","
  ROWS+="{\"name\": \"${NAMES[$i]}\", \"tool\": \"${TOOLS[$i]}\", \"encodings\": ${ENCS[$i]}}"
done
ROWS+="]"
plugin_version() { node -p "require('$HERE/node_modules/$1/package.json').version"; }
VERSIONS="$(gzip --version | head -n 1), brotli $(brotli --version 2>&1 | awk '{print $2}') (Debian CLI), zstd $(zstd --version | grep -o 'v[0-9.]*'), vite-plugin-compression $(plugin_version vite-plugin-compression), vite-plugin-compression2 $(plugin_version vite-plugin-compression2) (node $(node --version), zlib $(node -p process.versions.zlib), brotli $(node -p process.versions.brotli))"
[[ -z "$DISTILL_BIN" ]] || VERSIONS+=", $("$DISTILL_BIN" --version)"
VERSIONS+=", $NPROC cpus"

export BENCH_ROWS="$ROWS" BENCH_SIZES="$TMP/sizes.json.out" BENCH_TIMES="$TIMES" BENCH_DIR="${DIR#"$ROOT"/}" \
  BENCH_RUNS="$RUNS" BENCH_TIMER="$TIMER" BENCH_LOAD="$LOAD" BENCH_VERSIONS="$VERSIONS" \
  BENCH_DISTILL_NOTE="$DISTILL_NOTE" BENCH_SUMMARY_OUT="$SUMMARY_OUT"
node "$HERE/lib.mjs" report

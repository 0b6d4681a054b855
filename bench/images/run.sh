#!/usr/bin/env bash
# Images: distill_images against the tools users would otherwise run, same inputs, same run.
#
#   [RUNS=N] bench/images/run.sh
#
# Peers, each installed by this script (never by hand):
#   - oxipng 10.2.1 CLI, `oxipng -o 2`            cargo install into ~/.cache/distill/bench-tools
#   - jpegtran (Debian libjpeg-turbo-progs),
#     `jpegtran -copy icc -optimize -progressive`  apt-get install (needs root)
#   - svgo 4.1.0 CLI, default preset               npm ci here (package-lock.json)
#   - sharp 0.35.5 + svgo through vite-plugin-image-optimizer 2.0.3 with its defaults, driven by
#     a real `vite build` of a page whose public/ folder holds the images   (npm ci here)
#
# Inputs: the committed fixture images (fixtures/*/src/assets, public, assets), and the real
# images shipped inside crates this workspace's Cargo.lock pins (a photo and a screenshot-like
# JPEG, an illustration PNG, editor-exported SVGs), plus two PNGs exported from those by sharp
# at its default settings (a photo and an illustration saved as PNG, the case the issue quotes).
# Each tool runs once untimed, then RUNS times (default 3); the median wall time is reported.
# distill runs as `crates/images/examples/optimize.rs` (one process, files largest first on
# every core, exactly the library calls the pipeline makes).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
runs="${RUNS:-3}"
tools="${HOME}/.cache/distill/bench-tools"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# ---- peers
if [ ! -x "$tools/bin/oxipng" ]; then
  nice -n 10 cargo install --quiet --locked oxipng --version 10.2.1 --root "$tools"
fi
oxipng="$tools/bin/oxipng"
if ! command -v jpegtran >/dev/null; then
  apt-get install -y -qq libjpeg-turbo-progs >/dev/null || { apt-get update -qq && apt-get install -y -qq libjpeg-turbo-progs >/dev/null; }
fi
if [ ! -x "$here/node_modules/.bin/svgo" ] || [ ! -d "$here/node_modules/vite-plugin-image-optimizer" ]; then
  # npm 10 sometimes refuses this lock file ("Missing: napi-windows-process-start-time@", a
  # Windows-only optional dependency of vite that the lock lists without an entry); `npm install`
  # then installs the same pinned versions from the lock without rewriting it.
  (cd "$here" && { npm ci --no-audit --no-fund --silent ||
    { echo "bench-images: npm ci refused the lock file; npm install --no-save instead" >&2
      npm install --no-save --no-audit --no-fund --silent; }; })
fi
if [ -z "${IMAGES_EXAMPLE:-}" ]; then
  (cd "$root" && nice -n 10 cargo build --release --quiet -p distill_images --example optimize)
fi
# IMAGES_EXAMPLE: another build of the example (say, a debug one while editing this script).
distill="${IMAGES_EXAMPLE:-${CARGO_TARGET_DIR:-$root/target}/release/examples/optimize}"

# ---- corpus
mkdir -p "$work/in"
for f in "$root"/fixtures/*/src/assets/* "$root"/fixtures/*/public/* "$root"/fixtures/*/assets/*; do
  [ -f "$f" ] || continue
  case "$f" in *.png|*.jpg|*.jpeg|*.svg) ;; *) continue ;; esac
  app="$(basename "$(dirname "$(dirname "$f")")")"
  cp "$f" "$work/in/fixture-$app-$(basename "$f")"
done
(cd "$root" && cargo fetch --quiet)
registry="$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/ | head -1)"
for rel in webp-0.3.1/assets/lake.jpg lightningcss-1.0.0-alpha.72/website/metal.jpeg \
  lightningcss-1.0.0-alpha.72/website/og.jpeg resvg-0.49.0/examples/ferris.png \
  lightningcss-1.0.0-alpha.72/website/crush.svg lightningcss-1.0.0-alpha.72/website/lightspeed.svg \
  oxvg_optimiser-0.0.9/benches/fixtures/gnome-blobs.svg \
  oxvg_optimiser-0.0.9/benches/fixtures/trajans-column.svg \
  oxvg_optimiser-0.0.9/benches/fixtures/inkscape-isometric-madness.svg; do
  cp "$registry/$rel" "$work/in/crate-$(basename "$rel")"
done
(cd "$here" && node -e '
  const sharp = require("sharp");
  const [dir] = process.argv.slice(1);
  (async () => {
    await sharp(dir + "/crate-lake.jpg").resize(1600).png().toFile(dir + "/export-lake.png");
    await sharp(dir + "/crate-inkscape-isometric-madness.svg").resize(1400).png().toFile(dir + "/export-isometric.png");
  })();
' "$work/in")
# Identical files (the same PNG in src/ and dist/) count once.
(cd "$work/in" && sha256sum * | sort | awk 'seen[$1]++ { print $2 }' | xargs -r rm --)
mapfile -t png < <(ls "$work/in"/*.png)
mapfile -t jpg < <(ls "$work/in"/*.jpg "$work/in"/*.jpeg 2>/dev/null)
mapfile -t svg < <(ls "$work/in"/*.svg)

# ---- helpers
now() { date +%s%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
bytes_of() { cat "$@" | wc -c; }
# time_it NAME CMD...: runs once untimed, then RUNS times; prints the median in ms.
time_it() {
  "$@" >/dev/null 2>&1 || true
  for _ in $(seq "$runs"); do
    local t0; t0=$(now)
    "$@" >/dev/null 2>&1 || true
    echo $((($(now) - t0) / 1000000))
  done | median
}
fresh() { rm -rf "$1"; mkdir -p "$1"; }

run_distill() { local out="$work/d-$1"; shift; fresh "$out"; "$distill" "$out" "$@"; }
run_oxipng() { fresh "$work/oxipng"; "$oxipng" -q -o 2 --dir "$work/oxipng" "${png[@]}"; }
run_oxipng_safe() { fresh "$work/oxipng-safe"; "$oxipng" -q -o 2 --strip safe --dir "$work/oxipng-safe" "${png[@]}"; }
run_jpegtran() {
  fresh "$work/jpegtran"
  for f in "${jpg[@]}"; do jpegtran -copy icc -optimize -progressive -outfile "$work/jpegtran/$(basename "$f")" "$f"; done
}
run_svgo() { fresh "$work/svgo"; "$here/node_modules/.bin/svgo" -q -o "$work/svgo" -- "${svg[@]}"; }
run_plugin() {
  local p="$work/plugin"
  rm -rf "$p/dist"; mkdir -p "$p/public"
  cp "$work/in"/* "$p/public/"
  printf '<!doctype html><title>bench</title>\n' > "$p/index.html"
  printf 'import { ViteImageOptimizer } from "vite-plugin-image-optimizer";\nexport default { logLevel: "silent", plugins: [ViteImageOptimizer({ logStats: false })] };\n' > "$p/vite.config.mjs"
  ln -sfn "$here/node_modules" "$p/node_modules"
  (cd "$p" && "$here/node_modules/.bin/vite" build >/dev/null 2>&1)
}

row() { # kind tool ms bytes_before bytes_after
  printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4" "$5" \
    "$(awk -v a="$5" -v b="$4" 'BEGIN { printf "%.1f%%", 100 * (1 - a / b) }')"
}

echo "inputs: ${#png[@]} PNG ($(bytes_of "${png[@]}") B), ${#jpg[@]} JPEG ($(bytes_of "${jpg[@]}") B), ${#svg[@]} SVG ($(bytes_of "${svg[@]}") B); median of $runs runs; $(nproc) cores"
echo
echo "| kind | tool | median ms | bytes before | bytes after | saved |"
echo "|---|---|---|---|---|---|"

t=$(time_it run_distill png "${png[@]}")
row PNG "distill (oxipng lib, level 2, strip safe)" "$t" "$(bytes_of "${png[@]}")" "$(bytes_of "$work"/d-png/*)"
t=$(time_it run_oxipng)
row PNG "oxipng 10.2.1 CLI -o 2" "$t" "$(bytes_of "${png[@]}")" "$(bytes_of "$work"/oxipng/*)"
t=$(time_it run_oxipng_safe)
row PNG "oxipng 10.2.1 CLI -o 2 --strip safe" "$t" "$(bytes_of "${png[@]}")" "$(bytes_of "$work"/oxipng-safe/*)"

t=$(time_it run_distill jpg "${jpg[@]}")
row JPEG "distill (lossless)" "$t" "$(bytes_of "${jpg[@]}")" "$(bytes_of "$work"/d-jpg/*)"
t=$(time_it run_jpegtran)
row JPEG "jpegtran $(jpegtran -version 2>&1 | head -1 | awk '{print $1}') -copy icc -optimize -progressive" "$t" "$(bytes_of "${jpg[@]}")" "$(bytes_of "$work"/jpegtran/*)"

t=$(time_it run_distill svg "${svg[@]}")
row SVG "distill (oxvg, verified by resvg)" "$t" "$(bytes_of "${svg[@]}")" "$(bytes_of "$work"/d-svg/*)"
t=$(time_it run_svgo)
row SVG "svgo 4.1.0 CLI (preset-default)" "$t" "$(bytes_of "${svg[@]}")" "$(bytes_of "$work"/svgo/*)"

all=("${png[@]}" "${jpg[@]}" "${svg[@]}")
t=$(time_it run_distill all "${all[@]}")
row all "distill" "$t" "$(bytes_of "${all[@]}")" "$(bytes_of "$work"/d-all/*)"
t=$(time_it run_plugin)
# The plugin keeps the original when its output is larger, like distill.
row all "vite-plugin-image-optimizer 2.0.3 defaults (sharp 0.35.5, svgo; includes vite startup)" "$t" "$(bytes_of "${all[@]}")" "$(bytes_of "$work"/plugin/dist/*.png "$work"/plugin/dist/*.jp*g "$work"/plugin/dist/*.svg)"

# How many pixels each tool's PNG output changed (decoded by sharp to RGBA): distill verifies
# zero itself; the plugin's `png: { quality: 100 }` makes sharp quantize to a palette.
pixel_changes() { # DIR FILE...: outputs in DIR named like the inputs; SVGs rasterized by librsvg
  # (through sharp) at 512 px on the longer side
  (cd "$here" && node -e '
    const sharp = require("sharp"); const path = require("path");
    const [dir, ...files] = process.argv.slice(1);
    (async () => {
      let changed = 0, total = 0;
      for (const f of files) {
        const load = (p) => {
          let s = sharp(p, { limitInputPixels: false });
          if (p.endsWith(".svg")) s = s.resize(512, 512, { fit: "inside" });
          return s.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
        };
        const a = await load(f);
        const b = await load(path.join(dir, path.basename(f)));
        total += a.info.width * a.info.height;
        if (a.info.width !== b.info.width || a.info.height !== b.info.height) { changed += a.info.width * a.info.height; continue; }
        for (let i = 0; i < a.data.length; i += 4)
          if (a.data[i] !== b.data[i] || a.data[i+1] !== b.data[i+1] || a.data[i+2] !== b.data[i+2] || a.data[i+3] !== b.data[i+3]) changed++;
      }
      console.log(`${changed} of ${total}`);
    })();
  ' "$@")
}
echo
echo "PNG pixels changed: distill $(pixel_changes "$work/d-png" "${png[@]}"), oxipng $(pixel_changes "$work/oxipng" "${png[@]}"), vite-plugin-image-optimizer $(pixel_changes "$work/plugin/dist" "${png[@]}")"
echo "SVG pixels changed (librsvg at 512 px): distill $(pixel_changes "$work/d-svg" "${svg[@]}"), svgo $(pixel_changes "$work/svgo" "${svg[@]}"), vite-plugin-image-optimizer $(pixel_changes "$work/plugin/dist" "${svg[@]}")"

echo
echo "Per file (bytes): input, distill, peer"
for f in "${png[@]}"; do n=$(basename "$f"); printf '%s\t%s\t%s\t%s (oxipng)\n' "$n" "$(bytes_of "$f")" "$(bytes_of "$work/d-png/$n")" "$(bytes_of "$work/oxipng/$n")"; done
for f in "${jpg[@]}"; do n=$(basename "$f"); printf '%s\t%s\t%s\t%s (jpegtran)\n' "$n" "$(bytes_of "$f")" "$(bytes_of "$work/d-jpg/$n")" "$(bytes_of "$work/jpegtran/$n")"; done
for f in "${svg[@]}"; do n=$(basename "$f"); printf '%s\t%s\t%s\t%s (svgo)\n' "$n" "$(bytes_of "$f")" "$(bytes_of "$work/d-svg/$n")" "$(bytes_of "$work/svgo/$n")"; done

echo
echo "Verdicts (distill):"
"$distill" "$work/d-all" "${all[@]}" 2>&1 | sed "s|$work/in/||" | cut -f1,5,6
echo
echo "Sibling sizes (FORMATS=webp,avif):"
fresh "$work/sib"
# Files under 1 MB: rav1e on one thread takes minutes on the multi-megapixel photos.
mapfile -t small < <(find "$work/in" -maxdepth 1 \( -name '*.png' -o -name '*.jp*g' \) -size -1000k | sort)
FORMATS=webp,avif "$distill" "$work/sib" "${small[@]}" 2>/dev/null | sed "s|$work/in/||" | cut -f1,3,4,5
echo
big="$(ls -S "${jpg[@]}" | head -1)"
echo "Peak RSS of distill on the largest JPEG ($(basename "$big"), lossless + lossy q80 + WebP sibling): $(
  JPEG_QUALITY=80 FORMATS=webp /usr/bin/time -f %M "$distill" "$work/sib" "$big" 2>&1 >/dev/null | tail -1) KiB"

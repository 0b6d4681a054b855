#!/usr/bin/env bash
# Step "install": distill from npm at the exact version the Action pins, into a folder of its own
# under $RUNNER_TEMP, so the user's package.json and lockfile are never touched. The npm config of
# the runner applies (a registry mirror set by actions/setup-node, say).
#
# Reads: DISTILL_VERSION (x.y.z), RUNNER_TEMP, GITHUB_OUTPUT, GITHUB_PATH. Writes output `bin` (the
# distill command) and puts its folder on PATH for later steps. Exit 2 on a bad version.
set -euo pipefail

version="${DISTILL_VERSION:-}"
if ! [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
  echo "::error title=distill install::version \`$version\` is not an exact version (x.y.z); the Action installs one pinned release"
  exit 2
fi
: "${RUNNER_TEMP:?RUNNER_TEMP is not set; this script runs as a step of the distill Action}"
: "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set; this script runs as a step of the distill Action}"

prefix="$RUNNER_TEMP/distill-cli"
mkdir -p "$prefix"
# A package.json of its own stops npm from looking for a project further up.
printf '{ "private": true }\n' >"$prefix/package.json"
npm install --prefix "$prefix" --no-save --no-package-lock --ignore-scripts --no-audit --no-fund \
  --loglevel=error "distill@$version"

bin_dir="$prefix/node_modules/.bin"
bin="$bin_dir/distill" # on Windows too: npm writes a shell shim beside distill.cmd
printed="$("$bin" --version)" || {
  echo "::error title=distill install::distill@$version installed but does not run; the log above says why"
  exit 2
}
if [[ $printed != "distill $version" ]]; then
  echo "::error title=distill install::distill@$version prints \`$printed\`"
  exit 2
fi
echo "$printed from npm"
echo "bin=$bin" >>"$GITHUB_OUTPUT"
[[ -n ${GITHUB_PATH:-} ]] && echo "$bin_dir" >>"$GITHUB_PATH"
exit 0

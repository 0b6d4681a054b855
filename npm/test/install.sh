#!/usr/bin/env bash
# Install distill as a user would: `npm pack` the main package and this platform's package, install
# both tarballs into a fresh project (offline, with a fresh npm cache and no user config), then run
# the real binary through `npm run` and `npx` and check that its output and exit codes reach npm.
# Then the launcher's own failures: platform package left out, no run bit, unsupported platform,
# musl without its package, DISTILL_BINARY, and signal forwarding.
#
#   DISTILL_NPM_BINARY=PATH bash npm/test/install.sh
#
# DISTILL_NPM_BINARY is the release binary to package (default $CARGO_TARGET_DIR/release/distill,
# target/release/distill when CARGO_TARGET_DIR is unset). DISTILL_NPM_STAGE instead names the --out
# folder of an earlier `node npm/build.mjs` (the release workflow stages where cargo is and tests
# in an Alpine container where it is not). Exit 0 when every case passes.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
exe=distill
case "$(uname -s)" in MINGW* | MSYS* | CYGWIN*) exe=distill.exe posix=0 ;; *) posix=1 ;; esac
binary="${DISTILL_NPM_BINARY:-${CARGO_TARGET_DIR:-$repo/target}/release/$exe}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# npm reads nothing of the user's and writes nothing outside $work; nothing comes from the network.
export npm_config_userconfig="$work/npmrc" npm_config_cache="$work/npm-cache" npm_config_offline=true
export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
export NO_COLOR=1 DISTILL_CACHE_DIR="$work/size-cache"
unset DISTILL_BINARY NODE_OPTIONS
: >"$work/npmrc"

failures=0
pass() { printf 'ok   %s\n' "$1"; }
fail() {
  printf 'FAIL %s\n' "$1"
  printf '     %s\n' "${@:2}"
  failures=$((failures + 1))
}

# expect NAME CODE PATTERN CMD...: CMD exits CODE and its stdout+stderr match the extended regex
# PATTERN; its output is kept in $out for further checks.
expect() {
  local name="$1" code="$2" pattern="$3" status=0
  shift 3
  "$@" >"$work/out" 2>&1 || status=$?
  out="$(cat "$work/out")"
  if [[ $status -ne $code ]]; then
    fail "$name" "expected exit $code, got $status from: $*" "${out//$'\n'/$'\n'     }"
  elif ! grep -Eq -- "$pattern" "$work/out"; then
    fail "$name" "exit $status as expected, but no match for /$pattern/ in:" "${out//$'\n'/$'\n'     }"
  else
    pass "$name"
  fi
}

section() { printf '\n-- %s\n' "$1"; }

section "stage and pack"
if [[ -n ${DISTILL_NPM_STAGE:-} ]]; then
  main_dir="$DISTILL_NPM_STAGE/distill"
  platform_dir="$(ls -d "$DISTILL_NPM_STAGE"/distill-*)"
  binary="$platform_dir/bin/$exe"
else
  staged="$(node "$repo/npm/build.mjs" --binary "$binary" --out "$work/stage")"
  main_dir="$(sed -n 1p <<<"$staged")" platform_dir="$(sed -n 2p <<<"$staged")"
fi
[[ -f $main_dir/package.json && -f $platform_dir/package.json ]] || { echo "no staged packages"; exit 1; }
if [[ -z ${DISTILL_NPM_STAGE:-} && $posix -eq 1 ]]; then
  # Staging refuses what would publish a broken or mislabelled package.
  printf '#!/bin/sh\necho "distill 0.0.1"\n' >"$work/stale"
  chmod +x "$work/stale"
  expect "build.mjs refuses a binary of another version" 2 "prints \`distill 0.0.1\`; the crate is" \
    node "$repo/npm/build.mjs" --binary "$work/stale" --out "$work/refused"
  expect "build.mjs refuses a missing binary" 2 "cannot run the release binary .*/no-binary" \
    node "$repo/npm/build.mjs" --binary "$work/no-binary" --out "$work/refused"
  expect "build.mjs refuses a platform without a package" 2 "platform sunos-x64; distill ships npm packages for" \
    node "$repo/npm/build.mjs" --binary "$binary" --out "$work/refused" --platform sunos-x64
  [[ ! -e $work/refused ]] || fail "a refused staging wrote nothing" "$(ls -R "$work/refused")"
fi
version="$(node -p "require('$main_dir/package.json').version")"
platform_pkg="$(node -p "require('$platform_dir/package.json').name")"
mkdir "$work/tarballs"
(cd "$work/tarballs" && npm pack --silent "$main_dir" "$platform_dir" >/dev/null)
main_tgz="$work/tarballs/distill-$version.tgz"
platform_tgz="$work/tarballs/$platform_pkg-$version.tgz"
ls -l "$main_tgz" "$platform_tgz"
tar -tvzf "$platform_tgz" >"$work/listing"
if grep -Eq "^-rwx.*package/bin/$exe\$" "$work/listing"; then
  pass "the packed binary keeps its run bit"
else
  fail "the packed binary keeps its run bit" "$(cat "$work/listing")"
fi

# A project like a user's: the committed demo build, budgets beside it, scripts that call distill.
new_project() {
  mkdir -p "$1"
  cp -R "$repo/fixtures/demo/dist" "$1/dist"
  cat >"$1/package.json" <<'JSON'
{
  "name": "size-check-project",
  "private": true,
  "scripts": {
    "distill-version": "distill --version",
    "size": "distill check",
    "size:pass": "distill check dist --budgets pass.json --format human --format json=report.json",
    "size:missing": "distill check no-such-build"
  }
}
JSON
}

section "install both tarballs into a fresh project"
project="$work/project"
new_project "$project"
cd "$project"
expect "npm install from the tarballs, offline" 0 "added 2 packages" \
  npm install --save-dev "$main_tgz" "$platform_tgz"
expect "npm ls shows both packages at the crate's version" 0 "$platform_pkg@$version" npm ls --all
grep -q "distill@$version" "$work/out" || fail "npm ls shows distill@$version" "$out"

section "the real binary through npm run and npx"
expect "npm run: distill --version" 0 "^distill $version\$" npm run --silent distill-version
expect "npx: distill --version" 0 "^distill $version\$" npx distill --version

# Budgets around the build's real size: measured first (raw bytes of its scripts), then one budget
# a byte below it (fails) and one at it (passes), so the boundary is distill's, not ours.
cat >pass.json <<'JSON'
{ "budgets": [ { "name": "scripts", "select": { "types": ["script"] }, "max": "100 MB", "compression": "none" } ] }
JSON
expect "npm run: a passing budget exits 0" 0 "scripts" npm run --silent size:pass
scripts_bytes="$(node -e '
  const r = require("./report.json");
  const v = r.budgets.verdicts.find((v) => v.name === "scripts");
  process.stdout.write(String(v.actual));
')"
[[ $scripts_bytes =~ ^[0-9]+$ && $scripts_bytes -gt 0 ]] || fail "report.json has the scripts' size" "got '$scripts_bytes'"
printf '{ "budgets": [ { "name": "scripts", "select": { "types": ["script"] }, "max": "%s B", "compression": "none" } ] }\n' \
  "$((scripts_bytes - 1))" >budgets.json
expect "npm run: a budget one byte under the build exits 1" 1 "scripts" npm run --silent size
expect "npx: a budget one byte under the build exits 1" 1 "scripts" npx distill check dist --budgets budgets.json
printf '{ "budgets": [ { "name": "scripts", "select": { "types": ["script"] }, "max": "%s B", "compression": "none" } ] }\n' \
  "$scripts_bytes" >exact.json
expect "npx: a budget equal to the build exits 0" 0 "scripts" npx distill check dist --budgets exact.json
expect "npm run: a missing build folder exits 2" 2 "input/not-found" npm run --silent size:missing
expect "npx: a missing build folder exits 2" 2 "input/not-found" npx distill check no-such-build --budgets pass.json
expect "npx: an unknown flag exits 2 (clap's usage error)" 2 "unexpected argument" npx distill check --no-such-flag

section "the launcher's own failures: a message, exit 2, nothing on stdout"
# expect_error NAME PATTERN CMD...: exit 2, PATTERN on a line of stderr, stdout empty.
expect_error() {
  local name="$1" pattern="$2" status=0
  shift 2
  "$@" >"$work/stdout" 2>"$work/stderr" || status=$?
  if [[ $status -ne 2 ]] || ! grep -Eq -- "$pattern" "$work/stderr" || [[ -s $work/stdout ]]; then
    fail "$name" "exit $status from: $*" "stdout: $(cat "$work/stdout")" "stderr: $(cat "$work/stderr")"
  else
    pass "$name"
    sed 's/^/     | /' "$work/stderr"
  fi
}

shim="$project/node_modules/distill/bin/distill.js"
fake="--require $repo/npm/test/fake-platform.cjs"
expect_error "an unsupported platform names itself and the supported ones" \
  "no binary for freebsd-x64; .* ships linux-x64-gnu, .*win32-x64" \
  env NODE_OPTIONS="$fake" FAKE_PLATFORM=freebsd FAKE_ARCH=x64 npx distill --version
expect_error "an unsupported CPU on a supported OS" "no binary for darwin-ppc64" \
  env NODE_OPTIONS="$fake" FAKE_PLATFORM=darwin FAKE_ARCH=ppc64 node "$shim" --version
if [[ $(uname -s) == Linux ]]; then
  other=gnu
  [[ $platform_pkg == *-gnu ]] && other=musl
  expect_error "linux with the other libc: its package is named, and how to add it" \
    "distill-linux-[a-z0-9]+-$other, the package with distill's binary .* is not installed" \
    env NODE_OPTIONS="$fake" FAKE_LIBC="$other" npx distill --version
fi
expect_error "DISTILL_BINARY naming a missing file" "does-not-exist \(DISTILL_BINARY\) does not exist" \
  env DISTILL_BINARY="$work/does-not-exist" npx distill --version
expect "DISTILL_BINARY naming the real binary runs it" 0 "^distill $version\$" \
  env DISTILL_BINARY="$binary" npx distill --version

installed_bin="$project/node_modules/$platform_pkg/bin/$exe"
if [[ $posix -eq 1 ]]; then
  chmod -x "$installed_bin"
  expect_error "a binary without its run bit" "$exe is not executable" npx distill --version
  grep -q "hint: chmod +x '$installed_bin'" "$work/stderr" || fail "the hint says chmod +x" "$(cat "$work/stderr")"
  chmod +x "$installed_bin"
fi
# A binary whose ELF loader is missing, as a glibc build is on a musl system: the kernel says
# ENOENT for a file that exists. Made from the real binary by renaming its interpreter.
if [[ $(uname -s) == Linux ]] && node -e '
  const fs = require("fs");
  const bytes = fs.readFileSync(process.argv[1]);
  const at = bytes.subarray(0, 4096).indexOf("/ld-linux");
  if (at < 0) process.exit(1);
  bytes[at + 1] = "L".charCodeAt(0);
  fs.writeFileSync(process.argv[2], bytes, { mode: 0o755 });
' "$binary" "$work/foreign"; then
  expect_error "a binary this system cannot load" "cannot run .*foreign \(DISTILL_BINARY\): spawn .* ENOENT" \
    env DISTILL_BINARY="$work/foreign" npx distill --version
  grep -q "hint: check that it was built for linux-" "$work/stderr" || fail "the hint names the platform" "$(cat "$work/stderr")"
fi
mv "$installed_bin" "$work/moved"
expect_error "a platform package without its binary" "$exe does not exist" npx distill --version
grep -q "hint: reinstall distill" "$work/stderr" || fail "the hint says reinstall" "$(cat "$work/stderr")"
mv "$work/moved" "$installed_bin"
expect "the restored install works again" 0 "^distill $version\$" npx distill --version

section "linked install: npm install of the staged folders (symlinks, as npm link makes)"
linked="$work/linked"
new_project "$linked"
cd "$linked"
expect "npm install of the two folders" 0 "added 2 packages" npm install --save-dev "$main_dir" "$platform_dir"
[[ -L node_modules/distill ]] || fail "the folder install made a symlink" "$(ls -l node_modules)"
expect "npx: distill --version through the link" 0 "^distill $version\$" npx distill --version
cp "$project/pass.json" .
expect "npm run: a passing check through the link" 0 "scripts" npm run --silent size:pass

section "optional dependencies left out (--no-optional)"
bare="$work/bare"
new_project "$bare"
cd "$bare"
expect "npm install --no-optional of the main tarball" 0 "added 1 package" \
  npm install --save-dev --no-optional "$main_tgz"
[[ ! -e node_modules/$platform_pkg ]] || fail "--no-optional left $platform_pkg out" "it is installed"
expect_error "npx: the missing platform package is named with the fix" \
  "$platform_pkg, the package with distill's binary .* is not installed" npx distill --version
for said in "--no-optional" "npm install --save-dev $platform_pkg@$version"; do
  grep -qF -- "$said" "$work/stderr" || fail "the message says \`$said\`" "$(cat "$work/stderr")"
done
expect "npm run: the same failure exits 2" 2 "$platform_pkg@$version" npm run --silent distill-version

if [[ $posix -eq 1 ]]; then
  section "signals reach the binary, and its exit reaches the caller"
  cd "$project"
  # A stand-in binary that records its pid and waits; it exits 7 on TERM, 8 on INT, or (with
  # DIE=1) dies of the signal itself.
  cat >"$work/waiter" <<'SH'
#!/usr/bin/env bash
echo $$ >"$PIDFILE"
[[ ${DIE:-0} == 1 ]] && exec sleep 30
trap 'exit 7' TERM
trap 'exit 8' INT
sleep 30 &
wait
SH
  chmod +x "$work/waiter"
  # signal_case NAME SIGNAL EXPECTED_STATUS [ENV...]: start the launcher, wait until the binary
  # runs, signal the launcher only, and check its status and that the binary is gone.
  signal_case() {
    local name="$1" signal="$2" want="$3" status=0 waited=0
    shift 3
    rm -f "$work/pid"
    env PIDFILE="$work/pid" DISTILL_BINARY="$work/waiter" "$@" node "$shim" &
    local launcher=$!
    while [[ ! -s $work/pid && $waited -lt 100 ]]; do sleep 0.1; waited=$((waited + 1)); done
    sleep 0.2 # the waiter's traps are set after it writes its pid
    kill "-$signal" "$launcher"
    wait "$launcher" || status=$?
    local child
    child="$(cat "$work/pid")"
    if [[ $status -ne $want ]]; then
      fail "$name" "launcher exit $status, expected $want"
    elif kill -0 "$child" 2>/dev/null; then
      fail "$name" "the binary (pid $child) still runs after the launcher ended"
      kill "$child"
    else
      pass "$name"
    fi
  }
  signal_case "SIGTERM is forwarded; the binary's exit code 7 is ours" TERM 7
  signal_case "SIGINT is forwarded; the binary's exit code 8 is ours" INT 8
  signal_case "the binary killed by SIGTERM: the launcher dies of SIGTERM too (143)" TERM 143 DIE=1
fi

printf '\n'
if [[ $failures -gt 0 ]]; then
  echo "npm install test: $failures failed"
  exit 1
fi
echo "npm install test: all passed"

#!/usr/bin/env node
// The `distill` command of the npm package: find the binary in this platform's package (an
// optional dependency that npm installs only where its os/cpu/libc fields match) and run it,
// passing arguments, stdio, the exit code and signals through. CommonJS, Node >= 18, no
// dependencies. Its own failures exit 2, distill's code for "error".
'use strict';

const fs = require('fs');
const path = require('path');
const manifest = require('../package.json');

// `<os>-<cpu>[-<libc>]` -> the Rust target its binary is built for. Each key is the package
// `distill-<key>`; npm/build.mjs checks this table against npm/platforms and optionalDependencies.
const PLATFORMS = {
  'linux-x64-gnu': 'x86_64-unknown-linux-gnu',
  'linux-x64-musl': 'x86_64-unknown-linux-musl',
  'linux-arm64-gnu': 'aarch64-unknown-linux-gnu',
  'linux-arm64-musl': 'aarch64-unknown-linux-musl',
  'darwin-x64': 'x86_64-apple-darwin',
  'darwin-arm64': 'aarch64-apple-darwin',
  'win32-x64': 'x86_64-pc-windows-msvc',
};

function platformKey() {
  const { platform, arch } = process;
  if (platform !== 'linux') return `${platform}-${arch}`;
  // Node on musl (Alpine) has no glibc runtime version; a glibc binary cannot start there.
  if ('excludeNetwork' in process.report) process.report.excludeNetwork = true;
  const glibc = process.report.getReport().header.glibcVersionRuntime;
  return `${platform}-${arch}-${glibc ? 'gnu' : 'musl'}`;
}

// Node resolves from this file's real path, which finds the platform package beside this one
// (npm, pnpm, Yarn). A linked install (`npm link`, a `file:` folder) puts the real path outside the
// project: then look from the project, through the bin link we were started by.
function resolvePackage(pkg) {
  for (const from of [undefined, path.dirname(process.argv[1] || '')]) {
    try {
      return path.dirname(require.resolve(`${pkg}/package.json`, from && { paths: [from] }));
    } catch {
      // not from here; try the next place
    }
  }
  return null;
}

function fail(message, hint) {
  process.stderr.write(`error: ${message}\n${hint ? `  hint: ${hint}\n` : ''}`);
  process.exit(2);
}

function findBinary() {
  if (process.env.DISTILL_BINARY) return process.env.DISTILL_BINARY;
  const key = platformKey();
  if (!(key in PLATFORMS)) {
    const repo = String(manifest.repository && manifest.repository.url).replace(/^git\+/, '');
    fail(
      `distill has no binary for ${key}; its npm package ships ${Object.keys(PLATFORMS).join(', ')}`,
      `build one with \`cargo install --locked --git ${repo} distill\` and set DISTILL_BINARY to its path`,
    );
  }
  const pkg = `distill-${key}`;
  const dir = resolvePackage(pkg);
  if (!dir) {
    fail(
      `${pkg}, the package with distill's binary for ${key}, is not installed`,
      'npm leaves optional dependencies out with --no-optional or --omit=optional: install without ' +
        `them, or add the package: npm install --save-dev ${pkg}@${manifest.optionalDependencies[pkg]}`,
    );
  }
  return path.join(dir, 'bin', process.platform === 'win32' ? 'distill.exe' : 'distill');
}

function run() {
  const binary = findBinary();
  const child = require('child_process').spawn(binary, process.argv.slice(2), {
    stdio: 'inherit',
    windowsHide: true,
  });
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const forward = (signal) => child.kill(signal);
  for (const s of signals) process.on(s, forward);
  child.on('error', (err) => {
    const from = process.env.DISTILL_BINARY ? ' (DISTILL_BINARY)' : '';
    if (err.code === 'EACCES') {
      fail(`${binary}${from} is not executable`, `chmod +x '${binary}', or reinstall distill`);
    }
    if (err.code === 'ENOENT' && !fs.existsSync(binary)) {
      fail(`${binary}${from} does not exist`, 'reinstall distill: the package that holds it is incomplete');
    }
    // ENOENT for a file that exists: the kernel found no loader for it (a glibc binary on musl).
    fail(`cannot run ${binary}${from}: ${err.message}`, `check that it was built for ${process.platform}-${process.arch}`);
  });
  child.on('exit', (code, signal) => {
    if (code !== null) process.exit(code);
    // Die of the binary's signal, so whoever runs us sees what it saw.
    for (const s of signals) process.removeListener(s, forward);
    process.kill(process.pid, signal);
    // A signal Node ignores (SIGPIPE) leaves us running: exit as a shell would report it.
    setTimeout(() => process.exit(128 + (require('os').constants.signals[signal] || 0)), 100);
  });
}

if (require.main === module) run();
module.exports = { PLATFORMS, platformKey };

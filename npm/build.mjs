#!/usr/bin/env node
// Stage the npm packages for this machine: the main package `distill` and the package of the
// host platform with the release binary in it, both stamped with the version and repository of
// the `distill` crate. The tree under npm/ is never written; packages go to --out.
//
//   node npm/build.mjs [--binary PATH] [--out DIR] [--platform KEY]
//
// --binary defaults to $CARGO_TARGET_DIR/release/distill (target/ when unset), --out to
// $CARGO_TARGET_DIR/npm, --platform to this machine's key (linux-x64-gnu, …); name it when the
// binary is for another libc than the host's (a static musl build on a glibc runner). Prints the
// two staged folders, main first. Exit 2 on any problem.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.dirname(here);
const { PLATFORMS, platformKey } = createRequire(import.meta.url)('./distill/bin/distill.js');

function fail(message) {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

function args(argv) {
  const target = process.env.CARGO_TARGET_DIR || path.join(repo, 'target');
  const exe = process.platform === 'win32' ? 'distill.exe' : 'distill';
  const out = { binary: path.join(target, 'release', exe), out: path.join(target, 'npm'), platform: null };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (!['--binary', '--out', '--platform'].includes(flag) || value === undefined) {
      fail(`unexpected argument \`${flag}\`; usage: node npm/build.mjs [--binary PATH] [--out DIR] [--platform KEY]`);
    }
    out[flag.slice(2)] = flag === '--platform' ? value : path.resolve(value);
  }
  return out;
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    return fail(`${path.relative(repo, file)}: ${err.message}`);
  }
}

// The crate is the one source of the version: what `distill --version` prints.
function crate() {
  let meta;
  try {
    const json = execFileSync('cargo', ['metadata', '--no-deps', '--offline', '--format-version', '1'], {
      cwd: repo,
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    meta = JSON.parse(json);
  } catch (err) {
    return fail(`cannot read the crate's version with \`cargo metadata\`: ${err.message}`);
  }
  const pkg = meta.packages.find((p) => p.name === 'distill');
  if (!pkg) fail('`cargo metadata` lists no package named distill');
  return { version: pkg.version, repository: pkg.repository };
}

// The table in the shim, the platform packages and the main package's optional dependencies
// must name the same platforms, with os/cpu/libc fields that agree with the key.
function checkPackages(main) {
  const keys = Object.keys(PLATFORMS).sort();
  const dirs = fs.readdirSync(path.join(here, 'platforms')).sort();
  const optional = Object.keys(main.optionalDependencies || {}).sort();
  if (dirs.join() !== keys.join()) {
    fail(`npm/platforms has ${dirs.join(', ')}; the shim's table has ${keys.join(', ')}`);
  }
  if (optional.join() !== keys.map((k) => `distill-${k}`).join()) {
    fail(`npm/distill/package.json optionalDependencies are ${optional.join(', ')}; expected distill-<key> for ${keys.join(', ')}`);
  }
  const platforms = {};
  for (const key of keys) {
    const file = path.join(here, 'platforms', key, 'package.json');
    const pkg = readJson(file);
    const [os, cpu, libc] = key.split('-');
    const want = { name: `distill-${key}`, os: [os], cpu: [cpu], libc: libc && [libc === 'gnu' ? 'glibc' : 'musl'] };
    for (const [field, value] of Object.entries(want)) {
      if (JSON.stringify(pkg[field]) !== JSON.stringify(value)) {
        fail(`${path.relative(repo, file)}: "${field}" is ${JSON.stringify(pkg[field])}, expected ${JSON.stringify(value)}`);
      }
    }
    if (pkg.bin) fail(`${path.relative(repo, file)}: a platform package has no "bin"; the shim runs its binary`);
    platforms[key] = pkg;
  }
  return platforms;
}

function write(dir, manifest, files) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const [name, from, mode] of files) {
    fs.copyFileSync(from, path.join(dir, name));
    fs.chmodSync(path.join(dir, name), mode);
  }
}

function main() {
  const opts = args(process.argv.slice(2));
  const { version, repository } = crate();
  const mainManifest = readJson(path.join(here, 'distill', 'package.json'));
  const platforms = checkPackages(mainManifest);
  const key = opts.platform || platformKey();
  if (!(key in PLATFORMS)) {
    fail(`${opts.platform ? 'platform' : 'this machine is'} ${key}; distill ships npm packages for ${Object.keys(PLATFORMS).join(', ')}`);
  }

  // A stale or foreign binary would be published under this version: run it and compare.
  let printed;
  try {
    printed = execFileSync(opts.binary, ['--version'], { encoding: 'utf8' }).trim();
  } catch (err) {
    return fail(`cannot run the release binary ${opts.binary}: ${err.message}\n  hint: cargo build --release`);
  }
  if (printed !== `distill ${version}`) {
    fail(`${opts.binary} prints \`${printed}\`; the crate is ${version}\n  hint: cargo build --release`);
  }

  const stamp = (pkg) => ({ ...pkg, version, ...(repository && { repository: { type: 'git', url: repository } }) });
  const mainOut = path.join(opts.out, 'distill');
  const optionalDependencies = Object.fromEntries(Object.keys(PLATFORMS).map((k) => [`distill-${k}`, version]));
  write(mainOut, { ...stamp(mainManifest), optionalDependencies }, [
    ['bin/distill.js', path.join(here, 'distill', 'bin', 'distill.js'), 0o755],
    ['README.md', path.join(here, 'distill', 'README.md'), 0o644],
    // Editors complete budgets.json from it: `distill init` writes its `$schema` to this file.
    ['budgets.schema.json', path.join(here, '..', 'budgets.schema.json'), 0o644],
  ]);
  const platformOut = path.join(opts.out, `distill-${key}`);
  const exe = key.startsWith('win32') ? 'distill.exe' : 'distill';
  write(platformOut, stamp(platforms[key]), [[`bin/${exe}`, opts.binary, 0o755]]);
  process.stdout.write(`${mainOut}\n${platformOut}\n`);
}

main();

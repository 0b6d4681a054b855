// Helpers for bench/run.sh: file sets, size-limit configs and the result table.
// Only Node built-ins plus tinyglobby (a dependency of size-limit, installed by `npm ci`).
//
//   node lib.mjs fileset DIR                   -> prints "KIND\tFILES\tBYTES" then one relative path per line
//   node lib.mjs configs DIR LIST OUTDIR       -> writes OUTDIR/{brotli,gzip}/.size-limit.json for the paths in LIST
//   node lib.mjs report                        -> prints the table from BENCH_* variables (see run.sh);
//                                                 exits 3 when BENCH_CHECK=1 and a target is missed
//
// Errors go to stderr prefixed with "bench:" and exit non-zero.

import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))

function die(msg) {
  process.stderr.write(`bench: error: ${msg}\n`)
  process.exit(1)
}

// Next.js build folder: has BUILD_ID or build-manifest.json next to static/.
function isNext(dir) {
  return (
    fs.existsSync(path.join(dir, 'static')) &&
    (fs.existsSync(path.join(dir, 'BUILD_ID')) || fs.existsSync(path.join(dir, 'build-manifest.json')))
  )
}

function walk(root, rel, out) {
  for (const ent of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${ent.name}` : ent.name
    if (ent.isDirectory()) {
      if (ent.name === 'node_modules') continue
      walk(root, r, out)
    } else if (ent.isFile() && /\.(js|css)$/.test(ent.name)) {
      out.push(r)
    }
  }
}

// The client JS+CSS payload: Next -> static/**/*.{js,css}; Vite (anything else) -> **/*.{js,css}.
// `.map` files never match because the name must end in .js or .css.
function fileset(dir) {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) die(`not a directory: ${dir}`)
  const kind = isNext(dir) ? 'next' : 'vite'
  const files = []
  if (kind === 'next') walk(dir, 'static', files)
  else walk(dir, '', files)
  files.sort()
  for (const f of files) {
    if (f.includes('\n') || f.includes('\t')) die(`file name with a newline or tab is not supported: ${JSON.stringify(f)}`)
  }
  const bytes = files.reduce((s, f) => s + fs.statSync(path.join(dir, f)).size, 0)
  return { kind, files, bytes }
}

// picomatch/tinyglobby special characters; Next chunk paths contain [slug] and (group).
const escapeGlob = s => s.replace(/[\\()[\]{}*?!+@|]/g, '\\$&')

async function configs(dir, listFile, outDir) {
  const abs = path.resolve(dir)
  const files = fs.readFileSync(listFile, 'utf8').split('\n').filter(Boolean)
  if (files.length === 0) die('empty file list')
  const patterns = files.map(f => escapeGlob(path.join(abs, f)))
  let glob
  try {
    ;({ glob } = await import(pathToFileURL(path.join(here, 'node_modules/tinyglobby/dist/index.mjs')).href))
  } catch (e) {
    die(`cannot load tinyglobby from bench/node_modules (run npm ci in bench/): ${e.message}`)
  }
  for (const mode of ['brotli', 'gzip']) {
    const d = path.join(outDir, mode)
    fs.mkdirSync(d, { recursive: true })
    const check = { name: `${mode} (${files.length} files)`, path: patterns }
    // @size-limit/file 12: gzip: true -> gzip; otherwise brotli unless brotli: false.
    if (mode === 'gzip') check.gzip = true
    else check.brotli = true
    fs.writeFileSync(path.join(d, '.size-limit.json'), JSON.stringify([check], null, 2) + '\n')
    // size-limit resolves `path` with tinyglobby relative to the config's folder; make sure the
    // escaped absolute paths resolve to exactly our files, so both tools measure the same set.
    const found = await glob(patterns, { cwd: d, absolute: true })
    if (found.length !== files.length) {
      die(`size-limit config for ${mode} resolves to ${found.length} files, expected ${files.length}`)
    }
  }
}

function readJson(file, what) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch (e) {
    die(`cannot read ${what} (${file}): ${e.message}`)
  }
}

function sizeLimitSize(file, mode) {
  const out = readJson(file, `size-limit ${mode} output`)
  if (!Array.isArray(out) || out.length !== 1 || typeof out[0].size !== 'number') {
    die(`unexpected size-limit ${mode} output in ${file}: ${JSON.stringify(out).slice(0, 300)}`)
  }
  return out[0].size
}

function fmtTime(s) {
  return s >= 1 ? `${s.toFixed(3)} s` : `${(s * 1000).toFixed(1)} ms`
}

const NAMES = ['distill raw+gzip+brotli+zstd', 'distill raw+brotli', 'size-limit brotli', 'size-limit gzip', 'distill warm cache, all encodings']

function median(xs) {
  const v = [...xs].sort((a, b) => a - b)
  const m = v.length >> 1
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2
}

// Wall times in seconds per command, plus mean CPU time (user+sys of the command and its
// children), from a folder of hyperfine --export-json files or from run.sh's own loop (TSV lines
// "NAME<TAB>WALL_NANOSECONDS<TAB>USER_SECONDS<TAB>SYS_SECONDS").
function readTimes(file) {
  const runs = new Map(NAMES.map(n => [n, { wall: [], cpu: [] }]))
  if (fs.statSync(file).isDirectory()) {
    // One hyperfine --export-json per round (--runs 1), so user+system is per run.
    for (const name of fs.readdirSync(file).filter(n => n.endsWith('.json'))) {
      for (const r of readJson(path.join(file, name), 'hyperfine results').results) {
        if (!runs.has(r.command)) die(`unexpected hyperfine command name ${r.command}`)
        runs.get(r.command).wall.push(...r.times)
        runs.get(r.command).cpu.push(r.user + r.system)
      }
    }
  } else {
    for (const line of fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
      const [name, ns, user, sys] = line.split('\t')
      if (!runs.has(name)) die(`unexpected timing line ${line}`)
      runs.get(name).wall.push(Number(ns) / 1e9)
      runs.get(name).cpu.push(Number(user) + Number(sys))
    }
  }
  const t = {}
  for (const [name, { wall, cpu }] of runs) {
    if (wall.length === 0) die(`no timings for ${name}`)
    t[name] = {
      median: median(wall),
      min: Math.min(...wall),
      max: Math.max(...wall),
      cpuMean: cpu.reduce((a, b) => a + b, 0) / cpu.length,
      runs: wall.length
    }
  }
  return t
}

function report() {
  const env = k => {
    const v = process.env[`BENCH_${k}`]
    if (v === undefined) die(`BENCH_${k} is not set`)
    return v
  }
  const s = {
    dir: env('DIR'),
    kind: env('KIND'),
    list: env('LIST'),
    bytes: Number(env('BYTES')),
    distillJson: env('DISTILL_JSON'),
    slBrotli: env('SL_BROTLI'),
    slGzip: env('SL_GZIP'),
    timer: env('TIMER'),
    runs: Number(env('RUNS')),
    warmup: Number(env('WARMUP')),
    versions: env('VERSIONS'),
    load: process.env.BENCH_LOAD || '?',
    summaryOut: process.env.BENCH_SUMMARY_OUT || '',
    check: process.env.BENCH_CHECK === '1'
  }
  const files = fs.readFileSync(s.list, 'utf8').split('\n').filter(Boolean)
  const rep = readJson(s.distillJson, 'distill JSON report')
  const bySize = new Map((rep.files || []).map(f => [f.path, f.sizes || {}]))
  const tot = { raw: 0, gzip: 0, brotli: 0, zstd: 0 }
  const missing = []
  for (const f of files) {
    const sz = bySize.get(f)
    if (!sz) {
      missing.push(f)
      continue
    }
    for (const k of Object.keys(tot)) {
      if (typeof sz[k] !== 'number') die(`distill report has no ${k} size for ${f}`)
      tot[k] += sz[k]
    }
  }
  if (missing.length) die(`distill's report lacks ${missing.length} of the files, e.g. ${missing.slice(0, 3).join(', ')}`)
  if (tot.raw !== s.bytes) die(`distill's raw total ${tot.raw} differs from the files on disk (${s.bytes})`)
  const sl = { gzip: sizeLimitSize(s.slGzip, 'gzip'), brotli: sizeLimitSize(s.slBrotli, 'brotli') }

  const t = readTimes(env('TIMES'))
  const ratio = t['size-limit brotli'].median / t['distill raw+gzip+brotli+zstd'].median
  const diff = k => (100 * (tot[k] - sl[k])) / sl[k]
  // brotli is the same encoder family at the same settings: the totals agree. distill's gzip is
  // libdeflate's optimal parser (what `distill optimize` writes as .gz), smaller than Node's zlib
  // level 9 in total and never more than 0.5% above it on a file (tests/it/sizes.rs checks every
  // fixture file against Node itself), so its target is one-sided.
  const target = { gzip: 'diff <= +0.5%', brotli: '|diff| <= 0.5%' }
  const ok = {
    ratio: ratio >= 2,
    gzip: diff('gzip') <= 0.5,
    brotli: Math.abs(diff('brotli')) <= 0.5
  }
  const mark = b => (b ? 'PASS' : 'FAIL')
  const L = []
  L.push('')
  L.push(`build:   ${s.dir} (${s.kind}; ${files.length} JS+CSS files, ${tot.raw} bytes raw)`)
  L.push(`timing:  ${s.timer}; ${s.runs} runs of each after ${s.warmup} warmup; wall times, cpu = user+sys`)
  L.push(`load:    ${s.load}`)
  L.push(`versions: ${s.versions}`)
  L.push('')
  L.push(`${'command'.padEnd(32)}${'median'.padStart(11)}${'min'.padStart(11)}${'max'.padStart(11)}${'cpu (mean)'.padStart(13)}`)
  for (const [name, v] of Object.entries(t)) {
    L.push(
      `${name.padEnd(32)}${fmtTime(v.median).padStart(11)}${fmtTime(v.min).padStart(11)}${fmtTime(v.max).padStart(11)}${fmtTime(v.cpuMean).padStart(13)}`
    )
  }
  L.push('')
  L.push(`ratio size-limit brotli / distill raw+gzip+brotli+zstd: ${ratio.toFixed(2)}x  (target >= 2x: ${mark(ok.ratio)})`)
  L.push(`ratio size-limit brotli / distill raw+brotli:           ${(t['size-limit brotli'].median / t['distill raw+brotli'].median).toFixed(2)}x`)
  if (t['distill warm cache, all encodings']) {
    L.push(`ratio size-limit brotli / distill warm cache (all):     ${(t['size-limit brotli'].median / t['distill warm cache, all encodings'].median).toFixed(2)}x`)
  }
  L.push(`cpu ratio size-limit brotli / distill raw+gzip+brotli+zstd: ${(t['size-limit brotli'].cpuMean / t['distill raw+gzip+brotli+zstd'].cpuMean).toFixed(2)}x`)
  L.push('')
  L.push(`bytes over the same ${files.length} files   ${'distill'.padStart(10)}${'size-limit'.padStart(12)}${'diff'.padStart(10)}`)
  for (const k of ['gzip', 'brotli']) {
    const d = diff(k)
    L.push(
      `${k.padEnd(33)}${String(tot[k]).padStart(10)}${String(sl[k]).padStart(12)}${`${d >= 0 ? '+' : ''}${d.toFixed(3)}%`.padStart(10)}  (target ${target[k]}: ${mark(ok[k])})`
    )
  }
  L.push(`${'raw / zstd (distill only)'.padEnd(33)}${String(tot.raw).padStart(10)} / ${tot.zstd}`)
  process.stdout.write(L.join('\n') + '\n')

  if (s.summaryOut) {
    const out = {
      date: new Date().toISOString(),
      dir: s.dir,
      kind: s.kind,
      files: files.length,
      versions: s.versions,
      timer: s.timer,
      load: s.load,
      runs: s.runs,
      times: t,
      ratioBrotliVsDistillAll: ratio,
      bytes: { distill: tot, sizeLimit: sl },
      diffPercent: { gzip: diff('gzip'), brotli: diff('brotli') },
      pass: ok
    }
    fs.writeFileSync(s.summaryOut, JSON.stringify(out, null, 2) + '\n')
  }
  if (s.check && !(ok.ratio && ok.gzip && ok.brotli)) process.exit(3)
}

const [cmd, ...args] = process.argv.slice(2)
if (cmd === 'fileset' && args.length === 1) {
  const { kind, files, bytes } = fileset(args[0])
  process.stdout.write(`${kind}\t${files.length}\t${bytes}\n${files.join('\n')}${files.length ? '\n' : ''}`)
} else if (cmd === 'configs' && args.length === 3) {
  await configs(...args)
} else if (cmd === 'report' && args.length === 0) {
  report()
} else {
  die(`usage: node lib.mjs fileset DIR | configs DIR LIST OUTDIR | report`)
}

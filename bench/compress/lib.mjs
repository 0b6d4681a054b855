// Helpers for bench/compress/run.sh: the Vite plugin drivers, the output check and the table.
// Node built-ins only, plus the two plugins installed here by `npm ci`.
//
//   node lib.mjs vpc DIR LIST      vite-plugin-compression: gzip and brotli instances, closeBundle
//   node lib.mjs vpc2 DIR LIST     vite-plugin-compression2: its generateBundle pass, then closeBundle
//   node lib.mjs sizes JSON        checks every output of every tool and writes the byte totals
//   node lib.mjs report            prints the table from BENCH_* variables (see run.sh)
//
// DIR is a scratch copy of the build (the plugins write `<file>.gz` / `<file>.br` beside each
// file, as they do in a real build); LIST holds the paths to compress, relative to DIR, one a
// line. Errors go to stderr prefixed with "bench-compress:" and exit non-zero.

import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import zlib from 'node:zlib'

const here = path.dirname(fileURLToPath(import.meta.url))

function die(msg) {
  process.stderr.write(`bench-compress: error: ${msg}\n`)
  process.exit(1)
}

function readList(file) {
  const files = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)
  if (files.length === 0) die(`empty file list: ${file}`)
  return files
}

async function loadPlugin(name) {
  const entry = path.join(here, 'node_modules', name, 'dist', 'index.mjs')
  try {
    return (await import(pathToFileURL(entry).href)).default
  } catch (e) {
    die(`cannot load ${name} from bench/compress/node_modules (run npm ci there): ${e.message}`)
  }
}

// A Vite logger that drops everything: the plugins' size tables are not part of the work timed.
const quietLogger = { info() {}, warn() {}, warnOnce() {}, error: msg => die(String(msg)), clearScreen() {}, hasWarned: false }

// vite-plugin-compression 0.5.x does all its work in closeBundle: it walks build.outDir, keeps
// the files its `filter` accepts, compresses each with Node's zlib (gzip level 9, brotli quality
// 11 in text mode) and writes `<file>.gz` / `<file>.br`. Users add one instance per algorithm;
// closeBundle is a parallel hook, so Vite runs both instances at once, and so does this.
// threshold: 0 (default 1025 B) so it compresses the same files as the other tools.
async function vpc(dir, listFile) {
  const compression = await loadPlugin('vite-plugin-compression')
  const root = path.resolve(dir)
  const wanted = new Set(readList(listFile).map(f => path.join(root, f)))
  const filter = file => wanted.has(file)
  const config = { root, build: { outDir: root }, logger: quietLogger }
  const plugins = ['gzip', 'brotliCompress'].map(algorithm =>
    compression({ algorithm, filter, threshold: 0, verbose: false }),
  )
  for (const p of plugins) p.configResolved(config)
  await Promise.all(plugins.map(p => p.closeBundle()))
}

// vite-plugin-compression2 2.x compresses the bundle in memory: configResolved wraps the
// generateBundle hook of Vite's manifest plugin with its own pass, which compresses every
// output file its include/exclude accept (gzip level 9, brotli quality 11, in a queue of
// cpus-1 tasks) and emits `<file>.gz` / `<file>.br` as assets; Vite then writes them. Its
// closeBundle only handles public/ files. Here the bundle is the listed files read from DIR
// (JS as chunks with `code`, the rest as assets), the emitted assets are written to DIR the way
// Vite's write step would, and public/ is empty. include: every file (its default takes only
// text types), threshold 0 (its default), skipIfLargerOrEqual (its default, true).
async function vpc2(dir, listFile) {
  const compression = await loadPlugin('vite-plugin-compression2')
  const root = path.resolve(dir)
  const files = readList(listFile)
  const manifestPlugin = { name: 'vite:manifest', async generateBundle() {} }
  const config = { root, build: { outDir: root, manifest: true }, plugins: [manifestPlugin], publicDir: '', logger: quietLogger }
  const plugin = compression({ algorithms: ['gzip', 'brotliCompress'], include: [/./], logLevel: 'silent' })
  await plugin.configResolved.call({}, config)
  const bundle = {}
  for (const f of files) {
    const abs = path.join(root, f)
    bundle[f] = f.endsWith('.js') || f.endsWith('.mjs')
      ? { type: 'chunk', fileName: f, code: fs.readFileSync(abs, 'utf8') }
      : { type: 'asset', fileName: f, source: fs.readFileSync(abs) }
  }
  const emitted = []
  const ctx = {
    emitFile(asset) {
      emitted.push(asset)
      return asset.fileName
    },
    error(e) {
      throw e instanceof Error ? e : new Error(String(e))
    },
    warn() {},
  }
  await manifestPlugin.generateBundle.call(ctx, { dir: root }, bundle)
  await Promise.all(emitted.map(a => fs.promises.writeFile(path.join(root, a.fileName), a.source)))
  await plugin.closeBundle.call(ctx)
}

// Decoders that check an output against its input: Node's zlib for gzip and brotli, the zstd
// CLI for zstd (Node 20 has no zstd).
const DECODE = {
  gz: buf => zlib.gunzipSync(buf),
  br: buf => zlib.brotliDecompressSync(buf),
  zst: (buf, file) => {
    const r = spawnSync('zstd', ['-d', '-c', '-q', '--long=27', file], { maxBuffer: 1 << 30 })
    if (r.status !== 0) throw new Error(`zstd -d failed: ${r.stderr}`)
    return r.stdout
  },
}

// sizes JSON: JSON = {list, source, tools: [{name, dir, encodings: [ext...]}]}. For every tool
// and encoding, each listed file's `<file>.<ext>` in the tool's folder must decode to the
// source file's bytes. A missing output counts the raw file (what a server would send; the
// plugins skip outputs that are not smaller) and is reported. Writes {name: {ext: {bytes,
// files, missing}}} to JSON.out.
function sizes(jobFile) {
  const job = JSON.parse(fs.readFileSync(jobFile, 'utf8'))
  const files = readList(job.list)
  const out = {}
  let raw = 0
  for (const f of files) raw += fs.statSync(path.join(job.source, f)).size
  for (const tool of job.tools) {
    out[tool.name] = {}
    for (const ext of tool.encodings) {
      let bytes = 0
      let produced = 0
      const missing = []
      for (const f of files) {
        const src = path.join(job.source, f)
        const enc = path.join(tool.dir, `${f}.${ext}`)
        if (!fs.existsSync(enc)) {
          missing.push(f)
          bytes += fs.statSync(src).size
          continue
        }
        const data = fs.readFileSync(enc)
        let decoded
        try {
          decoded = DECODE[ext](data, enc)
        } catch (e) {
          die(`${tool.name}: ${f}.${ext} does not decode: ${e.message}`)
        }
        if (!decoded.equals(fs.readFileSync(src))) die(`${tool.name}: ${f}.${ext} decodes to other bytes than ${f}`)
        bytes += data.length
        produced++
      }
      out[tool.name][ext] = { bytes, files: produced, missing }
    }
  }
  fs.writeFileSync(`${jobFile}.out`, JSON.stringify({ raw, files: files.length, sizes: out }, null, 2))
}

function median(xs) {
  const v = [...xs].sort((a, b) => a - b)
  const m = v.length >> 1
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2
}

// Per command name: wall seconds and CPU seconds (user+sys of the command and its children)
// of each run, from hyperfine --export-json files (one per round) or from run.sh's own loop
// (TSV "NAME<TAB>WALL_NANOSECONDS<TAB>USER_SECONDS<TAB>SYS_SECONDS").
function readTimes(where) {
  const times = new Map()
  const add = (name, wall, cpu) => {
    if (!times.has(name)) times.set(name, { wall: [], cpu: [] })
    times.get(name).wall.push(wall)
    times.get(name).cpu.push(cpu)
  }
  if (fs.statSync(where).isDirectory()) {
    for (const f of fs.readdirSync(where).filter(f => f.endsWith('.json')).sort()) {
      for (const r of JSON.parse(fs.readFileSync(path.join(where, f), 'utf8')).results) add(r.command, r.times[0], r.user + r.system)
    }
  } else {
    for (const line of fs.readFileSync(where, 'utf8').split('\n').filter(Boolean)) {
      const [name, ns, user, sys] = line.split('\t')
      add(name, Number(ns) / 1e9, Number(user) + Number(sys))
    }
  }
  return times
}

const fmtS = s => (s >= 1 ? `${s.toFixed(2)} s` : `${(s * 1000).toFixed(0)} ms`)
const fmtB = n => n.toLocaleString('en-US')

// report: the table. BENCH_ROWS is a JSON array of {name, tool, encodings: [ext...]} in table
// order; BENCH_SIZES the sizes output; BENCH_TIMES the timing folder or TSV.
function report() {
  const env = process.env
  const rows = JSON.parse(env.BENCH_ROWS)
  const sz = JSON.parse(fs.readFileSync(env.BENCH_SIZES, 'utf8'))
  const times = readTimes(env.BENCH_TIMES)
  const summary = { dir: env.BENCH_DIR, files: sz.files, raw: sz.raw, versions: env.BENCH_VERSIONS, timer: env.BENCH_TIMER, load: env.BENCH_LOAD, rows: [] }
  const lines = []
  lines.push(`## ${env.BENCH_DIR}: ${sz.files} files, ${fmtB(sz.raw)} bytes; median of ${env.BENCH_RUNS} interleaved rounds`)
  lines.push('')
  lines.push(`${env.BENCH_VERSIONS}; timing: ${env.BENCH_TIMER}; ${env.BENCH_LOAD}`)
  lines.push('')
  lines.push('| tool | gzip bytes | brotli bytes | zstd bytes | wall (median) | min – max | CPU (median) |')
  lines.push('|---|---|---|---|---|---|---|')
  for (const row of rows) {
    const { wall: t, cpu } = times.get(row.name) ?? { wall: [], cpu: [] }
    const cell = ext => {
      const s = sz.sizes[row.tool]?.[ext]
      if (!row.encodings.includes(ext) || !s) return '–'
      const pct = ((100 * s.bytes) / sz.raw).toFixed(2)
      return `${fmtB(s.bytes)} (${pct}%)${s.missing.length ? ` [${s.missing.length} raw]` : ''}`
    }
    const med = t.length ? median(t) : NaN
    lines.push(`| ${row.name} | ${cell('gz')} | ${cell('br')} | ${cell('zst')} | ${t.length ? fmtS(med) : '–'} | ${t.length ? `${fmtS(Math.min(...t))} – ${fmtS(Math.max(...t))}` : '–'} | ${cpu.length ? fmtS(median(cpu)) : '–'} |`)
    summary.rows.push({ name: row.name, wall_median_s: med, wall_s: t, cpu_s: cpu, sizes: sz.sizes[row.tool] ?? null })
  }
  // distill against each peer, only when the distill rows ran (distill optimize exists).
  const distill = rows.filter(r => r.tool.startsWith('distill'))
  if (distill.length) {
    lines.push('')
    lines.push('| distill / peer | time ratio (peer ÷ distill) | bytes (distill ÷ peer - 1) |')
    lines.push('|---|---|---|')
    for (const d of distill) {
      const td = median(times.get(d.name)?.wall ?? [NaN])
      for (const p of rows.filter(r => !r.tool.startsWith('distill'))) {
        const tp = median(times.get(p.name)?.wall ?? [NaN])
        const diffs = p.encodings
          .filter(ext => sz.sizes[d.tool]?.[ext] && sz.sizes[p.tool]?.[ext])
          .map(ext => `${ext} ${((100 * sz.sizes[d.tool][ext].bytes) / sz.sizes[p.tool][ext].bytes - 100).toFixed(2)}%`)
        lines.push(`| ${d.name} vs ${p.name} | ${(tp / td).toFixed(2)}x | ${diffs.join(', ') || '–'} |`)
      }
      // distill writes all three encodings in one run; a user wanting the same runs the three
      // CLIs one after another.
      const cli = ['gzip', 'brotli', 'zstd'].map(tool => rows.find(r => r.tool === tool))
      if (cli.every(Boolean)) {
        const sum = cli.reduce((a, r) => a + median(times.get(r.name)?.wall ?? [NaN]), 0)
        lines.push(`| ${d.name} vs gzip + brotli + zstd CLIs one after another (${fmtS(sum)}) | ${(sum / td).toFixed(2)}x | – |`)
      }
    }
  } else {
    lines.push('')
    lines.push(`distill: ${env.BENCH_DISTILL_NOTE}`)
  }
  for (const row of rows) {
    for (const [ext, s] of Object.entries(sz.sizes[row.tool] ?? {})) {
      if (s.missing.length) lines.push(`note: ${row.name} wrote no .${ext} for ${s.missing.length} file(s) (counted raw): ${s.missing.slice(0, 5).join(', ')}${s.missing.length > 5 ? ', …' : ''}`)
    }
  }
  console.log(lines.join('\n'))
  if (env.BENCH_SUMMARY_OUT) fs.writeFileSync(env.BENCH_SUMMARY_OUT, JSON.stringify(summary, null, 2) + '\n')
}

const [cmd, ...args] = process.argv.slice(2)
switch (cmd) {
  case 'vpc':
    await vpc(args[0], args[1])
    break
  case 'vpc2':
    await vpc2(args[0], args[1])
    break
  case 'sizes':
    sizes(args[0])
    break
  case 'report':
    report()
    break
  default:
    die(`unknown command: ${cmd ?? '(none)'} (expected vpc, vpc2, sizes or report)`)
}

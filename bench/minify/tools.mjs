// Helpers for bench/minify/run.sh. Only Node built-ins plus the minifiers in package.json.
//
//   node tools.mjs files DIR KIND             -> relative paths of the build's client KIND (js|css)
//                                                files, one per line, largest first
//   node tools.mjs oxc|swc IN OUT LIST        -> minify every file of LIST (relative to IN) into OUT
//                                                with oxc-minify or @swc/core, as a user would call it
//   node tools.mjs sizes DIR LIST             -> "RAW GZIP BROTLI LEGAL" summed over LIST: zlib gzip level 9,
//                                                brotli quality 11 with a 4 MiB window (Node's defaults
//                                                at those levels, and distill's settings), and the
//                                                number of legal comments (`/*!`, `@license`) left
//
// A file is an ES module when it has import/export statements (Vite chunks), else a classic
// script (Next.js chunks, IIFE workers); module files are minified with each tool's module
// option, which lets it rename top-level names. Every tool keeps legal comments (`/*! … */`,
// `@license`), as distill does: oxc-minify and @swc/core are told to (their defaults drop them),
// esbuild and terser do by default.

import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'

const [cmd, ...args] = process.argv.slice(2)

function die(msg) {
  process.stderr.write(`bench: error: ${msg}\n`)
  process.exit(1)
}

function walk(root, rel, out) {
  for (const ent of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${ent.name}` : ent.name
    if (ent.isDirectory()) {
      if (['node_modules', 'cache', 'server'].includes(ent.name)) continue
      walk(root, r, out)
    } else if (ent.isFile()) {
      out.push(r)
    }
  }
}

const isModule = (code) => /(^|[;}\n])\s*(import\s*[\w{*'"`]|export\s*[\w{*])/.test(code)

function list(file) {
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)
}

function writeOut(out, rel, code) {
  fs.mkdirSync(path.dirname(path.join(out, rel)), { recursive: true })
  fs.writeFileSync(path.join(out, rel), code)
}

if (cmd === 'files') {
  const [dir, kind] = args
  const next = fs.existsSync(path.join(dir, 'build-manifest.json'))
  const all = []
  walk(dir, next ? 'static' : '', all)
  const files = all
    .filter((f) => f.endsWith(`.${kind}`))
    .map((f) => [f, fs.statSync(path.join(dir, f)).size])
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
  process.stdout.write(files.map((f) => f[0]).join('\n') + '\n')
} else if (cmd === 'oxc' || cmd === 'swc') {
  const [input, out, listFile] = args
  const files = list(listFile)
  const jobs = files.map(async (rel) => {
    const code = fs.readFileSync(path.join(input, rel), 'utf8')
    const module = isModule(code)
    let result
    if (cmd === 'oxc') {
      const { minify } = await import('oxc-minify')
      const r = await minify(rel, code, {
        module,
        compress: true,
        mangle: { toplevel: module },
        codegen: { legalComments: 'inline' },
      })
      if (r.errors.length) die(`${rel}: ${r.errors[0].message}`)
      result = r.code
    } else {
      const { minify } = await import('@swc/core')
      const opts = { compress: true, mangle: true, module, toplevel: module, format: { comments: 'some' } }
      result = (await minify(code, opts)).code
    }
    writeOut(out, rel, result)
  })
  // All at once, as a user's Promise.all would: both run each call on their thread pool.
  await Promise.all(jobs)
} else if (cmd === 'sizes') {
  const [dir, listFile] = args
  let raw = 0
  let gzip = 0
  let brotli = 0
  let legal = 0
  for (const rel of list(listFile)) {
    const b = fs.readFileSync(path.join(dir, rel))
    legal += (b.toString('utf8').match(/\/\*!|@license/g) || []).length
    raw += b.length
    gzip += zlib.gzipSync(b, { level: 9 }).length
    brotli += zlib.brotliCompressSync(b, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
        [zlib.constants.BROTLI_PARAM_LGWIN]: 22,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: b.length,
      },
    }).length
  }
  process.stdout.write(`${raw} ${gzip} ${brotli} ${legal}\n`)
} else {
  die(`unknown command ${cmd}`)
}

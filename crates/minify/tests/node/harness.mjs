// Runs real build chunks and prints what they do, as JSON, so a test can compare a build before
// and after minifying. Only Node built-ins.
//
//   node harness.mjs esm DIR FILE...        import each ES module chunk (relative to DIR)
//   node harness.mjs webpack DIR FILE...    evaluate classic webpack chunks in one vm context,
//                                           the runtime chunk first, then require every module
//   node harness.mjs turbopack DIR FILE...  evaluate Turbopack chunks in a vm context and run
//                                           every module factory against a recording context
//
// What is observable: each module's exports (keys, types, primitive values), and what each
// exported function returns or throws (the error's class) for a fixed set of arguments. Names
// a minifier may legitimately change are not observed: a function's `name` and `length`,
// error messages (they quote identifiers), the order of exports.
//
// Time, randomness and the time zone are fixed so two runs of the same code print the same.

import fs from 'node:fs'
import path from 'node:path'
import vm from 'node:vm'
import { pathToFileURL } from 'node:url'

const FIXED_NOW = Date.UTC(2024, 4, 6, 7, 8, 9)
Date.now = () => FIXED_NOW
let seed = 42
Math.random = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648
  return seed / 2147483648
}
performance.now = () => 1234.5
process.on('unhandledRejection', () => {})
process.on('uncaughtException', () => {})
console.log = console.info = console.warn = console.error = console.debug = () => {}

const out = []
const write = (x) => out.push(x)

// HARNESS_DEBUG=1 prints every error caught, to see why a chunk does not load.
// What was thrown: the built-in error class it derives from (an app's own error class has a
// name a minifier may rename, as any class).
const BUILTIN_ERRORS = ['Error', 'TypeError', 'RangeError', 'ReferenceError', 'SyntaxError', 'EvalError', 'URIError', 'AggregateError']
function errorClass(e) {
  if (process.env.HARNESS_DEBUG) process.stderr.write(`${e && e.stack}\n`)
  if (!e || (typeof e !== 'object' && typeof e !== 'function')) return `throws ${typeof e}`
  for (let p = Object.getPrototypeOf(e); p; p = Object.getPrototypeOf(p)) {
    const name = Object.prototype.hasOwnProperty.call(p, 'constructor') && p.constructor?.name
    if (BUILTIN_ERRORS.includes(name)) return `throws ${name}`
  }
  return `throws ${typeof e}`
}

// A description of a value that minification must not change.
function describe(v, depth = 0, seen = new Set()) {
  if (v === null) return null
  const t = typeof v
  if (t === 'number') return Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : v
  if (t === 'string' || t === 'boolean') return v
  if (t === 'undefined') return 'undefined'
  if (t === 'bigint') return `${v}n`
  if (t === 'symbol') return `symbol ${v.description}`
  if (t === 'function') return 'function'
  if (seen.has(v)) return 'cycle'
  if (depth > 3) return 'object'
  seen.add(v)
  try {
    if (v instanceof Date) return `date ${Number.isNaN(+v) ? 'invalid' : v.toISOString()}`
    if (v instanceof RegExp) return `regexp ${v}`
    if (v instanceof Promise || typeof v.then === 'function') return 'thenable'
    if (Array.isArray(v)) return v.slice(0, 20).map((x) => describe(x, depth + 1, seen))
    // Node's timer handles carry the clock; what was scheduled is not observable here.
    if (['Timeout', 'Immediate'].includes(v.constructor?.name)) return 'timer'
    if (v instanceof Map) return { map: v.size }
    if (v instanceof Set) return { set: v.size }
    const o = {}
    for (const k of Object.keys(v).sort().slice(0, 40)) {
      let d
      try {
        d = describe(v[k], depth + 1, seen)
      } catch (e) {
        d = errorClass(e)
      }
      o[k] = d
    }
    return o
  } catch (e) {
    return errorClass(e)
  } finally {
    seen.delete(v)
  }
}

const ARGS = () => [
  [],
  [1, 2],
  ['2024-01-02'],
  [new Date(Date.UTC(2020, 0, 2, 3, 4, 5))],
  [new Date(Date.UTC(2020, 0, 2)), 'yyyy-MM-dd'],
  [[3, 1, 2]],
  [{ a: 1, b: 'x' }],
]

// Calls every exported function with each argument list; results by export name. When a call
// without arguments returns an object (a module namespace from a lazy-init wrapper, a factory's
// product), its functions are exercised too, `depth` levels down.
function exercise(exports, depth = 1) {
  const calls = {}
  let names
  try {
    names = Object.keys(exports).sort()
  } catch (e) {
    return errorClass(e)
  }
  for (const name of names) {
    let f
    try {
      f = exports[name]
    } catch (e) {
      calls[name] = errorClass(e)
      continue
    }
    if (typeof f !== 'function') continue
    let product
    calls[name] = ARGS().map((args, i) => {
      try {
        const r = f(...args)
        if (i === 0) product = r
        return describe(r)
      } catch (e) {
        return errorClass(e)
      }
    })
    if (depth > 0 && product && typeof product === 'object' && typeof product.then !== 'function') {
      calls[`${name}()`] = exercise(product, depth - 1)
    }
  }
  return calls
}

// Just enough of a browser for app chunks to load: a document whose queries find nothing (so
// an app's mount finds no root) and elements that accept what a framework does at load time.
function fakeBrowser() {
  const element = (tag) => ({
    tagName: String(tag).toUpperCase(),
    style: {},
    dataset: {},
    childNodes: [],
    setAttribute() {},
    getAttribute: () => null,
    removeAttribute() {},
    appendChild: (c) => c,
    insertBefore: (c) => c,
    removeChild: (c) => c,
    addEventListener() {},
    removeEventListener() {},
    querySelector: () => null,
    querySelectorAll: () => [],
  })
  const body = element('body')
  globalThis.document = {
    createElement: element,
    createElementNS: (_, tag) => element(tag),
    createTextNode: (text) => ({ nodeValue: text }),
    createComment: (text) => ({ nodeValue: text }),
    querySelector: () => null,
    querySelectorAll: () => [],
    getElementById: () => null,
    addEventListener() {},
    removeEventListener() {},
    head: element('head'),
    body,
    documentElement: element('html'),
  }
  globalThis.window = globalThis
  globalThis.location = new URL('http://localhost/')
  globalThis.history = { state: null, length: 1, pushState() {}, replaceState() {}, go() {}, back() {} }
  globalThis.addEventListener = () => {}
  globalThis.removeEventListener = () => {}
  globalThis.MutationObserver = class {
    observe() {}
    disconnect() {}
  }
}

async function esm(dir, files) {
  fakeBrowser()
  for (const file of files) {
    try {
      const ns = await import(pathToFileURL(path.join(dir, file)).href)
      write({ file, exports: describe({ ...ns }), calls: exercise(ns) })
    } catch (e) {
      write({ file, import: errorClass(e) })
    }
  }
}

function sandbox() {
  const g = {
    console,
    setTimeout,
    clearTimeout,
    setInterval,
    clearInterval,
    queueMicrotask,
    Promise,
    URL,
    TextEncoder,
    TextDecoder,
  }
  g.self = g
  g.performance = { now: () => 1234.5 }
  const ctx = vm.createContext(g)
  // The context has its own Date and Math: fix them as above.
  vm.runInContext(
    `Date.now = () => ${FIXED_NOW}; { let s = 42; Math.random = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648 }`,
    ctx,
  )
  return ctx
}

function evaluate(ctx, dir, files) {
  for (const file of files) {
    const code = fs.readFileSync(path.join(dir, file), 'utf8')
    try {
      vm.runInContext(code, ctx, { filename: file })
      write({ file, evaluated: true })
    } catch (e) {
      write({ file, evaluated: errorClass(e) })
    }
  }
}

function webpack(dir, files) {
  const ctx = sandbox()
  evaluate(ctx, dir, files)
  // The runtime calls a chunk's third element with its require function.
  let req
  const registry = Object.keys(ctx).find((k) => k.startsWith('webpackChunk'))
  if (!registry) return write({ webpack: 'no chunk registry' })
  ctx[registry].push([['distill-probe'], {}, (r) => (req = r)])
  if (!req) return write({ webpack: 'no runtime' })
  for (const id of Object.keys(req.m).sort()) {
    try {
      const exports = req(id)
      write({ module: id, exports: describe(exports), calls: exercise(exports) })
    } catch (e) {
      write({ module: id, require: errorClass(e) })
    }
  }
}

// A stand-in for anything a Turbopack module reaches through its context: every property is
// another recorder, every call is logged with its arguments.
function recorder(log, label) {
  const target = function () {}
  return new Proxy(target, {
    get(_, key) {
      if (key === Symbol.toPrimitive) return () => 0
      if (key === 'then') return undefined
      if (typeof key === 'symbol') return undefined
      return recorder(log, `${label}.${key}`)
    },
    apply(_, __, args) {
      log.push([label, args.map((a) => describe(a))])
      const keys = args.filter((a) => typeof a === 'number' || typeof a === 'string')
      return recorder(log, `${label}(${keys.join(',')})`)
    },
    construct(_, args) {
      log.push([`new ${label}`, args.map((a) => describe(a))])
      return recorder(log, `new ${label}()`)
    },
  })
}

function turbopack(dir, files) {
  const ctx = sandbox()
  ctx.TURBOPACK = []
  evaluate(ctx, dir, files)
  const modules = new Map()
  for (const entry of ctx.TURBOPACK) {
    if (!Array.isArray(entry)) continue
    for (let i = 1; i + 1 < entry.length; i += 2) {
      if (typeof entry[i + 1] === 'function') modules.set(String(entry[i]), entry[i + 1])
    }
  }
  for (const id of [...modules.keys()].sort()) {
    const log = []
    const module = { exports: {} }
    const context = recorder(log, 'ctx')
    let result
    try {
      modules.get(id)(context, module, module.exports)
      result = 'ran'
    } catch (e) {
      result = errorClass(e)
    }
    write({ module: id, result, log: log.slice(0, 200), exports: describe(module.exports) })
  }
}

const [mode, dir, ...files] = process.argv.slice(2)
if (mode === 'esm') await esm(dir, files)
else if (mode === 'webpack') webpack(dir, files)
else if (mode === 'turbopack') turbopack(dir, files)
else {
  process.stderr.write(`unknown mode ${mode}\n`)
  process.exit(2)
}
process.stdout.write(JSON.stringify(out, null, 1) + '\n', () => process.exit(0))

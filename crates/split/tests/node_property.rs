//! Splitting must not change what a chunk does: random chunks (and a few hand-written ones) are
//! run in Node.js before and after `split`, and what they log, throw and export must be the
//! same.
//!
//! Each random chunk is a run of 2–8 source modules (some under `node_modules/`), one statement
//! a line, with a source map giving every line to its module. Statements declare functions
//! (hoisted, calling each other forwards and backwards), `var`s, `let`s, `const`s, classes and
//! destructured bindings, log, reassign earlier bindings and call functions declared anywhere,
//! sometimes use a binding imported from `./dep.js`, and end with an export list. About 30%
//! start with 1–3 statements before their import(s) (as Vite writes `const __vite__mapDeps=…`
//! there), sometimes with imports among them: mostly declarations without effects (arrow
//! functions, function declarations, literals), which later statements may read, call or
//! assign and which a split must leave in place, sometimes statements with effects. A few
//! start with a `#!` line, which must stay first in the remaining chunk. The generator
//! keeps every program free of temporal-dead-zone errors (a function is called at top level
//! only once every lexical binding it reaches is initialised), so the only errors are the
//! `throw` statements it writes on purpose.
//!
//! One Node process runs every case of a side (`before/` and `after/`); it records each case's
//! log lines, its error and its module namespace (functions are called; their source text is
//! not compared).
//!
//! Node is needed: without it the tests say so on stderr and pass, unless
//! `DISTILL_REQUIRE_NODE=1`. `DISTILL_SPLIT_CASES` and `DISTILL_SPLIT_SEED` change the number
//! of random chunks (300) and the first seed (1); `DISTILL_SPLIT_KEEP=1` keeps the files.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "tests and examples: a failed unwrap or index is a failed run, with its message"
)]

use distill_split::{Chunk, Options, Refusal, Split, split};
use oxc_sourcemap::SourceMapBuilder;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::Command;

/// Every chunk's file name (stem `chunk`).
const CHUNK: &str = "chunk-AAAAAAAA.js";

/// The hashbang line some chunks start with.
const HASHBANG: &str = "#!/usr/bin/env node\n";

/// The module every chunk that imports something imports: it logs when it is evaluated.
const DEP: &str = "log(\"dep.js evaluated\");\nexport const dep = 7;\n";

/// Imports every case of its folder in turn and prints what each did, as one JSON object.
const DRIVER: &str = r#"import { readFileSync } from "node:fs";

const cases = JSON.parse(readFileSync(new URL("./cases.json", import.meta.url), "utf8"));

function attempt(f) {
  try {
    return ser(f(), 1);
  } catch (e) {
    return "throws " + String(e?.name) + ": " + String(e?.message);
  }
}

// A function is described by its name, arity, static members and the result of calling it
// (and its static methods) with no arguments; its source text is not compared.
function describeFn(f) {
  const skip = ["length", "name", "prototype", "caller", "arguments"];
  const statics = Object.getOwnPropertyNames(f).filter((k) => !skip.includes(k)).sort();
  const members = statics.map(
    (k) => k + ":" + (typeof f[k] === "function" ? "call " + attempt(() => f[k]()) : attempt(() => f[k])),
  );
  return `function ${f.name}/${f.length} {${members.join(",")}} call ${attempt(() => f())}`;
}

function ser(v, depth = 0) {
  switch (typeof v) {
    case "undefined":
      return "undefined";
    case "number":
      return Object.is(v, -0) ? "-0" : String(v);
    case "bigint":
      return v + "n";
    case "string":
      return JSON.stringify(v);
    case "boolean":
      return String(v);
    case "symbol":
      return v.toString();
    case "function":
      return depth > 0 ? "function " + v.name : describeFn(v);
  }
  if (v === null) return "null";
  if (depth > 6) return "...";
  if (Array.isArray(v)) return "[" + v.map((x) => ser(x, depth + 1)).join(",") + "]";
  const keys = Object.keys(v).sort();
  return "{" + keys.map((k) => JSON.stringify(k) + ":" + ser(v[k], depth + 1)).join(",") + "}";
}

const results = {};
for (const name of cases) {
  const logs = [];
  globalThis.log = (...a) => {
    logs.push(a.map((x) => ser(x, 1)).join(" "));
  };
  let error = null;
  let ns = null;
  try {
    const m = await import(`./${name}/chunk-AAAAAAAA.js`);
    ns = {};
    for (const k of Object.keys(m).sort()) {
      ns[k] = attempt(() => {
        const v = m[k];
        return typeof v === "function" ? describeFn(v) : v;
      });
    }
  } catch (e) {
    error = String(e?.name) + ": " + String(e?.message);
  }
  results[name] = { logs, error, ns };
}
process.stdout.write(JSON.stringify(results));
"#;

// ---------------------------------------------------------------------------------------------
// Randomness.

/// xorshift64*, seeded through splitmix64 so that neighbouring seeds give unrelated streams.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            let j = self.below(i + 1);
            xs.swap(i, j);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Random chunks.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Func,
    Var,
    Let,
    Const,
    Class,
    Destructure,
    For,
    Log,
    Assign,
    Call,
    Block,
    If,
    Throw,
    ExportLet,
    ExportList,
    Redeclare,
    // Only before the chunk's imports (as Vite writes `const __vite__mapDeps=(…)=>…;` there);
    // a function declaration there is a `Func`.
    /// `const`/`let` bound to an arrow function (a function that is callable once declared).
    PreArrow,
    /// `var` with a literal or no initializer.
    PreVar,
    /// `let`/`const` with a literal.
    PreLet,
    /// `log("pre…", …)`: not a declaration.
    PreLog,
    /// `let` with a call (or a logged sequence): a declaration with an effect.
    PreCall,
}

const KINDS: [(Kind, usize); 15] = [
    (Kind::Func, 18),
    (Kind::Var, 12),
    (Kind::Let, 10),
    (Kind::Const, 10),
    (Kind::Class, 5),
    (Kind::Destructure, 4),
    (Kind::For, 3),
    (Kind::Log, 9),
    (Kind::Assign, 11),
    (Kind::Call, 11),
    (Kind::Block, 3),
    (Kind::If, 4),
    (Kind::ExportLet, 1),
    (Kind::ExportList, 1),
    (Kind::Redeclare, 3),
];

fn pick_kind(rng: &mut Rng) -> Kind {
    let total: usize = KINDS.iter().map(|k| k.1).sum();
    let mut r = rng.below(total);
    for (kind, weight) in KINDS {
        if r < weight {
            return kind;
        }
        r -= weight;
    }
    Kind::Log
}

/// How a top-level binding may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bind {
    /// `var` (readable and assignable anywhere: it is `undefined` before its declaration).
    Var,
    /// `let` (readable and assignable once declared).
    Let,
    /// `const` (readable once declared).
    Const,
    /// A class: `C.s` is readable once declared.
    Class,
    /// A function, by its index among the chunk's functions.
    Func(usize),
}

#[derive(Debug, Clone)]
struct Binding {
    name: String,
    /// The statement declaring it.
    pos: usize,
    bind: Bind,
    /// Declared by an `export` statement (so not in the final export list).
    exported: bool,
}

/// Something an expression may use: its code and the statement index from which using it
/// at top level is safe (every lexical binding it reaches is initialised by then).
#[derive(Debug, Clone)]
struct Use {
    code: String,
    need: usize,
    call: bool,
    /// The statement declaring it (`usize::MAX` for the import).
    from: usize,
}

struct Gen<'r> {
    rng: &'r mut Rng,
    uses: Vec<Use>,
    /// Calls an expression may still make (function bodies make at most one, so that call
    /// chains stay linear).
    calls: usize,
    /// The highest `need` of what the expression used so far.
    need: usize,
}

impl Gen<'_> {
    fn expr(&mut self, depth: u32) -> String {
        let choice = if depth == 0 {
            self.rng.below(4)
        } else {
            self.rng.below(10)
        };
        match choice {
            0 => self.rng.below(100).to_string(),
            1 => format!("\"s{}\"", self.rng.below(40)),
            2..=4 => self.reference(),
            5 => format!("({} + {})", self.expr(depth - 1), self.expr(depth - 1)),
            6 => format!("[{}, {}]", self.expr(depth - 1), self.expr(depth - 1)),
            7 => format!(
                "({} ? {} : {})",
                self.expr(depth - 1),
                self.expr(depth - 1),
                self.expr(depth - 1)
            ),
            8 => format!("(() => {})()", self.expr(depth - 1)),
            _ => format!("typeof {}", self.reference()),
        }
    }

    fn reference(&mut self) -> String {
        let usable: Vec<&Use> = self
            .uses
            .iter()
            .filter(|u| !u.call || self.calls > 0)
            .collect();
        if usable.is_empty() {
            return self.rng.below(10).to_string();
        }
        let u = usable[self.rng.below(usable.len())].clone();
        if u.call {
            self.calls -= 1;
        }
        self.need = self.need.max(u.need);
        u.code
    }
}

/// A literal the splitter counts as free of effects.
fn literal(rng: &mut Rng) -> String {
    match rng.below(6) {
        0 | 1 => rng.below(100).to_string(),
        2 => format!("\"s{}\"", rng.below(40)),
        3 => ["true", "false"][rng.below(2)].to_owned(),
        4 => "null".to_owned(),
        _ => format!("`t{}`", rng.below(40)),
    }
}

/// A generated chunk and what it is for.
struct Case {
    name: String,
    code: String,
    map: String,
    options: Options,
    /// It throws on purpose (the only error it may raise).
    throws: bool,
    /// The statements before its last import, when they all declare without effect (so
    /// a split leaves them in the remaining chunk); empty otherwise.
    leading: Vec<String>,
    /// It has statements before an import, pure or not.
    prelude: bool,
}

/// A random chunk from `seed`.
fn generate(name: String, seed: u64) -> Case {
    let mut rng = Rng::new(seed);

    // Source modules: vendor packages (one or more modules each) and app modules.
    let n_modules = rng.range(2, 8);
    let vendor_first = rng.chance(50);
    let mut sources: Vec<String> = Vec::new();
    let mut package = 0;
    for m in 0..n_modules {
        let vendor = (m == 0 && vendor_first) || rng.chance(35);
        let source = if vendor {
            let same = m > 0 && sources[m - 1].starts_with("node_modules/") && rng.chance(50);
            if !same {
                package += 1;
            }
            let base = if package % 3 == 0 {
                format!("node_modules/@scope/pkg{package}")
            } else {
                format!("node_modules/pkg{package}")
            };
            if same {
                format!("{base}/lib/m{m}.js")
            } else {
                format!("{base}/index.js")
            }
        } else {
            format!("src/mod{m}.js")
        };
        sources.push(source);
    }

    // The statements' kinds and modules, then their bindings. Some chunks start with a
    // prelude of 1–3 statements before their import(s), mostly declarations without effects
    // (which the splitter may leave behind while moving what follows the imports ahead of
    // them), sometimes statements with effects.
    let mut skeleton: Vec<(Kind, usize)> = Vec::new();
    let n_pre = if rng.chance(30) { rng.range(1, 3) } else { 0 };
    for _ in 0..n_pre {
        let kind = match rng.below(100) {
            0..=29 => Kind::PreArrow,
            30..=49 => Kind::Func,
            50..=69 => Kind::PreVar,
            70..=84 => Kind::PreLet,
            85..=92 => Kind::PreLog,
            _ => Kind::PreCall,
        };
        skeleton.push((kind, 0));
    }
    for m in 0..n_modules {
        for _ in 0..rng.range(1, 4) {
            skeleton.push((pick_kind(&mut rng), m));
        }
    }
    let throws = rng.chance(4);
    if throws {
        let at = rng.below(skeleton.len());
        skeleton[at].0 = Kind::Throw;
    }
    let uses_dep = rng.chance(30);
    let mut bindings: Vec<Binding> = Vec::new();
    let mut names: Vec<Vec<String>> = Vec::new();
    let mut functions: Vec<usize> = Vec::new();
    // Per function: bound to an arrow function (so callable only once its statement ran).
    let mut arrows: Vec<bool> = Vec::new();
    for (pos, &(kind, _)) in skeleton.iter().enumerate() {
        let k = pos;
        let mut add = |name: String, bind: Bind, exported: bool| {
            bindings.push(Binding {
                name: name.clone(),
                pos,
                bind,
                exported,
            });
            name
        };
        let declared = match kind {
            Kind::Func => {
                functions.push(pos);
                arrows.push(false);
                vec![add(format!("f{k}"), Bind::Func(functions.len() - 1), false)]
            }
            Kind::PreArrow => {
                functions.push(pos);
                arrows.push(true);
                vec![add(format!("a{k}"), Bind::Func(functions.len() - 1), false)]
            }
            Kind::PreVar => vec![add(format!("v{k}"), Bind::Var, false)],
            Kind::PreLet => {
                let bind = if rng.chance(50) {
                    Bind::Let
                } else {
                    Bind::Const
                };
                vec![add(format!("q{k}"), bind, false)]
            }
            Kind::PreCall => vec![add(format!("p{k}"), Bind::Let, false)],
            Kind::Var => vec![add(format!("v{k}"), Bind::Var, false)],
            Kind::Let => vec![add(format!("l{k}"), Bind::Let, false)],
            Kind::Const => vec![add(format!("c{k}"), Bind::Const, false)],
            Kind::Class => vec![add(format!("C{k}"), Bind::Class, false)],
            Kind::Destructure => {
                let bind = [Bind::Var, Bind::Let, Bind::Const][rng.below(3)];
                vec![
                    add(format!("d{k}"), bind, false),
                    add(format!("e{k}"), bind, false),
                ]
            }
            Kind::For => vec![add(format!("i{k}"), Bind::Var, false)],
            Kind::ExportLet => vec![add(format!("x{k}"), Bind::Let, true)],
            Kind::Block if rng.chance(50) => vec![add(format!("w{k}"), Bind::Var, false)],
            _ => Vec::new(),
        };
        names.push(declared);
    }

    // What may be read (and called) from a function body at `pos`, or at top level at `pos`.
    let readable = |pos: usize, needs: &[Option<usize>], rank: Option<(&[usize], usize)>| {
        let mut uses = Vec::new();
        if uses_dep {
            uses.push(Use {
                code: "dep".into(),
                need: 0,
                call: false,
                from: usize::MAX,
            });
        }
        for b in &bindings {
            let lexical_ok = b.pos < pos;
            let u = match b.bind {
                Bind::Var => Some((b.name.clone(), 0, false)),
                Bind::Let | Bind::Const if lexical_ok => Some((b.name.clone(), b.pos + 1, false)),
                Bind::Class if lexical_ok => Some((format!("{}.s", b.name), b.pos + 1, false)),
                Bind::Func(f) => match rank {
                    // In a function body: only functions ranked below it (no recursion).
                    Some((ranks, me)) => (ranks[f] < ranks[me])
                        .then(|| needs[f].map(|n| (format!("{}()", b.name), n, true)))
                        .flatten(),
                    // At top level: only functions whose body is safe to run here.
                    None => needs[f]
                        .filter(|&n| n <= pos)
                        .map(|n| (format!("{}()", b.name), n, true)),
                },
                _ => None,
            };
            if let Some((code, need, call)) = u {
                uses.push(Use {
                    code,
                    need,
                    call,
                    from: b.pos,
                });
            }
        }
        uses
    };
    let writable = |pos: usize| -> Vec<Use> {
        bindings
            .iter()
            .filter_map(|b| {
                let need = match b.bind {
                    Bind::Var => 0,
                    Bind::Let if b.pos < pos => b.pos + 1,
                    _ => return None,
                };
                Some(Use {
                    code: b.name.clone(),
                    need,
                    call: false,
                    from: b.pos,
                })
            })
            .collect()
    };
    // In "local" chunks, statements mostly use bindings of their own module, so that more
    // module boundaries are free to cut.
    let local = rng.chance(50);
    // The prelude counts as a module of its own.
    let module_range = |pos: usize| {
        if pos < n_pre {
            return 0..n_pre;
        }
        let m = skeleton[pos].1;
        let main = &skeleton[n_pre..];
        let lo = main.iter().position(|s| s.1 == m).unwrap_or(0);
        let hi = main.iter().rposition(|s| s.1 == m).map_or(0, |i| i + 1);
        lo + n_pre..hi + n_pre
    };
    let localize = |rng: &mut Rng, uses: Vec<Use>, pos: usize| -> Vec<Use> {
        if !local || pos >= skeleton.len() {
            return uses;
        }
        let range = module_range(pos);
        uses.into_iter()
            .filter(|u| u.from == usize::MAX || range.contains(&u.from) || rng.chance(10))
            .collect()
    };

    // Function bodies, lowest rank first: a body calls only lower-ranked functions.
    let mut ranks: Vec<usize> = (0..functions.len()).collect();
    rng.shuffle(&mut ranks);
    let mut by_rank: Vec<usize> = (0..functions.len()).collect();
    by_rank.sort_by_key(|&f| ranks[f]);
    let mut needs: Vec<Option<usize>> = vec![None; functions.len()];
    let mut bodies: Vec<String> = vec![String::new(); functions.len()];
    for &f in &by_rank {
        let pos = functions[f];
        let uses = readable(pos, &needs, Some((&ranks, f)));
        let uses = localize(&mut rng, uses, pos);
        let writes = writable(pos);
        let writes = localize(&mut rng, writes, pos);
        let mut g = Gen {
            rng: &mut rng,
            uses,
            calls: 1,
            need: 0,
        };
        let mut body = String::new();
        match g.rng.below(4) {
            0 => {
                let e = g.expr(1);
                body.push_str(&format!("log(\"f{pos}\", {e}); "));
            }
            1 if !writes.is_empty() => {
                let Use { code: w, need, .. } = writes[g.rng.below(writes.len())].clone();
                g.need = g.need.max(need);
                body.push_str(&format!("{w} = ({w} | 0) + 1; "));
            }
            _ => {}
        }
        let e = g.expr(2);
        body.push_str(&format!("return {e};"));
        // An arrow function is called through a lexical binding: only once it is declared.
        needs[f] = Some(if arrows[f] {
            g.need.max(pos + 1)
        } else {
            g.need
        });
        bodies[f] = body;
    }

    // The statements, and where imports go: before the statement at each position of
    // `imports_at` (ascending; 0 is the top). A prelude is followed by an import, sometimes
    // by more imports and prelude statements in turn, sometimes by another import later on.
    let mut lines: Vec<(String, Option<(usize, u32)>)> = Vec::new();
    let mut imports_at: Vec<usize> = Vec::new();
    if n_pre > 0 {
        let at = if rng.chance(70) {
            n_pre
        } else {
            rng.range(1, n_pre)
        };
        imports_at.push(at);
        if (at < n_pre && rng.chance(60)) || rng.chance(15) {
            imports_at.push(n_pre);
        }
        if rng.chance(15) {
            imports_at.push(rng.range(n_pre, skeleton.len() - 1));
        }
    } else if uses_dep {
        imports_at.push(if rng.chance(85) {
            0
        } else {
            rng.below(skeleton.len())
        });
    }
    imports_at.sort_unstable();
    let last_import = imports_at.last().copied().unwrap_or(0);
    let import_text = |i: usize, rng: &mut Rng| -> String {
        if i == 0 && uses_dep {
            "import { dep } from \"./dep.js\";".to_owned()
        } else if rng.chance(50) {
            "import \"./dep.js\";".to_owned()
        } else {
            format!("import {{ dep as dep_{i} }} from \"./dep.js\";")
        }
    };
    // What the splitter may leave behind: every statement before the last import declares
    // without effect (and the imports come right after the prelude, or among it).
    let leading_pure = n_pre > 0
        && imports_at.iter().all(|&at| at <= n_pre)
        && skeleton[..n_pre].iter().all(|&(kind, _)| {
            matches!(
                kind,
                Kind::Func | Kind::PreArrow | Kind::PreVar | Kind::PreLet
            )
        });
    let mut leading: Vec<String> = Vec::new();
    // The prelude is not always in the map (Vite's `__vite__mapDeps` is not).
    let prelude_mapped = rng.chance(50);
    let mut n_imports = 0;
    let mut module_lines = vec![0u32; n_modules];
    for (pos, &(kind, module)) in skeleton.iter().enumerate() {
        while imports_at.get(n_imports) == Some(&pos) {
            let mapped = (pos == 0 && rng.chance(50)).then_some((0, 0));
            let text = import_text(n_imports, &mut rng);
            lines.push((text, mapped));
            n_imports += 1;
        }
        let uses = readable(pos, &needs, None);
        let uses = localize(&mut rng, uses, pos);
        let writes = writable(pos);
        let writes = localize(&mut rng, writes, pos);
        let mut g = Gen {
            rng: &mut rng,
            uses,
            calls: 3,
            need: 0,
        };
        let name = |i: usize| names[pos][i].as_str();
        let text = match kind {
            Kind::Func => {
                let Bind::Func(f) = bindings
                    .iter()
                    .find(|b| b.pos == pos)
                    .map(|b| b.bind)
                    .unwrap()
                else {
                    unreachable!()
                };
                format!("function {}(){{ {} }}", name(0), bodies[f])
            }
            Kind::Var => {
                if g.rng.chance(20) {
                    format!("var {};", name(0))
                } else {
                    format!("var {} = {};", name(0), g.expr(2))
                }
            }
            Kind::Let => format!("let {} = {};", name(0), g.expr(2)),
            Kind::Const => format!("const {} = {};", name(0), g.expr(2)),
            Kind::Class => {
                let s = g.expr(2);
                let m = g.expr(1);
                let block = if g.rng.chance(30) {
                    format!(" static {{ log(\"{}\", {}); }}", name(0), g.expr(1))
                } else {
                    String::new()
                };
                format!(
                    "class {} {{ static s = {s}; static m() {{ return {m}; }}{block} }}",
                    name(0)
                )
            }
            Kind::Destructure => {
                let b = bindings.iter().find(|b| b.pos == pos).map(|b| b.bind);
                let keyword = match b {
                    Some(Bind::Var) => "var",
                    Some(Bind::Let) => "let",
                    _ => "const",
                };
                if g.rng.chance(50) {
                    format!(
                        "{keyword} {{ a: {}, b: {} }} = {{ a: {}, b: {} }};",
                        name(0),
                        name(1),
                        g.expr(1),
                        g.expr(1)
                    )
                } else {
                    format!(
                        "{keyword} [{}, {}] = [{}, {}];",
                        name(0),
                        name(1),
                        g.expr(1),
                        g.expr(1)
                    )
                }
            }
            Kind::For => format!(
                "for (var {i} = 0; {i} < 2; {i}++) log(\"{i}\", {i}, {});",
                g.expr(1),
                i = name(0)
            ),
            Kind::Log => format!("log(\"t{pos}\", {});", g.expr(2)),
            Kind::Assign | Kind::If if !writes.is_empty() => {
                let w = writes[g.rng.below(writes.len())].code.clone();
                let assign = match g.rng.below(5) {
                    0 => format!("{w} = {};", g.expr(2)),
                    1 => format!("{w} += {};", g.expr(1)),
                    2 => format!("{w}++;"),
                    3 => format!("[{w}] = [{}];", g.expr(1)),
                    _ => format!("{w} = {w} + 1;"),
                };
                if kind == Kind::If {
                    format!(
                        "if ({}) {{ {assign} }} else {{ log(\"else{pos}\", {}); }}",
                        g.expr(1),
                        g.expr(1)
                    )
                } else {
                    assign
                }
            }
            Kind::Call => {
                let calls: Vec<String> = g
                    .uses
                    .iter()
                    .filter(|u| u.call)
                    .map(|u| u.code.clone())
                    .collect();
                if calls.is_empty() {
                    format!("log(\"t{pos}\", {});", g.expr(1))
                } else {
                    let c = &calls[g.rng.below(calls.len())];
                    if g.rng.chance(50) {
                        format!("{c};")
                    } else {
                        format!("log(\"call{pos}\", {c});")
                    }
                }
            }
            // A `var` declared in a block is still a top-level binding.
            Kind::Block if !names[pos].is_empty() => format!(
                "if ({}) {{ var {w} = {}; log(\"{w}\", {w}); }}",
                g.expr(1),
                g.expr(2),
                w = name(0)
            ),
            Kind::Block => format!("{{ let t{pos} = {}; log(\"t{pos}\", t{pos}); }}", g.expr(2)),
            Kind::ExportList if bindings.is_empty() => "export {};".to_owned(),
            Kind::ExportList => {
                let b = &bindings[g.rng.below(bindings.len())];
                format!("export {{ {} as mid{pos} }};", b.name)
            }
            Kind::Redeclare => {
                let vars: Vec<&Binding> = bindings.iter().filter(|b| b.bind == Bind::Var).collect();
                if vars.is_empty() {
                    format!("log(\"t{pos}\", {});", g.expr(2))
                } else {
                    let v = &vars[g.rng.below(vars.len())].name;
                    if g.rng.chance(30) {
                        format!("var {v};")
                    } else {
                        format!("var {v} = {};", g.expr(2))
                    }
                }
            }
            Kind::Throw => format!("throw new Error(\"boom{pos}\");"),
            Kind::ExportLet => format!("export let {} = {};", name(0), g.expr(2)),
            Kind::Assign | Kind::If => format!("log(\"t{pos}\", {});", g.expr(2)),
            Kind::PreArrow => {
                let Some(Bind::Func(f)) = bindings.iter().find(|b| b.pos == pos).map(|b| b.bind)
                else {
                    unreachable!()
                };
                let keyword = if g.rng.chance(50) { "const" } else { "let" };
                format!("{keyword} {} = () => {{ {} }};", name(0), bodies[f])
            }
            Kind::PreVar => {
                if g.rng.chance(20) {
                    format!("var {};", name(0))
                } else {
                    format!("var {} = {};", name(0), literal(g.rng))
                }
            }
            Kind::PreLet => {
                let b = bindings.iter().find(|b| b.pos == pos).map(|b| b.bind);
                let keyword = if b == Some(Bind::Let) { "let" } else { "const" };
                format!("{keyword} {} = {};", name(0), literal(g.rng))
            }
            Kind::PreLog => format!("log(\"pre{pos}\", {});", g.expr(1)),
            Kind::PreCall => {
                let calls: Vec<String> = g
                    .uses
                    .iter()
                    .filter(|u| u.call)
                    .map(|u| u.code.clone())
                    .collect();
                if calls.is_empty() || g.rng.chance(30) {
                    format!("let {} = (log(\"pre{pos}\"), {});", name(0), g.expr(1))
                } else {
                    format!("let {} = {};", name(0), calls[g.rng.below(calls.len())])
                }
            }
        };
        if pos < last_import {
            leading.push(text.clone());
        }
        // Now and then a statement the map does not cover.
        let mapped = (if pos < n_pre {
            prelude_mapped
        } else {
            !rng.chance(5)
        })
        .then(|| {
            module_lines[module] += 1;
            (module, module_lines[module] - 1)
        });
        lines.push((text, mapped));
    }

    // The export list (some renamed), sometimes a default export, and the map comment.
    let end = skeleton.len();
    let mut exported: Vec<String> = Vec::new();
    if uses_dep && rng.chance(20) {
        exported.push("dep as dep2".into());
    }
    for b in &bindings {
        if !b.exported && rng.chance(40) {
            if rng.chance(30) {
                exported.push(format!("{} as out_{}", b.name, b.name));
            } else {
                exported.push(b.name.clone());
            }
        }
    }
    if !exported.is_empty() || rng.chance(50) {
        let mapped = rng.chance(50).then(|| {
            let last = n_modules - 1;
            module_lines[last] += 1;
            (last, module_lines[last] - 1)
        });
        lines.push((format!("export{{ {} }};", exported.join(", ")), mapped));
    }
    if rng.chance(15) {
        let uses = readable(end, &needs, None);
        let mut g = Gen {
            rng: &mut rng,
            uses,
            calls: 3,
            need: 0,
        };
        lines.push((format!("export default {};", g.expr(2)), None));
    }
    lines.push((format!("//# sourceMappingURL={CHUNK}.map"), None));

    // Layout: one statement a line (mostly), everything on one line (minified), or a mix of
    // separators and comments, with some semicolons left to ASI.
    let layout = rng.below(100);
    let mut b = SourceMapBuilder::default();
    let ids: Vec<u32> = sources
        .iter()
        .map(|s| b.set_source_and_content(s, ""))
        .collect();
    // Now and then a hashbang line first (Node accepts one in a module).
    let mut code = String::new();
    let mut line = 0u32;
    if rng.chance(8) {
        code.push_str(HASHBANG);
        line = 1;
    }
    let mut column = 0u32;
    let last = lines.len() - 1;
    for (i, (text, mapped)) in lines.iter().enumerate() {
        if let Some((module, src_line)) = mapped {
            b.add_token(line, column, *src_line, 0, Some(ids[*module]), None);
        }
        let separator = if i + 1 >= last || layout < 65 {
            "\n"
        } else if layout < 80 {
            ""
        } else {
            [
                "\n",
                " ",
                "",
                "\n\n",
                "\n/* note */\n",
                " // note\n",
                "/* a */ ",
            ][rng.below(7)]
        };
        let next_bracket = lines.get(i + 1).is_some_and(|(t, _)| t.starts_with('['));
        let text = match text.strip_suffix(';') {
            Some(bare)
                if separator.contains('\n') && !next_bracket && layout >= 80 && rng.chance(30) =>
            {
                bare
            }
            _ => text.as_str(),
        };
        for piece in [text, separator] {
            code.push_str(piece);
            match piece.rfind('\n') {
                Some(nl) => {
                    line += piece.matches('\n').count() as u32;
                    column = (piece.len() - nl - 1) as u32;
                }
                None => column += piece.len() as u32,
            }
        }
    }
    let map = b.into_sourcemap().to_json_string();

    let options = Options {
        max_chunk: rng.range(1, 200) as u64,
        min_part: if rng.chance(85) { 1 } else { 20 },
        vendor: rng.chance(50),
    };
    Case {
        name,
        code,
        map,
        options,
        throws,
        leading: if leading_pure { leading } else { Vec::new() },
        prelude: n_pre > 0,
    }
}

// ---------------------------------------------------------------------------------------------
// Running both sides in Node.

/// Whether `node` runs; without it, a reason on stderr (or a panic when Node is required).
fn node_ready() -> bool {
    match Command::new("node").arg("--version").output() {
        Ok(o) if o.status.success() => true,
        other => {
            let why = match other {
                Ok(o) => format!(
                    "`node --version` failed: {}",
                    String::from_utf8_lossy(&o.stderr)
                ),
                Err(e) => format!("`node` does not run: {e}"),
            };
            if std::env::var("DISTILL_REQUIRE_NODE").as_deref() == Ok("1") {
                panic!("{why} (and DISTILL_REQUIRE_NODE=1)");
            }
            eprintln!("skipping the Node.js property test: {why}");
            false
        }
    }
}

fn put(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap();
    }
    let mut f = std::fs::File::create(path).unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

fn side(root: &Path, cases: &[String]) {
    put(&root.join("package.json"), "{\"type\":\"module\"}\n");
    put(&root.join("run.mjs"), DRIVER);
    put(
        &root.join("cases.json"),
        &serde_json::to_string(cases).unwrap(),
    );
}

/// Runs the driver in `root`: what each case did.
fn run_node(root: &Path) -> BTreeMap<String, Value> {
    let out = Command::new("node")
        .arg("run.mjs")
        .current_dir(root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "node failed in {}: {}",
        root.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn refusal_kind(r: &Refusal) -> &'static str {
    match r {
        Refusal::Parse { .. } => "Parse",
        Refusal::NotModule => "NotModule",
        Refusal::TopLevelAwait => "TopLevelAwait",
        Refusal::Eval => "Eval",
        Refusal::With => "With",
        Refusal::NoMap(_) => "NoMap",
        Refusal::NoSafeCut(_) => "NoSafeCut",
        Refusal::Small => "Small",
    }
}

/// Whether `code` has the text `t` not followed by more of an identifier (`var v1` is not
/// in `var v14`).
fn has_statement(code: &str, t: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    code.match_indices(t)
        .any(|(i, _)| !t.ends_with(word) || !code[i + t.len()..].starts_with(word))
}

/// What running a set of cases found.
struct Outcome {
    /// Each case's split, in order.
    splits: Vec<Result<Split, Refusal>>,
    /// Cases whose behaviour changed, each with a report.
    mismatches: Vec<String>,
    refusals: BTreeMap<&'static str, usize>,
}

fn report(case: &Case, s: &Split, before: &Value, after: &Value) -> String {
    let mut r = String::new();
    writeln!(r, "=== {} {:?}", case.name, case.options).unwrap();
    writeln!(r, "--- original {CHUNK}:\n{}", case.code).unwrap();
    writeln!(r, "--- map: {}", case.map).unwrap();
    for p in &s.parts {
        writeln!(r, "--- part {} {:?}:\n{}", p.file_name, p.modules, p.code).unwrap();
    }
    writeln!(r, "--- remaining {CHUNK}:\n{}", s.code).unwrap();
    writeln!(
        r,
        "--- before: {}\n--- after:  {}",
        serde_json::to_string_pretty(before).unwrap(),
        serde_json::to_string_pretty(after).unwrap()
    )
    .unwrap();
    r
}

/// Splits every case, runs the originals and the splits in Node and compares them.
fn check_in_node(cases: &[Case]) -> Outcome {
    let tmp = tempfile::tempdir().unwrap();
    let (before_root, after_root) = (tmp.path().join("before"), tmp.path().join("after"));
    let mut splits = Vec::new();
    let mut refusals: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut split_names = Vec::new();
    for case in cases {
        let dir = before_root.join(&case.name);
        put(&dir.join(CHUNK), &case.code);
        put(&dir.join("dep.js"), DEP);
        let chunk = Chunk {
            file_name: CHUNK,
            code: &case.code,
            map: Some(&case.map),
            module: false,
        };
        let result = split(&chunk, &case.options);
        match &result {
            Ok(s) => {
                assert!(!s.parts.is_empty(), "{}: a split with no parts", case.name);
                let dir = after_root.join(&case.name);
                for p in &s.parts {
                    assert!(
                        p.file_name != CHUNK && p.file_name != "dep.js",
                        "{}: part named {}",
                        case.name,
                        p.file_name
                    );
                    assert!(
                        !dir.join(&p.file_name).exists(),
                        "{}: two parts named {}",
                        case.name,
                        p.file_name
                    );
                    put(&dir.join(&p.file_name), &p.code);
                }
                put(&dir.join(CHUNK), &s.code);
                put(&dir.join("dep.js"), DEP);
                split_names.push(case.name.clone());
                // A hashbang stays first in the remaining chunk, and only there.
                if case.code.starts_with("#!") {
                    assert!(
                        s.code.starts_with(HASHBANG),
                        "{}: the remaining chunk lost its hashbang:\n{}",
                        case.name,
                        s.code
                    );
                }
                for p in &s.parts {
                    assert!(
                        !p.code.contains("#!"),
                        "{}: part {} has a hashbang:\n{}",
                        case.name,
                        p.file_name,
                        p.code
                    );
                }
                // Declarations before the last import stay (the moved code runs before them).
                for t in &case.leading {
                    let t = t.strip_suffix(';').unwrap_or(t);
                    assert!(
                        has_statement(&s.code, t)
                            && s.parts.iter().all(|p| !has_statement(&p.code, t)),
                        "{}: `{t}` (before the imports) did not stay:\n{}",
                        case.name,
                        s.code
                    );
                }
            }
            Err(r) => *refusals.entry(refusal_kind(r)).or_default() += 1,
        }
        splits.push(result);
    }
    let all: Vec<String> = cases.iter().map(|c| c.name.clone()).collect();
    side(&before_root, &all);
    side(&after_root, &split_names);
    let before = run_node(&before_root);
    let after = if split_names.is_empty() {
        BTreeMap::new()
    } else {
        run_node(&after_root)
    };

    let mut mismatches = Vec::new();
    for (case, result) in cases.iter().zip(&splits) {
        let b = &before[&case.name];
        // The generator's own check: only the chunks that throw on purpose fail.
        let error = b["error"].as_str();
        assert_eq!(
            error.is_some(),
            case.throws,
            "{}: the original chunk {} unexpectedly:\n{}\n{b:#}",
            case.name,
            if case.throws {
                "did not throw"
            } else {
                "threw"
            },
            case.code
        );
        if case.throws {
            assert!(error.is_some_and(|e| e.starts_with("Error: boom")), "{b}");
        }
        if let Ok(s) = result {
            let a = &after[&case.name];
            if a != b {
                mismatches.push(report(case, s, b, a));
            }
        }
    }
    if std::env::var("DISTILL_SPLIT_KEEP").as_deref() == Ok("1") {
        eprintln!("cases kept in {}", tmp.keep().display());
    }
    Outcome {
        splits,
        mismatches,
        refusals,
    }
}

fn assert_no_mismatch(o: &Outcome) {
    if !o.mismatches.is_empty() {
        let shown: Vec<&str> = o.mismatches.iter().take(3).map(String::as_str).collect();
        panic!(
            "{} split chunk(s) behave differently; the first:\n{}",
            o.mismatches.len(),
            shown.join("\n")
        );
    }
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn random_chunks_behave_the_same_after_splitting() {
    if !node_ready() {
        return;
    }
    let n = env_number("DISTILL_SPLIT_CASES", 300);
    let seed = env_number("DISTILL_SPLIT_SEED", 1);
    let cases: Vec<Case> = (0..n)
        .map(|i| generate(format!("case{i}"), seed + i))
        .collect();
    let o = check_in_node(&cases);

    let split_count = o.splits.iter().filter(|s| s.is_ok()).count();
    let multi = o
        .splits
        .iter()
        .flatten()
        .filter(|s| s.parts.len() >= 2)
        .count();
    let vendor = o
        .splits
        .iter()
        .flatten()
        .filter(|s| s.parts.iter().any(|p| p.package.is_some()))
        .count();
    let throwing = cases.iter().filter(|c| c.throws).count();
    // Chunks of a kind, and how many of them split.
    let count = |f: &dyn Fn(&Case) -> bool| {
        let of_kind = cases.iter().filter(|c| f(c)).count();
        let split = cases
            .iter()
            .zip(&o.splits)
            .filter(|(c, s)| f(c) && s.is_ok())
            .count();
        (of_kind, split)
    };
    let (prelude, prelude_split) = count(&|c| c.prelude);
    let (leading, leading_split) = count(&|c| !c.leading.is_empty());
    let (hashbang, hashbang_split) = count(&|c| c.code.starts_with("#!"));
    eprintln!(
        "{n} random chunks (seeds {seed}..{}): {split_count} split ({multi} in two parts or more, {vendor} with a vendor part), refused: {:?}; {throwing} throw on purpose; \
         {prelude_split} of {prelude} with statements before an import split ({leading_split} of {leading} with only declarations before the last import), {hashbang_split} of {hashbang} with a hashbang",
        seed + n,
        o.refusals
    );
    assert_no_mismatch(&o);
    assert!(
        !o.refusals.contains_key("Parse"),
        "the generator wrote code that does not parse"
    );
    // The property must have something to check, and the splitter something to refuse.
    assert!(
        split_count * 100 >= cases.len() * 30,
        "only {split_count} of {} chunks split",
        cases.len()
    );
    assert!(multi > 0 && vendor > 0, "no multi-part or vendor splits");
    assert!(
        leading_split > 0,
        "no chunk with declarations before its imports split ({leading} generated)"
    );
    assert!(
        hashbang_split > 0,
        "no chunk with a hashbang split ({hashbang} generated)"
    );
    assert!(
        o.refusals.get("NoSafeCut").copied().unwrap_or(0) > 0,
        "no chunk was refused for lack of a safe cut: {:?}",
        o.refusals
    );
}

// ---------------------------------------------------------------------------------------------
// Hand-written chunks that must split.

/// A chunk whose statements are given line by line with their source modules.
fn written(name: &str, lines: &[(&str, Option<&str>)], options: Options) -> Case {
    let mut code = String::new();
    let mut b = SourceMapBuilder::default();
    let mut ids: BTreeMap<&str, u32> = BTreeMap::new();
    let mut source_lines: BTreeMap<&str, u32> = BTreeMap::new();
    for (line, (text, source)) in lines.iter().enumerate() {
        code.push_str(text);
        code.push('\n');
        if let Some(s) = *source {
            let id = *ids
                .entry(s)
                .or_insert_with(|| b.set_source_and_content(s, ""));
            let src_line = source_lines.entry(s).or_insert(0);
            b.add_token(line as u32, 0, *src_line, 0, Some(id), None);
            *src_line += 1;
        }
    }
    Case {
        name: name.into(),
        code,
        map: b.into_sourcemap().to_json_string(),
        options,
        throws: false,
        leading: Vec::new(),
        prelude: false,
    }
}

#[test]
fn written_chunks_split_and_behave_the_same() {
    if !node_ready() {
        return;
    }
    let react = Some("node_modules/react/index.js");
    let react_dom = Some("node_modules/react/cjs/react.development.js");
    let lodash = Some("node_modules/lodash/index.js");
    let scoped = Some("node_modules/@scope/ui/index.js");
    let cases = vec![
        // Two vendor packages, then app code using both: each package gets its own part.
        written(
            "vendor_then_app",
            &[
                ("import { dep } from \"./dep.js\";", None),
                ("var React = { version: \"18\" };", react),
                (
                    "function createElement(t){ return [t, React.version]; }",
                    react,
                ),
                ("log(\"react\", createElement(\"div\"));", react_dom),
                ("const _ = { id: (x) => x, dep };", lodash),
                ("log(\"lodash\", _.id(3));", lodash),
                ("const App = createElement(\"App\");", Some("src/App.js")),
                ("let count = _.id(dep) + 1;", Some("src/main.js")),
                ("count++;", Some("src/main.js")),
                ("log(\"app\", App, count);", Some("src/main.js")),
                (
                    "export{ App, count as n, createElement, _ as lodash };",
                    None,
                ),
                ("//# sourceMappingURL=chunk-AAAAAAAA.js.map", None),
            ],
            Options {
                max_chunk: 1 << 20,
                min_part: 1,
                vendor: true,
            },
        ),
        // Oversized app code: a hoisted function called before its declaration ties two
        // modules together, the others split off.
        written(
            "hoisting_ties_modules",
            &[
                ("const base = 10;", Some("src/a.js")),
                ("log(\"a\", base);", Some("src/a.js")),
                ("var total = later(base);", Some("src/b.js")),
                ("function later(x){ return x * 2; }", Some("src/c.js")),
                ("class Box { static s = total + 1; }", Some("src/d.js")),
                ("let hits = 0;", Some("src/e.js")),
                ("function hit(){ hits++; return hits; }", Some("src/e.js")),
                ("log(\"e\", hit(), Box.s);", Some("src/f.js")),
                ("export{ total, Box, hit, base as b };", None),
            ],
            Options {
                max_chunk: 40,
                min_part: 1,
                vendor: false,
            },
        ),
        // A scoped vendor package whose var app code reads and which app code never assigns.
        written(
            "scoped_vendor_var",
            &[
                ("var theme = { color: \"red\" };", scoped),
                ("function paint(){ return theme.color; }", scoped),
                ("log(\"ui\", paint());", scoped),
                ("theme.color = \"blue\";", Some("src/main.js")),
                ("log(\"main\", paint());", Some("src/main.js")),
                ("export{ paint, theme };", None),
            ],
            Options {
                max_chunk: 1 << 20,
                min_part: 1,
                vendor: true,
            },
        ),
        // Text that looks like the trailing map comment but is inside a template literal or
        // a block comment: the parts must still be imported, after it.
        written(
            "map_comment_in_template",
            &[
                ("const a = 1;", Some("src/a.js")),
                ("log(\"a\", a);", Some("src/a.js")),
                ("const b = a + 1;", Some("src/b.js")),
                (
                    "export const s = `//# sourceMappingURL=${b}`;",
                    Some("src/b.js"),
                ),
            ],
            Options {
                max_chunk: 20,
                min_part: 1,
                vendor: false,
            },
        ),
        written(
            "map_comment_in_block_comment",
            &[
                ("log(\"a\");", Some("src/a.js")),
                ("log(\"b\");", Some("src/b.js")),
                // (A chunk without `import` or `export` is refused as not a module.)
                ("export{};", None),
                ("/* the end //# sourceMappingURL=none.js.map */", None),
            ],
            Options {
                max_chunk: 10,
                min_part: 1,
                vendor: false,
            },
        ),
        // Vite's `__vite__mapDeps` before the imports: the vendor code after them moves ahead
        // of it, and it stays (app code that stays uses it).
        written(
            "vite_map_deps_first",
            &[
                (
                    "const __vite__mapDeps=(i,m=__vite__mapDeps,d=(m.f||(m.f=[\"a.js\"])))=>i.map(i=>d[i]);",
                    None,
                ),
                ("import { dep } from \"./dep.js\";", None),
                ("var React = { version: \"18\", dep };", react),
                ("log(\"react\", React.version);", react),
                ("const deps = __vite__mapDeps([0]);", Some("src/main.js")),
                ("log(\"app\", deps, React.dep);", Some("src/main.js")),
                ("export{ deps, React };", None),
            ],
            Options {
                max_chunk: 1 << 20,
                min_part: 1,
                vendor: true,
            },
        ),
        // A hashbang stays the first line of the remaining chunk.
        written(
            "hashbang",
            &[
                ("#!/usr/bin/env node", None),
                ("const a = 1;", Some("src/a.js")),
                ("log(\"a\", a);", Some("src/a.js")),
                ("log(\"b\", a + 1);", Some("src/b.js")),
                ("export{ a };", None),
            ],
            Options {
                max_chunk: 20,
                min_part: 1,
                vendor: false,
            },
        ),
        // A declaration left before the imports assigns a binding of the code after them:
        // that code must not move (it would become an import, which cannot be assigned).
        written(
            "leading_function_assigns",
            &[
                ("const g = () => { v = 2; return v; };", None),
                ("import \"./dep.js\";", None),
                ("var v = 1;", Some("src/a.js")),
                ("log(\"b\");", Some("src/b.js")),
                ("export{ g, v };", None),
            ],
            Options {
                max_chunk: 10,
                min_part: 1,
                vendor: false,
            },
        ),
    ];
    let o = check_in_node(&cases);
    assert_no_mismatch(&o);
    let parts = |i: usize| match &o.splits[i] {
        Ok(s) => s
            .parts
            .iter()
            .map(|p| p.file_name.clone())
            .collect::<Vec<_>>(),
        Err(e) => panic!("{} was not split: {e}", cases[i].name),
    };
    let p = parts(0);
    assert_eq!(p.len(), 2, "{p:?}");
    assert!(p[0].starts_with("vendor-react-") && p[1].starts_with("vendor-lodash-"));
    let p = parts(1);
    assert!(p.len() >= 2, "{p:?}");
    let p = parts(2);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].starts_with("vendor-scope-ui-"), "{p:?}");
    assert!(parts(3).len() >= 2 && parts(4).len() >= 2);
    let p = parts(5);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].starts_with("vendor-react-"), "{p:?}");
    let rest = &o.splits[5].as_ref().unwrap().code;
    assert!(rest.starts_with("const __vite__mapDeps="), "{rest}");
    assert!(!parts(6).is_empty());
    let rest = &o.splits[6].as_ref().unwrap().code;
    assert!(rest.starts_with("#!/usr/bin/env node\n"), "{rest}");
    assert!(
        o.splits[7].is_err(),
        "leading_function_assigns was split: {:?}",
        o.splits[7]
    );
}

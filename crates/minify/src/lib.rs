//! Minifies one built JavaScript or CSS file and keeps its source map true.
//!
//! Pure functions over one file's text and its source map: no file I/O, no threads of their own
//! beyond one with a large stack per call (parsers recurse on nesting). The optimize stage
//! schedules files, caches results and decides whether to keep them.
//!
//! - JavaScript: [oxc](https://oxc.rs) (the default), [swc](https://swc.rs), or
//!   [`JsMinifier::Best`], which runs both, and swc's output through oxc again, and keeps the
//!   smallest by the caller's measure (brotli, as budgets compare). Compress + mangle; legal comments (`/*! … */`, `@license`,
//!   `@preserve`) kept. An ES module may have its top-level names mangled (exports keep their
//!   names); a classic script shares the global scope with every other script on the page, so
//!   none of its top-level names is renamed or dropped.
//! - CSS: [lightningcss](https://lightningcss.dev) with browser targets from browserslist.
//! - The output is parsed again before it is returned; output that does not parse is an error,
//!   never a result.
//! - The new source map is the minifier's map composed with the build's map: a position in the
//!   minified file points at the original source, line, column and name.
//!
//! ```
//! use distill_minify::{JsOptions, ScriptKind, minify_js};
//! let code = "export function greet(name) {\n  const message = 'Hello, ' + name;\n  return message;\n}\n";
//! let out = minify_js("a.js", code, None, ScriptKind::Module, &JsOptions::default(), &|b| b.len() as u64).unwrap();
//! assert_eq!(out.code, "export function greet(e){return`Hello, `+e}");
//! ```

mod css;
mod error;
mod js_oxc;
mod js_swc;
mod sourcemap;
mod syntax;
mod tail;
mod targets;

pub use error::{MapProblem, MinifyError};
pub use targets::{Targets, queries_from_browserslistrc, queries_from_package_json};

use sourcemap::InputMap;
use std::fmt;
use std::str::FromStr;
use syntax::Features;
use tail::Syntax;

/// Versions of the tools whose output this crate returns; part of every cache key. A test
/// checks them against `Cargo.lock`.
pub const OXC_VERSION: &str = "0.146.0";
pub const SWC_CORE_VERSION: &str = "83.0.0";
pub const LIGHTNINGCSS_VERSION: &str = "1.0.0-alpha.72";

/// Stack for the thread each minifier runs on. Parsers, compressors and printers recurse once
/// per level of nesting, and overflowing the stack aborts the process; [`MAX_NESTING`] keeps
/// input well within this stack. Measured: swc overflows it between 5,000 and 8,000 levels of
/// nested arrow functions (its deepest case), oxc holds 20,000 of every shape tried. Only the
/// pages a run touches are ever committed.
const STACK_SIZE: usize = 256 << 20;

/// Deepest bracket nesting (`(`, `[`, `{`, counted without regard to strings or comments, so
/// an over-estimate) a JavaScript file may have to be minified. Real code nests a few dozen deep.
pub const MAX_NESTING: usize = 2_000;

/// The same for CSS, whose printer counts indentation in a byte (two per block): real style
/// sheets nest a handful of blocks deep.
pub const MAX_CSS_NESTING: usize = 100;

/// Which JavaScript minifier to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum JsMinifier {
    #[default]
    Oxc,
    Swc,
    /// Both, keeping the output that is smaller by the caller's measure.
    Best,
}

impl JsMinifier {
    pub fn as_str(self) -> &'static str {
        match self {
            JsMinifier::Oxc => "oxc",
            JsMinifier::Swc => "swc",
            JsMinifier::Best => "best",
        }
    }
}

impl fmt::Display for JsMinifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for JsMinifier {
    type Err = String;
    fn from_str(s: &str) -> Result<JsMinifier, String> {
        match s {
            "oxc" => Ok(JsMinifier::Oxc),
            "swc" => Ok(JsMinifier::Swc),
            "best" => Ok(JsMinifier::Best),
            _ => Err(format!(
                "unknown JS minifier `{s}`; expected oxc, swc or best"
            )),
        }
    }
}

/// How a JavaScript file is loaded, which decides what may be renamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScriptKind {
    /// An ES module (Vite chunks): its top-level scope is its own.
    Module,
    /// A classic script (Next.js webpack and Turbopack chunks, IIFE workers): its top-level
    /// names are globals.
    Script,
}

impl ScriptKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ScriptKind::Module => "module",
            ScriptKind::Script => "script",
        }
    }
}

/// JavaScript options; one value per run, shared by every file.
#[derive(Debug, Clone, Default)]
pub struct JsOptions {
    pub minifier: JsMinifier,
    /// Drop `console.*` calls.
    pub drop_console: bool,
    /// Drop `debugger;` statements.
    pub drop_debugger: bool,
    /// Calls to these (`"console.info"`, `"invariant"`) are dropped when their result is
    /// unused. Each must be a dotted name.
    pub pure_funcs: Vec<String>,
    /// Compress passes for swc; 0 keeps its default. oxc always iterates to a fixed point, so
    /// this does not change its output.
    pub passes: u8,
    /// No output uses syntax these browsers lack.
    pub targets: Targets,
}

impl JsOptions {
    /// Changes with every option, the targets' resolved versions and every tool version. Add
    /// the file's content hash and, for [`JsMinifier::Best`], what the `measure` computes.
    pub fn cache_key(&self, kind: ScriptKind) -> String {
        format!(
            "distill_minify {} js; oxc {OXC_VERSION}; swc_core {SWC_CORE_VERSION}; reserved={RESERVED:?}; kind={}; minifier={}{}; drop_console={}; drop_debugger={}; pure_funcs={:?}; passes={}; targets={}",
            env!("CARGO_PKG_VERSION"),
            kind.as_str(),
            self.minifier,
            // What `best` chooses among: oxc, swc, and swc's output through oxc.
            if self.minifier == JsMinifier::Best {
                "(oxc,swc,swc+oxc)"
            } else {
                ""
            },
            self.drop_console,
            self.drop_debugger,
            self.pure_funcs,
            self.passes,
            self.targets.resolved(),
        )
    }

    fn check(&self) -> Result<(), MinifyError> {
        for name in &self.pure_funcs {
            let ok = !name.is_empty()
                && name.split('.').all(|part| {
                    let mut chars = part.chars();
                    chars
                        .next()
                        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
                        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
                });
            if !ok {
                return Err(MinifyError::BadOption {
                    option: "pure_funcs",
                    value: name.clone(),
                    message: "expected a dotted name such as `console.info`".into(),
                });
            }
        }
        Ok(())
    }
}

/// CSS options; one value per run.
#[derive(Debug, Clone, Default)]
pub struct CssOptions {
    /// Prefixes and lowering for these browsers; nothing they lack is emitted.
    pub targets: Targets,
}

impl CssOptions {
    /// Changes with the targets' resolved versions and the lightningcss version. Add the file's
    /// content hash.
    pub fn cache_key(&self) -> String {
        format!(
            "distill_minify {} css; lightningcss {LIGHTNINGCSS_VERSION}; targets={}",
            env!("CARGO_PKG_VERSION"),
            self.targets.resolved(),
        )
    }
}

/// A minified file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Minified {
    /// The minified code. With an input map, it ends with the input's `sourceMappingURL` and
    /// `debugId` comments (an inline `data:` map replaced by the new map); without one, the
    /// comments are dropped, as the old map no longer describes the code.
    pub code: String,
    /// The composed source map (JSON), present when an input map was given; write it where the
    /// input map was.
    pub map: Option<String>,
    /// The minifier whose output this is: `oxc`, `swc`, `swc+oxc` (swc's output minified again
    /// by oxc, one of [`JsMinifier::Best`]'s candidates) or `lightningcss`.
    pub minifier: &'static str,
    /// `measure(code)` when it was computed (to choose in [`JsMinifier::Best`]), so the caller
    /// need not compress the winner again.
    pub measured: Option<u64>,
    /// Candidates that failed while another succeeded (only in [`JsMinifier::Best`]), for the
    /// report.
    pub rejected: Vec<MinifyError>,
}

/// How many legal comments (`/*!`, `@license`, `@preserve`) `code` holds.
fn legal_comments(code: &str) -> usize {
    code.matches("/*!").count()
        + code.matches("@license").count()
        + code.matches("@preserve").count()
}

/// Top-level names the minifiers never rename: tools read them by name in the output. Vite's
/// preload table (`const __vite__mapDeps=…`) is how `analyze` finds a lazy chunk's stylesheets and
/// how `optimize --split` tells a lazy route about its new chunks.
pub(crate) const RESERVED: &[&str] = &["__vite__mapDeps"];

/// Whether `code` is an ES module (it has `import`/`export` syntax or `import.meta`) or a
/// classic script; for files whose kind the build's manifests do not state.
pub fn detect_kind(code: &str) -> ScriptKind {
    if deepest(code).0 > MAX_NESTING {
        return ScriptKind::Script;
    }
    on_big_stack("oxc", "", || Ok(js_oxc::detect_kind(code))).unwrap_or(ScriptKind::Script)
}

/// Minifies one JavaScript file. `input_map` is the build's source map of `code` (JSON);
/// `measure` sizes a candidate the way budgets will (brotli, by default), and is called only
/// for [`JsMinifier::Best`].
pub fn minify_js(
    path: &str,
    code: &str,
    input_map: Option<&str>,
    kind: ScriptKind,
    opts: &JsOptions,
    measure: &dyn Fn(&[u8]) -> u64,
) -> Result<Minified, MinifyError> {
    opts.check()?;
    let (body, links) = tail::split(code, Syntax::Js);
    check_nesting(path, body, MAX_NESTING)?;
    let input = input_map
        .map(|m| InputMap::parse(path, m, code))
        .transpose()?;
    let want_map = input.is_some();
    let parse_error = |(line, column, message)| MinifyError::Parse {
        path: path.to_owned(),
        line,
        column,
        message,
    };
    let invalid = |minifier, line, column, message| MinifyError::InvalidOutput {
        path: path.to_owned(),
        minifier,
        line,
        column,
        message,
    };
    // One minifier and the checks of its output, on one thread. The input's syntax (what the
    // output may use beyond the targets) comes from oxc's own parse when oxc runs, else from a
    // parse of its own, whose errors then read the same whichever minifier was asked for.
    let candidate = |minifier: JsMinifier, known: Option<Features>| {
        let name = if minifier == JsMinifier::Swc {
            "swc"
        } else {
            "oxc"
        };
        on_big_stack(name, path, || {
            let (out, features) = if minifier == JsMinifier::Swc {
                let features = match known {
                    Some(f) => f,
                    None => js_oxc::parse_features(body, kind).map_err(parse_error)?,
                };
                (js_swc::minify(path, body, kind, opts, want_map)?, features)
            } else {
                js_oxc::minify(path, body, kind, opts, want_map)?
            };
            let used = js_oxc::parse_features(&out.code, kind)
                .map_err(|(line, column, message)| invalid(name, line, column, message))?;
            if let Some(feature) = used.first_unsupported(features, &opts.targets.js) {
                let message = format!(
                    "it uses {feature:?}, which the input does not and the browser targets lack"
                );
                return Err(invalid(name, 1, 1, message));
            }
            Ok((name, out, features))
        })
    };

    // swc's output minified again by oxc: each finds savings the other leaves (on vite-nomin,
    // 0.24% of gzip below swc alone). Its map is oxc's chained onto swc's. Used only when it
    // parses, stays within the input's syntax and keeps every legal comment swc kept.
    let chained = |swc: &js_oxc::Output, features: Features| {
        on_big_stack("oxc", path, || {
            let (out, _) = js_oxc::minify(path, &swc.code, kind, opts, want_map)?;
            let used = js_oxc::parse_features(&out.code, kind)
                .map_err(|(line, column, message)| invalid("oxc", line, column, message))?;
            if used.first_unsupported(features, &opts.targets.js).is_some() {
                return Err(invalid(
                    "oxc",
                    1,
                    1,
                    "a second pass used syntax the targets lack".into(),
                ));
            }
            if legal_comments(&out.code) < legal_comments(&swc.code) {
                return Err(invalid(
                    "oxc",
                    1,
                    1,
                    "a second pass lost a legal comment".into(),
                ));
            }
            let map = match (&out.map, &swc.map) {
                (Some(outer), Some(inner)) => Some(sourcemap::chain(outer, inner)),
                _ => None,
            };
            Ok((
                "swc+oxc",
                js_oxc::Output {
                    code: out.code,
                    map,
                },
                features,
            ))
        })
    };

    let mut rejected = Vec::new();
    let mut measured = None;
    let (name, out, _) = match opts.minifier {
        JsMinifier::Oxc | JsMinifier::Swc => candidate(opts.minifier, None)?,
        JsMinifier::Best => {
            let oxc = match candidate(JsMinifier::Oxc, None) {
                // The input itself does not parse: swc has nothing to add.
                Err(e @ MinifyError::Parse { .. }) => return Err(e),
                oxc => oxc,
            };
            let known = oxc.as_ref().ok().map(|c| c.2);
            match (oxc, candidate(JsMinifier::Swc, known)) {
                (Ok(a), Ok(b)) => {
                    let size = |out: &js_oxc::Output| {
                        let mut code = out.code.clone();
                        if want_map {
                            tail::append(&mut code, &links, Syntax::Js, None);
                        }
                        (measure(code.as_bytes()), code.len())
                    };
                    let c = chained(&b.1, b.2).ok();
                    // Ties go to the smaller raw file, then to the earlier of oxc, swc and
                    // swc+oxc: the same input always picks the same output.
                    let first = size(&a.1);
                    let (winner, s) =
                        [Some(b), c]
                            .into_iter()
                            .flatten()
                            .fold((a, first), |(best, s), next| {
                                let n = size(&next.1);
                                if n < s { (next, n) } else { (best, s) }
                            });
                    if !tail::has_inline_map(&links) {
                        measured = Some(s.0);
                    }
                    winner
                }
                (Ok(a), Err(e)) | (Err(e), Ok(a)) => {
                    rejected.push(e);
                    a
                }
                // Both failed on input that parses: oxc's error, the first.
                (Err(e), Err(_)) => return Err(e),
            }
        }
    };

    let map = match (&input, &out.map) {
        (Some(input), Some(generated)) => Some(sourcemap::compose(generated, input)),
        _ => None,
    };
    Ok(finish(
        out.code,
        map,
        &links,
        Syntax::Js,
        name,
        measured,
        rejected,
    ))
}

/// Minifies one CSS file; `input_map` is the build's source map of `code` (JSON).
pub fn minify_css(
    path: &str,
    code: &str,
    input_map: Option<&str>,
    opts: &CssOptions,
) -> Result<Minified, MinifyError> {
    let (body, links) = tail::split(code, Syntax::Css);
    check_nesting(path, body, MAX_CSS_NESTING)?;
    let input = input_map
        .map(|m| InputMap::parse(path, m, code))
        .transpose()?;
    let want_map = input.is_some();
    // Minifying and the parse of its output, on one thread.
    let out = on_big_stack("lightningcss", path, || {
        let out = css::minify(path, body, opts, want_map)?;
        css::check_parses(path, &out.code).map_err(|e| {
            let (line, column) = e.position().unwrap_or((1, 1));
            MinifyError::InvalidOutput {
                path: path.to_owned(),
                minifier: "lightningcss",
                line,
                column,
                message: e.message(),
            }
        })?;
        Ok(out)
    })?;
    let map = match (&input, &out.map) {
        (Some(input), Some(generated)) => Some(sourcemap::compose(generated, input)),
        _ => None,
    };
    Ok(finish(
        out.code,
        map,
        &links,
        Syntax::Css,
        "lightningcss",
        None,
        Vec::new(),
    ))
}

fn finish(
    mut code: String,
    map: Option<oxc_sourcemap::SourceMap<'static>>,
    links: &[tail::Link<'_>],
    syntax: Syntax,
    minifier: &'static str,
    measured: Option<u64>,
    rejected: Vec<MinifyError>,
) -> Minified {
    let inline = map
        .as_ref()
        .filter(|_| tail::has_inline_map(links))
        .map(oxc_sourcemap::SourceMap::to_data_url);
    // Minifiers end without a newline; keep it that way so the byte counts compare.
    while code.ends_with('\n') {
        code.pop();
    }
    // Without a new map the old one no longer describes the file: no link to it.
    if map.is_some() {
        tail::append(&mut code, links, syntax, inline.as_deref());
    }
    Minified {
        code,
        map: map.map(|m| m.to_json_string()),
        minifier,
        measured,
        rejected,
    }
}

/// The deepest bracket nesting in `text` and the byte offset where it is first reached.
fn deepest(text: &str) -> (usize, usize) {
    let (mut depth, mut max, mut at) = (0usize, 0usize, 0usize);
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    max = depth;
                    at = i;
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    (max, at)
}

fn check_nesting(path: &str, text: &str, limit: usize) -> Result<(), MinifyError> {
    let (depth, at) = deepest(text);
    if depth <= limit {
        return Ok(());
    }
    let (line, column) = error::line_column(text, at);
    Err(MinifyError::TooDeep {
        path: path.to_owned(),
        line,
        column,
        depth,
        limit,
    })
}

/// Runs `f` on a thread with [`STACK_SIZE`] of stack; a panic in it becomes
/// [`MinifyError::Internal`].
fn on_big_stack<T: Send>(
    minifier: &'static str,
    path: &str,
    f: impl FnOnce() -> Result<T, MinifyError> + Send,
) -> Result<T, MinifyError> {
    let internal = |message: String| MinifyError::Internal {
        path: path.to_owned(),
        minifier,
        message,
    };
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name(format!("minify-{minifier}"))
            .stack_size(STACK_SIZE)
            .spawn_scoped(scope, f)
            .map_err(|e| internal(format!("cannot start a thread: {e}")))?;
        handle.join().unwrap_or_else(|panic| {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "it panicked".to_owned());
            Err(internal(message))
        })
    })
}

#[cfg(test)]
mod tests;

//! Minifies every client JS and CSS file of a build folder into another folder, the way the
//! optimize stage will: in parallel, largest first, maps composed when the build has them.
//! For `bench/minify/run.sh` until the CLI has `distill optimize`.
//!
//! ```text
//! cargo run --release -p distill_minify --example minify_dir -- [--js-minifier oxc|swc|best]
//!     [--maps] [--drop-console] [--jobs N] IN_DIR OUT_DIR
//! ```
//!
//! Prints one line per file (`path<TAB>minifier<TAB>in<TAB>out`, or the error) to stdout and a
//! total to stderr. A file that fails is copied unchanged, as the stage keeps it.

use distill_compress::{Settings, compressed_len};
use distill_graph::Encoding;
use distill_minify::{
    CssOptions, JsMinifier, JsOptions, ScriptKind, detect_kind, minify_css, minify_js,
};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::time::Instant;

struct Args {
    minifier: JsMinifier,
    maps: bool,
    drop_console: bool,
    jobs: Option<usize>,
    input: PathBuf,
    output: PathBuf,
}

fn args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let mut minifier = JsMinifier::Oxc;
    let (mut maps, mut drop_console, mut jobs) = (false, false, None);
    let mut paths = Vec::new();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--js-minifier" => {
                minifier = it.next().ok_or("--js-minifier needs a value")?.parse()?;
            }
            "--maps" => maps = true,
            "--drop-console" => drop_console = true,
            "--jobs" => {
                jobs = Some(
                    it.next()
                        .and_then(|n| n.parse().ok())
                        .ok_or("--jobs needs a number")?,
                );
            }
            _ if a.starts_with("--") => return Err(format!("unknown option {a}")),
            _ => paths.push(PathBuf::from(a)),
        }
    }
    let [input, output]: [PathBuf; 2] = paths
        .try_into()
        .map_err(|_| "expected IN_DIR OUT_DIR".to_owned())?;
    Ok(Args {
        minifier,
        maps,
        drop_console,
        jobs,
        input,
        output,
    })
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            if path
                .file_name()
                .is_some_and(|n| n != "node_modules" && n != "cache" && n != "server")
            {
                walk(&path, out)?;
            }
        } else if path.extension().is_some_and(|e| e == "js" || e == "css") {
            out.push(path);
        }
    }
    Ok(())
}

fn map_url(code: &str) -> Option<&str> {
    let tail = &code[code.len().saturating_sub(4096)..];
    let at = tail.rfind("sourceMappingURL=")?;
    tail[at + 17..]
        .split(|c: char| c.is_whitespace() || c == '*')
        .next()
        .filter(|u| !u.is_empty() && !u.starts_with("data:"))
}

#[allow(
    clippy::disallowed_methods,
    reason = "an example writing into a fresh folder"
)]
fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, bytes)
}

fn main() {
    let args = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("minify_dir: {e}");
            std::process::exit(2);
        }
    };
    if let Some(n) = args.jobs {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .ok();
    }
    let next = args.input.join("build-manifest.json").is_file();
    let root = if next {
        args.input.join("static")
    } else {
        args.input.clone()
    };
    let mut files = Vec::new();
    if let Err(e) = walk(&root, &mut files) {
        eprintln!("minify_dir: {}: {e}", root.display());
        std::process::exit(2);
    }
    // Largest first, so the biggest file does not start last.
    let mut files: Vec<(PathBuf, u64)> = files
        .into_iter()
        .map(|p| {
            let len = std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0);
            (p, len)
        })
        .collect();
    files.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));

    let js = JsOptions {
        minifier: args.minifier,
        drop_console: args.drop_console,
        ..JsOptions::default()
    };
    let css = CssOptions::default();
    let brotli =
        |b: &[u8]| compressed_len(Encoding::Brotli, b, &Settings::default()).unwrap_or(u64::MAX);
    let started = Instant::now();
    let lines: Vec<(String, u64, u64)> = files
        .par_iter()
        .map(|(path, _)| {
            let rel = path
                .strip_prefix(&args.input)
                .unwrap_or(path)
                .to_string_lossy()
                .replace('\\', "/");
            let dest = args.output.join(&rel);
            let Ok(code) = std::fs::read_to_string(path) else {
                return (format!("{rel}\terror\tnot UTF-8"), 0, 0);
            };
            let map_path = map_url(&code).map(|u| path.parent().unwrap_or(Path::new(".")).join(u));
            let map = args
                .maps
                .then(|| {
                    map_path
                        .as_ref()
                        .and_then(|p| std::fs::read_to_string(p).ok())
                })
                .flatten();
            let result = if rel.ends_with(".css") {
                minify_css(&rel, &code, map.as_deref(), &css)
            } else {
                let kind = if next {
                    ScriptKind::Script
                } else {
                    detect_kind(&code)
                };
                minify_js(&rel, &code, map.as_deref(), kind, &js, &brotli)
            };
            let n = code.len() as u64;
            match result {
                Ok(m) => {
                    let written =
                        write(&dest, m.code.as_bytes()).and_then(|()| match (&m.map, &map_path) {
                            (Some(new_map), Some(p)) => {
                                let rel_map = p.strip_prefix(&args.input).unwrap_or(p);
                                write(&args.output.join(rel_map), new_map.as_bytes())
                            }
                            _ => Ok(()),
                        });
                    match written {
                        Ok(()) => (
                            format!("{rel}\t{}\t{n}\t{}", m.minifier, m.code.len()),
                            n,
                            m.code.len() as u64,
                        ),
                        Err(e) => (format!("{rel}\terror\t{e}"), n, n),
                    }
                }
                Err(e) => {
                    let _ = write(&dest, code.as_bytes());
                    (format!("{rel}\terror\t{}", e.code()), n, n)
                }
            }
        })
        .collect();
    let elapsed = started.elapsed();
    let (mut total_in, mut total_out) = (0, 0);
    for (line, i, o) in &lines {
        println!("{line}");
        total_in += i;
        total_out += o;
    }
    eprintln!(
        "minify_dir: {} files, {total_in} -> {total_out} bytes in {:.3} s ({})",
        lines.len(),
        elapsed.as_secs_f64(),
        args.minifier
    );
}

//! `distill optimize [DIR] (--out DIR | --in-place)`: run the stages, write the result, report
//! what each stage did and the analysis of what was written; with budgets, check them on it.
//! Exit 0, 1 when a budget fails on the optimized build, 2 on an error (nothing written, or a
//! file that could not be written).

use crate::ExitStatus;
use crate::args::{ColorChoice, Format, OptimizeArgs};
use crate::commands::{check_outputs, fail, print_diagnostics, stdout_color, write_output};
use crate::progress::Bar;
use distill_optimize::write::Target;
use distill_pipeline::{OptimizeOptions, Outcome};
use distill_report::{Options, budgets, github, html, human, json, junit, markdown, optimize};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

pub(crate) fn run(args: OptimizeArgs, color: ColorChoice) -> anyhow::Result<ExitStatus> {
    let cwd = std::env::current_dir()?;
    let dir = match distill_pipeline::build_dir(args.dir.as_deref(), &cwd) {
        Ok(d) => d,
        Err(d) => return Ok(fail(d)),
    };
    let outputs: Vec<&Path> = args
        .format
        .iter()
        .filter_map(|t| t.path.as_deref())
        .chain(args.json.as_deref())
        .chain(args.html.as_deref())
        .collect();
    if let Err(status) = check_outputs(&outputs, &dir) {
        return Ok(status);
    }
    let target = match &args.out {
        Some(out) => Target::Out {
            dir: out.clone(),
            force: args.force,
        },
        None => Target::InPlace,
    };
    let minify = if args.no_minify {
        None
    } else {
        match distill_pipeline::browser_targets(&dir, args.css_targets.as_deref()) {
            Ok(targets) => Some(distill_optimize::minify::Options {
                js: distill_minify::JsOptions {
                    minifier: args.js_minifier,
                    drop_console: args.drop_console,
                    drop_debugger: args.drop_debugger,
                    pure_funcs: args.pure_funcs.clone(),
                    passes: args.passes,
                    targets: targets.clone(),
                },
                css: distill_minify::CssOptions { targets },
                ..distill_optimize::minify::Options::default()
            }),
            Err(d) => return Ok(fail(d)),
        }
    };
    let stages = distill_optimize::Options {
        minify,
        images: (!args.no_images).then(|| distill_optimize::images::Options {
            images: distill_images::Options {
                png_level: args.png_level,
                strip: args.strip,
                jpeg_quality: args.jpeg_quality,
                formats: args.image_formats.clone(),
                ..distill_images::Options::default()
            },
            ..distill_optimize::images::Options::default()
        }),
        split: (args.split || args.split_vendor).then(|| {
            distill_optimize::split::Options::for_limit(
                args.max_chunk.unwrap_or(500_000),
                args.split_vendor,
            )
        }),
        rehash: args.rehash,
        compress: (!args.no_compress).then(|| distill_optimize::compress::Options {
            encodings: args.encodings.clone(),
            min_size: args.min_size,
            min_saving: args.min_saving,
            include_maps: args.include_maps,
            ..distill_optimize::compress::Options::default()
        }),
        ..distill_optimize::Options::default()
    };
    let options = OptimizeOptions {
        dir: dir.clone(),
        target,
        stages,
        cache: args.cache.choice(),
        budgets: args.budgets.clone(),
        public: args.public.clone(),
        split_limit_from_budgets: args.max_chunk.is_none(),
        attribution: args.attribution,
        progress: Arc::new(Bar::stderr()),
        cwd,
    };
    let done = match distill_pipeline::optimize(&options) {
        Ok(d) => d,
        Err(diagnostics) => {
            print_diagnostics(&diagnostics);
            return Ok(ExitStatus::Error);
        }
    };
    let report = &done.report;
    let mut status = match (done.incomplete, done.outcome) {
        (true, _) => ExitStatus::Error,
        (false, Outcome::Fail) => ExitStatus::Failure,
        (false, Outcome::Pass) => ExitStatus::Success,
    };
    let root = report
        .optimize
        .as_ref()
        .map_or_else(|| dir.display().to_string(), |o| o.output.clone());
    for target in &args.format {
        if args.quiet && target.path.is_none() {
            continue;
        }
        let render = Options {
            root: root.clone(),
            top: 10,
            color: target.path.is_none() && stdout_color(color),
        };
        let draw = |out: &mut dyn Write| -> std::io::Result<()> {
            match target.format {
                Format::Human => {
                    optimize::write(report, &render, out)?;
                    writeln!(out)?;
                    human::write(report, &render, out)?;
                    if report.budgets.is_some() {
                        budgets::write(report, &render, out)?;
                    }
                    Ok(())
                }
                Format::Json => json::write(report, &render, out),
                Format::Markdown => markdown::write(report, &render, out),
                Format::Junit => junit::write(report, &render, out),
                Format::Github => github::write(report, &render, out),
            }
        };
        match &target.path {
            Some(path) => {
                if let Err(s) = write_output(path, draw) {
                    status = s;
                }
            }
            None => {
                let mut out = std::io::BufWriter::new(std::io::stdout().lock());
                draw(&mut out)?;
                out.flush()?;
            }
        }
    }
    let plain = Options {
        root,
        ..Options::default()
    };
    if let Some(path) = &args.json
        && let Err(s) = write_output(path, |out| json::write(report, &plain, out))
    {
        status = s;
    }
    if let Some(path) = &args.html
        && let Err(s) = write_output(path, |out| html::write(report, &plain, out))
    {
        status = s;
    }
    print_diagnostics(&report.diagnostics);
    Ok(status)
}

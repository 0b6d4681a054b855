//! `distill init [DIR]`: budgets from today's sizes and a `size` script, for a team starting.

use crate::ExitStatus;
use crate::args::InitArgs;
use crate::commands::fail;
use distill_pipeline::init::{InitOptions, init};
use distill_schema::format_bytes;

pub(crate) fn run(args: InitArgs) -> anyhow::Result<ExitStatus> {
    let cwd = std::env::current_dir()?;
    let dir = match distill_pipeline::build_dir(args.dir.as_deref(), &cwd) {
        Ok(d) => d,
        Err(d) => return Ok(fail(d)),
    };
    let done = match init(&InitOptions {
        dir,
        headroom: args.headroom,
        force: args.force,
    }) {
        Ok(d) => d,
        Err(d) => return Ok(fail(d)),
    };
    let shown = |p: &std::path::Path| p.strip_prefix(&cwd).unwrap_or(p).display().to_string();
    println!(
        "wrote {} ({} budgets, {:.0}% over today's sizes, warnings at {:.0}%):",
        shown(&done.budgets_path),
        done.budgets.budgets.len(),
        args.headroom * 100.0,
        args.headroom * 50.0
    );
    for b in &done.budgets.budgets {
        let max = b.max.map(|m| format_bytes(m.0)).unwrap_or_default();
        println!(
            "  {:<40} max {max}{}",
            b.name,
            if b.each { " each" } else { "" }
        );
    }
    if let Some(pkg) = &done.script_added {
        println!(
            "added \"size\": \"distill check\" to the scripts of {}",
            shown(pkg)
        );
        println!("next: `npm run size` checks the build; CI fails on its exit code (1)");
    }
    for note in &done.notes {
        println!("note: {note}");
    }
    Ok(ExitStatus::Success)
}

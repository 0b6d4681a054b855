//! Next.js 16 (`.next/`), webpack and Turbopack, App and Pages Router. FORMATS.md §2.

use crate::Context;
use distill_graph::{Build, Framework};

pub(crate) fn ingest(ctx: &mut Context, build: &mut Build, turbopack: bool) {
    build.framework = Some(if turbopack {
        Framework::NextTurbopack
    } else {
        Framework::NextWebpack
    });
    ctx.follow_loader_paths();
}

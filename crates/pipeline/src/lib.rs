//! The runs behind each command, as library functions: the CLI parses arguments, calls one of
//! these, renders what comes back and maps it to an exit code; everything a library can own is
//! here.
//!
//! - [`build_dir`]: the folder named, or the first of `dist/`, `.next/`, `build/`, `out/`;
//! - [`load`]: ingest → analyze, with the size cache and the sizes a baseline already holds;
//! - [`budgets::discover`]: the budgets file named, beside the build, here, or in `package.json`;
//! - [`baseline::read`]: an earlier report;
//! - [`check`]: all of it, then the verdicts and the pass/fail decision;
//! - [`optimize`]: the stages, the writing, and the check of what was written.
//!
//! Errors are diagnostics with a stable code and the path: the caller prints them and exits 2.

pub mod baseline;
pub mod budgets;
mod check;
pub mod init;
mod load;
mod optimize;
mod targets;

pub use check::{CheckOptions, Checked, Outcome, check};
pub use load::{CacheChoice, LoadOptions, Loaded, build_dir, load};
pub use optimize::{OptimizeOptions, Optimized, optimize};
pub use targets::browser_targets;

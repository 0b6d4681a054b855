//! The contract between the stages that measure a build and everything that reads the result:
//! the versioned JSON report ([`Report`], `schemaVersion` 1), the budget verdicts in it, the diff
//! against a baseline report, and how files of two builds are matched.
//!
//! Budgets read a [`Report`]; every renderer (human table, JSON, markdown, JUnit, GitHub
//! annotations, HTML) renders one; a report written by an earlier run is the baseline of the
//! next. Values with a fixed set of spellings are enums here, serialized as they always were.
//!
//! ```
//! use distill_schema::{VerdictStatus, format_bytes};
//! assert_eq!(serde_json::to_string(&VerdictStatus::Fail).unwrap(), "\"fail\"");
//! assert_eq!(format_bytes(319_578), "319.6 kB");
//! ```

mod bytes;
pub mod diff;
mod optimize;
mod report;
mod verdict;

pub use bytes::format_bytes;
pub use diff::{BaselineError, diff, matched_paths, read_baseline};
pub use optimize::{Action, FileChange, OptimizeReport, Stage, StageReport};
pub use report::*;
pub use verdict::{BudgetsReport, Compression, Metric, Verdict, VerdictStatus};

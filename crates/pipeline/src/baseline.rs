//! A report of an earlier build, read as the baseline of this one.

use distill_graph::{Code, Diagnostic};
use distill_schema::{BaselineError, Report};
use std::path::Path;

/// The largest baseline read: a report of the 78 MB stress build is a few MB; a gigabyte is
/// not a report of a build anyone ships.
pub const MAX_BASELINE_BYTES: u64 = 1 << 30;

/// Reads and checks a baseline report.
pub fn read(path: &Path) -> Result<Report, Diagnostic> {
    let name = path.display().to_string();
    let text = crate::budgets::read_input(path, MAX_BASELINE_BYTES).map_err(|e| {
        Diagnostic::error(
            Code::BudgetBaseline,
            format!("cannot read the baseline: {e}"),
        )
        .at(name.clone())
        .hint(
            "pass a JSON report of an earlier build: `distill analyze DIR --json FILE` writes one",
        )
    })?;
    distill_schema::read_baseline(&text).map_err(|e| {
        let mut d = Diagnostic::error(Code::BudgetBaseline, e.to_string())
            .at(name.clone())
            .hint("write a baseline with `distill analyze DIR --json FILE` (or `check --format json=FILE`) on the earlier build");
        if let BaselineError::Parse { line, column, .. } = e
            && line > 0
        {
            d = d.at_position(line, column);
        }
        d
    })
}

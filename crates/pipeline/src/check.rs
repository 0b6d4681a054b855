//! `check`: measure the build, evaluate the budgets (and growth against a baseline), decide.

use crate::{CacheChoice, LoadOptions, budgets, load};
use distill_analyze::Attribution;
use distill_graph::{Diagnostic, Encoding, Progress};
use distill_schema::{BudgetsReport, Report, VerdictStatus};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone)]
pub struct CheckOptions {
    pub dir: PathBuf,
    /// The budgets file; found when `None`.
    pub budgets: Option<PathBuf>,
    pub baseline: Option<PathBuf>,
    pub attribution: Attribution,
    pub cache: CacheChoice,
    pub progress: Arc<dyn Progress + Send>,
    /// Where relative defaults are looked up (the process's current folder).
    pub cwd: PathBuf,
}

/// Whether every budget passed (warnings allowed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    /// A budget failed: exit 1.
    Fail,
}

/// The report with its verdicts (and diff), and the decision.
#[derive(Debug)]
pub struct Checked {
    pub report: Report,
    pub outcome: Outcome,
}

/// Runs a check. `Err` holds the diagnostics that stop it (exit 2): unreadable budgets or
/// baseline, a build that cannot be analyzed, budgets that cannot be evaluated.
pub fn check(options: &CheckOptions) -> Result<Checked, Vec<Diagnostic>> {
    let found = budgets::discover(options.budgets.as_deref(), &options.dir, &options.cwd)
        .map_err(|d| vec![d])?;
    let baseline = match &options.baseline {
        Some(path) => Some(crate::baseline::read(path).map_err(|d| vec![d])?),
        None => None,
    };
    let encodings = encodings_for(&found.budgets, baseline.as_ref());
    let load_options = LoadOptions {
        encodings,
        attribution: options.attribution,
        cache: options.cache.clone(),
        progress: options.progress.clone(),
        known: Default::default(),
    };
    let loaded = load(&options.dir, &load_options, baseline.as_ref()).map_err(|d| vec![d])?;
    let mut diagnostics = loaded.diagnostics;
    diagnostics.extend(found.notices);
    let mut report = distill_analyze::report(&loaded.analysis, &diagnostics);
    if let (Some(base), Some(path)) = (&baseline, &options.baseline) {
        report.diff = Some(distill_schema::diff(
            &report,
            base,
            &path.display().to_string(),
        ));
    }
    let verdicts = distill_budgets::evaluate(&found.budgets, &report, baseline.as_ref()).map_err(
        |errors| {
            errors
                .iter()
                .map(|e| budgets::config_diagnostic(&found.name, e))
                .collect::<Vec<_>>()
        },
    )?;
    let outcome = if verdicts.iter().any(|v| v.status == VerdictStatus::Fail) {
        Outcome::Fail
    } else {
        Outcome::Pass
    };
    report.budgets = Some(BudgetsReport {
        source: found.name,
        verdicts,
    });
    Ok(Checked { report, outcome })
}

/// What the budgets need, and what the baseline has so deltas compare like with like.
fn encodings_for(
    budgets: &distill_budgets::BudgetsFile,
    baseline: Option<&Report>,
) -> Vec<Encoding> {
    let mut encodings = budgets.encodings();
    if let Some(b) = baseline {
        encodings.extend(b.encoders.iter().map(|e| e.encoding));
    }
    encodings.push(Encoding::Raw);
    encodings.sort();
    encodings.dedup();
    encodings
}

//! Renderers: one [`Report`](distill_schema::Report) in every format, one file per format. Every
//! renderer takes the same input, a report and the [`Options`] of the run, writes to
//! `&mut dyn Write` and never touches the file system.
//!
//! - [`human`]: the analysis table; [`budgets`]: the budget verdicts a person reads;
//!   [`optimize`]: what each optimize stage did;
//! - [`json`]: the complete report (also the next run's baseline);
//! - [`markdown`]: a job summary or pull-request comment;
//! - [`junit`], [`github`]: what CI systems read;
//! - [`html`]: the self-contained treemap page.

pub mod budgets;
pub mod github;
pub mod html;
pub mod human;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod optimize;
mod style;

pub use distill_schema::format_bytes;

/// What every renderer may use besides the report.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The build folder as the user named it (`file=` paths of annotations start with it).
    pub root: String,
    /// How many of the largest files, packages and modules to list.
    pub top: usize,
    /// Colour the human output (a terminal, and `NO_COLOR` unset).
    pub color: bool,
}

//! Why a file could not be minified. Every variant maps to a stable diagnostic code; the stage
//! keeps the file as it was whenever one comes back.

use distill_graph::Code;

/// Which part of the input source map is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapProblem {
    /// Not JSON, not version 3, bad VLQ, a missing field, sections out of order.
    Malformed,
    /// A mapping names a source or name index the map does not have.
    OutOfRange,
    /// The map describes another file: its mappings go past the file's lines or line ends.
    Mismatch,
}

/// A failure to minify one file. Positions are 1-based; columns count characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MinifyError {
    /// The input is not valid JavaScript (of the kind asked for) or CSS.
    #[error("{path}:{line}:{column}: does not parse: {message}")]
    Parse {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// The input source map cannot be composed with.
    #[error("{path}: input source map: {message}")]
    Map {
        path: String,
        problem: MapProblem,
        message: String,
    },
    /// A minifier's output did not parse again; it is never used.
    #[error("{path}:{line}:{column}: {minifier} output does not parse again: {message}")]
    InvalidOutput {
        path: String,
        minifier: &'static str,
        line: usize,
        column: usize,
        message: String,
    },
    /// Brackets nest deeper than a parser can follow without overflowing its stack.
    #[error(
        "{path}:{line}:{column}: brackets nest {depth} deep, more than the {limit} minifiers are run on"
    )]
    TooDeep {
        path: String,
        line: usize,
        column: usize,
        depth: usize,
        limit: usize,
    },
    /// A minifier panicked (a bug in it, met on this input).
    #[error("{path}: {minifier} failed internally: {message}")]
    Internal {
        path: String,
        minifier: &'static str,
        message: String,
    },
    /// An option the tools cannot use: a browserslist query that does not resolve, a
    /// `pure_funcs` entry that is not a name.
    #[error("{option} `{value}`: {message}")]
    BadOption {
        option: &'static str,
        value: String,
        message: String,
    },
}

impl MinifyError {
    /// The diagnostic code a stage reports this under.
    pub fn code(&self) -> Code {
        match self {
            MinifyError::Parse { .. } => Code::MinifyParseError,
            MinifyError::Map { problem, .. } => match problem {
                MapProblem::Malformed => Code::MapMalformed,
                MapProblem::OutOfRange => Code::MapOutOfRange,
                MapProblem::Mismatch => Code::MapMismatch,
            },
            MinifyError::InvalidOutput { .. } => Code::MinifyInvalidOutput,
            MinifyError::TooDeep { .. } => Code::MinifyTooDeep,
            MinifyError::Internal { .. } => Code::MinifyInternal,
            MinifyError::BadOption { .. } => Code::MinifyBadOption,
        }
    }

    /// The file concerned, when there is one.
    pub fn path(&self) -> Option<&str> {
        match self {
            MinifyError::Parse { path, .. }
            | MinifyError::Map { path, .. }
            | MinifyError::InvalidOutput { path, .. }
            | MinifyError::TooDeep { path, .. }
            | MinifyError::Internal { path, .. } => Some(path),
            MinifyError::BadOption { .. } => None,
        }
    }

    /// 1-based line and column in the file, when the error has a position.
    pub fn position(&self) -> Option<(usize, usize)> {
        match self {
            MinifyError::Parse { line, column, .. }
            | MinifyError::InvalidOutput { line, column, .. }
            | MinifyError::TooDeep { line, column, .. } => Some((*line, *column)),
            _ => None,
        }
    }

    /// The message without the path and position, for a diagnostic that carries them apart.
    pub fn message(&self) -> String {
        match self {
            MinifyError::Parse { message, .. } => format!("does not parse: {message}"),
            MinifyError::Map { message, .. } => format!("input source map: {message}"),
            MinifyError::InvalidOutput {
                minifier, message, ..
            } => format!("{minifier} output does not parse again: {message}"),
            MinifyError::TooDeep { depth, limit, .. } => {
                format!("brackets nest {depth} deep, more than the {limit} minifiers are run on")
            }
            MinifyError::Internal {
                minifier, message, ..
            } => format!("{minifier} failed internally: {message}"),
            MinifyError::BadOption { .. } => self.to_string(),
        }
    }

    /// The diagnostic a stage reports, with path and position filled in.
    pub fn to_diagnostic(&self) -> distill_graph::Diagnostic {
        let mut d = distill_graph::Diagnostic::warning(self.code(), self.message());
        if let Some(path) = self.path() {
            d = d.at(path);
        }
        if let Some((line, column)) = self.position() {
            d = d.at_position(line, column);
        }
        d.hint(match self {
            MinifyError::Parse { .. } | MinifyError::TooDeep { .. } => {
                "the file was kept as it was"
            }
            MinifyError::Map { .. } => {
                "the file was kept as it was; rebuild to regenerate its source map"
            }
            MinifyError::InvalidOutput { .. } | MinifyError::Internal { .. } => {
                "the file was kept as it was; try another `--js-minifier`"
            }
            MinifyError::BadOption { .. } => {
                "check the `browserslist` config, `--css-targets` and `--pure-funcs`"
            }
        })
    }
}

/// 1-based line and character column of byte `offset` in `text` (clamped to its end).
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_column_is_one_based_and_counts_characters() {
        assert_eq!(line_column("abc", 0), (1, 1));
        assert_eq!(line_column("a\nbc", 3), (2, 2));
        assert_eq!(line_column("é\nxé!", 6), (2, 3));
        assert_eq!(line_column("ab", 99), (1, 3));
        // An offset inside a multi-byte character counts as that character.
        assert_eq!(line_column("é", 1), (1, 1));
    }
}

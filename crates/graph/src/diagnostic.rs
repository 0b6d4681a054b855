//! Diagnostics with stable codes. Every code a user can see is registered in [`Code`], so they
//! can grep for it, suppress it and rely on it across versions.

use crate::printable;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, )*) => {
        /// The registry of diagnostic codes. Never rename one: users match on the string.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $( $(#[$doc])* $variant, )* }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            pub fn parse(s: &str) -> Option<Code> {
                match s { $($code => Some(Code::$variant),)* _ => None }
            }
        }
    };
}

codes! {
    /// The build folder does not exist or is not a folder.
    InputNotFound = "input/not-found",
    /// The build folder holds no file that can be analyzed.
    InputEmpty = "input/empty",
    /// No known framework layout was recognised; the folder is analyzed as plain assets.
    InputUnknownLayout = "input/unknown-layout",
    /// A manifest (Vite or Next.js) is not valid JSON or not of the expected shape.
    InputBadManifest = "input/bad-manifest",
    /// A manifest, HTML tag or source-map link points outside the build folder.
    InputPathOutside = "input/path-outside",
    /// A manifest or HTML file names a file that is not in the build.
    InputMissingFile = "input/missing-file",
    /// A symbolic link leads back into a folder being walked.
    InputSymlinkLoop = "input/symlink-loop",
    /// A symbolic link points outside the build folder and was not followed.
    InputSymlinkOutside = "input/symlink-outside",
    /// A file or folder could not be read.
    InputUnreadable = "input/unreadable",
    /// A file name is not valid UTF-8 and cannot be reported or budgeted reliably.
    InputNonUtf8Name = "input/non-utf8-name",
    /// A path in the build is a FIFO, socket, device or folder where a file is expected.
    InputNotAFile = "input/not-a-file",
    /// A precompressed copy (`x.js.br`) whose original is not in the build.
    InputOrphanSibling = "input/orphan-sibling",
    /// A precompressed copy that does not decode to its original: the server sends stale bytes.
    InputStaleSibling = "input/stale-sibling",
    /// A temporary file left by an interrupted distill run.
    InputLeftover = "input/leftover",
    /// A route or entry whose first-load files could not be determined.
    InputUnresolvedRoute = "input/unresolved-route",
    /// A compressed size could not be computed or did not decode back to the file.
    AnalyzeCompressFailed = "analyze/compress-failed",
    /// A budget's `max`, `min` or `growth.max` is exceeded (exit 1).
    BudgetExceeded = "budget/exceeded",
    /// A budget's `warn` or `growth.warn` level is exceeded.
    BudgetWarning = "budget/warning",
    /// A budget selects no file: reported, never silently passed.
    BudgetEmpty = "budget/empty",
    /// The budgets file is malformed or cannot be evaluated (exit 2).
    BudgetConfig = "budget/config",
    /// The baseline report cannot be read, is of another schema version, or lacks the sizes a
    /// growth budget compares (an encoding it was not measured in) (exit 2).
    BudgetBaseline = "budget/baseline",
    /// A budget selects a file whose size in its encoding is unknown (the file could not be
    /// read, its name is not UTF-8, or it could not be compressed), or sizes that add up past
    /// 2^64 bytes: the budget is not decided without them (exit 2, fails closed).
    BudgetUnmeasured = "budget/unmeasured",
    /// A source map is not JSON, not version 3, has bad VLQ or lacks `sources`/`mappings`; the
    /// file is attributed as `(unmapped)`.
    MapMalformed = "map/malformed",
    /// A source map's mappings name a source or name index it does not have.
    MapOutOfRange = "map/out-of-range",
    /// A source map describes another file: its `file` differs, or its mappings go past the
    /// file's lines or line ends.
    MapMismatch = "map/mismatch",
    /// A file's source map is on another server (`https://…`); it is never fetched, so the file
    /// is `(unmapped)`.
    MapRemote = "map/remote",
    /// A source map is larger than the limit attribution reads; the file is `(unmapped)`.
    MapTooLarge = "map/too-large",
    /// A precompressed copy could not be made, or did not decode to its file: not written.
    OptimizeCompressFailed = "optimize/compress-failed",
    /// A file of the optimized build could not be written; the original is left as it was.
    OptimizeWriteFailed = "optimize/write-failed",
    /// `optimize` refused to start: `--out` inside the input, a non-empty `--out` without
    /// `--force`, neither `--out` nor `--in-place` (exit 2).
    OptimizeRefused = "optimize/refused",
    /// Next.js resizes and re-encodes images shown through `next/image` at request time; the
    /// images stage optimizes the files `public/` serves as they are.
    OptimizeNextImage = "optimize/next-image",
    /// A report or output file could not be written (exit 2).
    OutputWriteFailed = "output/write-failed",
    /// An output path was refused before anything ran: a file of the build being read, a path
    /// two outputs share, a folder, or a symbolic link to nothing (exit 2).
    OutputRefused = "output/refused",
    /// An image is truncated, fails a checksum or cannot be decoded; it is kept as it is.
    ImageDecodeFailed = "image/decode-failed",
    /// An image's header claims more pixels, or the file has more bytes, than the limit allows
    /// (a decompression bomb is refused before decoding); it is kept as it is.
    ImageTooLarge = "image/too-large",
    /// A file's bytes are not the format its extension names (a `.png` that is really HTML).
    ImageWrongFormat = "image/wrong-format",
    /// An animated PNG or GIF: kept as it is.
    ImageAnimated = "image/animated",
    /// An SVG with scripts, event handlers, `<foreignObject>` or external references: kept as it
    /// is, never rendered with those parts.
    ImageUnsafeSvg = "image/unsafe-svg",
    /// A variant the optimizer does not rewrite (arithmetic-coded or 12-bit JPEG, GIF, WebP, AVIF).
    ImageUnsupported = "image/unsupported",
    /// An optimized image did not decode to the same pixels; the original is kept.
    ImageVerifyFailed = "image/verify-failed",
    /// A lossy JPEG re-encode was below the perceptual threshold or not smaller; not used.
    ImageLossyRejected = "image/lossy-rejected",
    /// A WebP or AVIF sibling could not be produced or verified.
    ImageSiblingFailed = "image/sibling-failed",
    /// A chunk over the split limit does not parse as an ES module; it is kept whole.
    SplitParseError = "split/parse-error",
    /// A chunk over the split limit has no usable source map, so its module boundaries are
    /// unknown; it is kept whole.
    SplitNoMap = "split/no-map",
    /// A chunk over the split limit has no cut that provably keeps behaviour (top-level
    /// `await`, `eval`, `with`, a static import cycle, or bindings that cross every module
    /// boundary); it is kept whole and the reason is reported.
    SplitUnsafe = "split/unsafe",
    /// A JS or CSS file does not parse (a syntax error, or not JS/CSS at all); it is kept as it was.
    MinifyParseError = "minify/parse-error",
    /// A minifier's output did not parse again; the file is kept as it was.
    MinifyInvalidOutput = "minify/invalid-output",
    /// Brackets nest deeper than the minifiers are run on; the file is kept as it was.
    MinifyTooDeep = "minify/too-deep",
    /// A minifier failed internally on a file; the file is kept as it was.
    MinifyInternal = "minify/internal-error",
    /// A minify option cannot be used: a browserslist query (from the project or
    /// `--css-targets`) that does not resolve, a `--pure-funcs` entry that is not a name.
    MinifyBadOption = "minify/bad-option",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Code, D::Error> {
        let s = String::deserialize(d)?;
        Code::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown code `{s}`")))
    }
}

/// Something a user should know about the input or the run: what happened, to which file,
/// and what to do next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    /// The file concerned, relative to the build folder when inside it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(code: Code, severity: Severity, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity,
            path: None,
            line: None,
            column: None,
            message: message.into(),
            hint: None,
        }
    }

    pub fn error(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Severity::Error, message)
    }

    pub fn warning(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Severity::Warning, message)
    }

    pub fn info(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Severity::Info, message)
    }

    pub fn at(mut self, path: impl Into<String>) -> Diagnostic {
        self.path = Some(path.into());
        self
    }

    pub fn at_position(mut self, line: usize, column: usize) -> Diagnostic {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    /// `error[input/bad-manifest]: .vite/manifest.json:3:7: expected `,` or `}`` then a hint line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, "{level}[{}]: ", self.code)?;
        if let Some(path) = &self.path {
            f.write_str(&printable(path))?;
            if let (Some(line), Some(column)) = (self.line, self.column) {
                write!(f, ":{line}:{column}")?;
            }
            f.write_str(": ")?;
        }
        f.write_str(&printable(&self.message))?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {}", printable(hint))?;
        }
        Ok(())
    }
}

/// At most `per_code` diagnostics of each code, in their order, and for each code with more, one
/// last diagnostic saying how many were left out: one broken manifest naming a million missing
/// files is a report, not a million lines.
pub fn cap(diagnostics: Vec<Diagnostic>, per_code: usize) -> Vec<Diagnostic> {
    let mut seen: std::collections::BTreeMap<Code, (usize, Severity)> = Default::default();
    let mut out = Vec::with_capacity(diagnostics.len().min(per_code * 8));
    for d in diagnostics {
        let entry = seen.entry(d.code).or_insert((0, d.severity));
        entry.0 += 1;
        entry.1 = entry.1.max(d.severity);
        if entry.0 <= per_code {
            out.push(d);
        }
    }
    for (code, (n, severity)) in seen {
        if n > per_code {
            out.push(Diagnostic::new(
                code,
                severity,
                format!("{} more {code} diagnostics not shown", n - per_code),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "duplicate {code}");
            assert_eq!(Code::parse(code.as_str()), Some(*code));
            assert!(code.as_str().contains('/'), "{code} has no stage prefix");
        }
    }

    #[test]
    fn floods_are_capped_per_code() {
        let mut many: Vec<Diagnostic> = (0..1000)
            .map(|i| Diagnostic::warning(Code::InputMissingFile, format!("missing {i}")))
            .collect();
        many.push(Diagnostic::error(Code::InputBadManifest, "bad"));
        let capped = cap(many, 3);
        assert_eq!(capped.len(), 5, "{capped:?}");
        assert_eq!(capped[3].code, Code::InputBadManifest);
        assert_eq!(
            capped[4].message,
            "997 more input/missing-file diagnostics not shown"
        );
        assert_eq!(capped[4].severity, Severity::Warning);
    }

    #[test]
    fn display_names_path_position_and_hint() {
        let d = Diagnostic::error(Code::InputBadManifest, "expected `,`")
            .at(".vite/manifest.json")
            .at_position(3, 7)
            .hint("rebuild with `build.manifest: true`");
        assert_eq!(
            d.to_string(),
            "error[input/bad-manifest]: .vite/manifest.json:3:7: expected `,`\n  hint: rebuild with `build.manifest: true`"
        );
        let json = serde_json::to_string(&d).unwrap();
        assert!(json.contains(r#""code":"input/bad-manifest""#), "{json}");
    }
}

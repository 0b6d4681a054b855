//! CSS through lightningcss: parse without error recovery (a rule it cannot read is an error,
//! never silently dropped), minify for the browser targets, print without whitespace.

use crate::CssOptions;
use crate::error::MinifyError;
use crate::js_oxc::Output;
use crate::sourcemap::{GenToken, Generated};
use lightningcss::printer::PrinterOptions;
use lightningcss::stylesheet::{MinifyOptions, ParserOptions, StyleSheet};
use lightningcss::targets::Targets as CssTargets;
use parcel_sourcemap::SourceMap as ParcelMap;

fn parse_error(path: &str, e: &lightningcss::error::Error<impl std::fmt::Display>) -> MinifyError {
    // lightningcss counts lines from 0 and columns from 1.
    let (line, column) = e
        .loc
        .as_ref()
        .map_or((1, 1), |l| (l.line as usize + 1, l.column.max(1) as usize));
    MinifyError::Parse {
        path: path.to_owned(),
        line,
        column,
        message: e.kind.to_string(),
    }
}

fn options<'i>(path: &str) -> ParserOptions<'i> {
    ParserOptions {
        filename: path.to_owned(),
        error_recovery: false,
        ..ParserOptions::default()
    }
}

/// Whether `code` parses as a style sheet; the error's position when it does not.
pub(crate) fn check_parses(path: &str, code: &str) -> Result<(), MinifyError> {
    StyleSheet::parse(code, options(path))
        .map(drop)
        .map_err(|e| parse_error(path, &e))
}

pub(crate) fn minify(
    path: &str,
    code: &str,
    opts: &CssOptions,
    want_map: bool,
) -> Result<Output, MinifyError> {
    let targets = CssTargets {
        browsers: opts.targets.css,
        ..CssTargets::default()
    };
    let mut sheet = StyleSheet::parse(code, options(path)).map_err(|e| parse_error(path, &e))?;
    sheet
        .minify(MinifyOptions {
            targets,
            ..MinifyOptions::default()
        })
        .map_err(|e| parse_error(path, &e))?;
    let mut map = want_map.then(|| ParcelMap::new("/"));
    let printed = sheet
        .to_css(PrinterOptions {
            minify: true,
            source_map: map.as_mut(),
            targets,
            ..PrinterOptions::default()
        })
        .map_err(|e| MinifyError::Internal {
            path: path.to_owned(),
            minifier: "lightningcss",
            message: e.to_string(),
        })?;
    let code = printed.code;
    let generated = map.map(|m| generated(&m, &code));
    Ok(Output {
        code,
        map: generated,
    })
}

/// The printer's mappings, with generated columns turned from bytes (what lightningcss
/// counts) into UTF-16 code units (what source maps count).
fn generated(map: &ParcelMap, code: &str) -> Generated {
    let lines: Vec<&str> = code.split('\n').collect();
    let names = map.get_names().clone();
    let tokens = map
        .get_mappings()
        .into_iter()
        .map(|m| {
            let line = lines.get(m.generated_line as usize).copied().unwrap_or("");
            let byte = (m.generated_column as usize).min(line.len());
            let dst_col = if line.is_ascii() {
                m.generated_column
            } else {
                let head = line.get(..byte).unwrap_or(line);
                u32::try_from(head.encode_utf16().count()).unwrap_or(u32::MAX)
            };
            GenToken {
                dst_line: m.generated_line,
                dst_col,
                src: m.original.map(|o| (o.original_line, o.original_column)),
                name: m.original.and_then(|o| o.name),
            }
        })
        .collect();
    Generated { names, tokens }
}

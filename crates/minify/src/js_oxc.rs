//! JavaScript through oxc: parse, compress + mangle, print without whitespace, keeping legal
//! comments; and the parse checks every minifier's output goes through.

use crate::error::{MinifyError, line_column};
use crate::sourcemap::{GenToken, Generated};
use crate::syntax::Features;
use crate::{JsOptions, ScriptKind};
use oxc::allocator::Allocator;
use oxc::codegen::{Codegen, CodegenOptions, CommentOptions, LegalComment};
use oxc::minifier::{
    CompressOptions, MangleOptions, MangleOptionsKeepNames, Minifier, MinifierOptions,
    TreeShakeOptions,
};
use oxc::parser::{Parser, ParserReturn};
use oxc::span::{GetSpan, SourceType};

/// What one minifier produced, before the build's map is composed onto its map.
pub(crate) struct Output {
    pub code: String,
    pub map: Option<Generated>,
}

fn source_type(kind: ScriptKind) -> SourceType {
    match kind {
        ScriptKind::Module => SourceType::mjs(),
        ScriptKind::Script => SourceType::script(),
    }
}

fn parse<'a>(alloc: &'a Allocator, code: &'a str, source_type: SourceType) -> ParserReturn<'a> {
    // Plain JavaScript: built files are never TypeScript or JSX, so a stray `<` is an error.
    Parser::new(alloc, code, source_type).parse()
}

/// The first error of a parse, as (byte offset, message); `None` when it parsed cleanly.
fn first_error(ret: &ParserReturn<'_>) -> Option<(usize, String)> {
    let d = ret.diagnostics.errors().next();
    if d.is_none() && !ret.panicked {
        // oxc accepts `import`/`export` in a script; a browser does not.
        if ret.program.source_type.is_script() && ret.module_record.has_module_syntax {
            let offset = ret
                .program
                .body
                .iter()
                .find_map(|s| s.as_module_declaration())
                .map_or(0, |d| d.span().start as usize);
            return Some((offset, "import and export are only valid in an ES module, and this file is loaded as a classic script".to_owned()));
        }
        return None;
    }
    let offset = d
        .and_then(|d| d.labels.first().map(|l| l.offset() as usize))
        .unwrap_or(0);
    let message = d.map_or_else(
        || "the parser gave up".to_owned(),
        |d| d.message.to_string(),
    );
    Some((offset, message))
}

/// The post-ES5 syntax `code` uses when it parses as `kind`; the error's 1-based line, column
/// and message when it does not.
pub(crate) fn parse_features(
    code: &str,
    kind: ScriptKind,
) -> Result<Features, (usize, usize, String)> {
    let alloc = Allocator::default();
    let ret = parse(&alloc, code, source_type(kind));
    match first_error(&ret) {
        None => Ok(Features::of(&ret.program)),
        Some((offset, message)) => {
            let (line, column) = line_column(code, offset);
            Err((line, column, message))
        }
    }
}

/// ES module when the code has `import`/`export` syntax (or `import.meta`), else a classic
/// script; a file that parses as neither counts as a script, the kind that renames nothing
/// global.
pub(crate) fn detect_kind(code: &str) -> ScriptKind {
    let alloc = Allocator::default();
    let ret = parse(&alloc, code, SourceType::unambiguous());
    if first_error(&ret).is_none() && ret.program.source_type.is_module() {
        ScriptKind::Module
    } else {
        ScriptKind::Script
    }
}

/// Minifies `code`; also returns the post-ES5 syntax the input uses, from the same parse.
pub(crate) fn minify(
    path: &str,
    code: &str,
    kind: ScriptKind,
    opts: &JsOptions,
    want_map: bool,
) -> Result<(Output, Features), MinifyError> {
    let alloc = Allocator::default();
    let ret = parse(&alloc, code, source_type(kind));
    if let Some((offset, message)) = first_error(&ret) {
        let (line, column) = line_column(code, offset);
        return Err(MinifyError::Parse {
            path: path.to_owned(),
            line,
            column,
            message,
        });
    }
    let mut program = ret.program;
    let features = Features::of(&program);

    let compress = CompressOptions {
        target: opts.targets.js.clone(),
        drop_console: opts.drop_console,
        drop_debugger: opts.drop_debugger,
        treeshake: TreeShakeOptions {
            manual_pure_functions: opts.pure_funcs.clone(),
            ..TreeShakeOptions::default()
        },
        ..CompressOptions::smallest()
    };
    let mangle = MangleOptions {
        // A classic script's top-level names are globals other scripts read and write.
        top_level: Some(kind == ScriptKind::Module),
        keep_names: MangleOptionsKeepNames::all_false(),
        reserved: crate::RESERVED.iter().map(|&n| n.into()).collect(),
        ..MangleOptions::default()
    };
    let minified = Minifier::new(MinifierOptions {
        mangle: Some(mangle),
        mangle_properties: None,
        compress: Some(compress),
    })
    .minify(&alloc, &mut program);

    let printed = Codegen::new()
        .with_options(CodegenOptions {
            minify: true,
            comments: CommentOptions {
                normal: false,
                jsdoc: false,
                annotation: false,
                legal: LegalComment::Inline,
            },
            source_map_path: want_map.then(|| path.into()),
            ..CodegenOptions::default()
        })
        .with_scoping(minified.scoping)
        .with_private_member_mappings(minified.class_private_mappings)
        .build(&program);

    let map = printed.map.map(|m| Generated {
        names: m.get_names().map(str::to_owned).collect(),
        tokens: m
            .get_tokens()
            .map(|t| GenToken {
                dst_line: t.get_dst_line(),
                dst_col: t.get_dst_col(),
                src: t
                    .get_source_id()
                    .map(|_| (t.get_src_line(), t.get_src_col())),
                name: t.get_name_id(),
            })
            .collect(),
    });
    Ok((
        Output {
            code: printed.code,
            map,
        },
        features,
    ))
}

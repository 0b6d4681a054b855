//! JavaScript through swc: parse, resolve scopes, compress + mangle with terser-compatible
//! options, fix parentheses, print without whitespace, keeping legal comments.

use crate::error::{MinifyError, line_column};
use crate::js_oxc::Output;
use crate::sourcemap::{GenToken, Generated};
use crate::{JsOptions, ScriptKind};
use std::collections::HashMap;
use swc_core::common::comments::{Comment, CommentKind, SingleThreadedComments};
use swc_core::common::source_map::SourceMapGenConfig;
use swc_core::common::sync::Lrc;
use swc_core::common::{
    BytePos, FileName, GLOBALS, Globals, LineCol, Mark, SourceMap as SwcSourceMap, Spanned,
};
use swc_core::ecma::ast::{Ident, Program};
use swc_core::ecma::codegen::text_writer::{JsWriter, omit_trailing_semi};
use swc_core::ecma::codegen::{Config, Emitter};
use swc_core::ecma::minifier::optimize;
use swc_core::ecma::minifier::option::terser::{TerserCompressorOptions, TerserTopLevelOptions};
use swc_core::ecma::minifier::option::{ExtraOptions, MangleOptions, MinifyOptions};
use swc_core::ecma::parser::{EsSyntax, Parser, StringInput, Syntax};
use swc_core::ecma::transforms::base::fixer::{fixer, paren_remover};
use swc_core::ecma::transforms::base::resolver;
use swc_core::ecma::visit::{Visit, VisitWith};

pub(crate) fn minify(
    path: &str,
    code: &str,
    kind: ScriptKind,
    opts: &JsOptions,
    want_map: bool,
) -> Result<Output, MinifyError> {
    // swc keeps marks and interned names in scoped thread-locals.
    GLOBALS.set(&Globals::new(), || run(path, code, kind, opts, want_map))
}

fn run(
    path: &str,
    code: &str,
    kind: ScriptKind,
    opts: &JsOptions,
    want_map: bool,
) -> Result<Output, MinifyError> {
    let internal = |message: String| MinifyError::Internal {
        path: path.to_owned(),
        minifier: "swc",
        message,
    };
    let cm: Lrc<SwcSourceMap> = Lrc::default();
    let fm = cm.new_source_file(Lrc::new(FileName::Custom(path.to_owned())), code.to_owned());
    let comments = SingleThreadedComments::default();
    let module = kind == ScriptKind::Module;

    let mut parser = Parser::new(
        Syntax::Es(EsSyntax::default()),
        StringInput::from(&*fm),
        Some(&comments),
    );
    let parsed = if module {
        parser.parse_module().map(Program::Module)
    } else {
        parser.parse_script().map(Program::Script)
    };
    // Recovered errors count too: the output of a program swc had to guess at is not proof.
    let parsed = parsed.and_then(|program| match parser.take_errors().into_iter().next() {
        Some(e) => Err(e),
        None => Ok(program),
    });
    let mut program = match parsed {
        Ok(program) => program,
        Err(e) => {
            let offset = e.span().lo.0.saturating_sub(fm.start_pos.0) as usize;
            let (line, column) = line_column(code, offset);
            return Err(MinifyError::Parse {
                path: path.to_owned(),
                line,
                column,
                message: e.kind().msg().into_owned(),
            });
        }
    };
    // swc keeps a comment only while the node it is attached to survives; legal comments of
    // inlined or dropped code are appended at the end (as esbuild's `legalComments: eof`), where
    // they shift no mapping.
    let legal: Vec<Comment> = {
        let (leading, trailing) = comments.borrow_all();
        let mut all: Vec<Comment> = leading
            .values()
            .chain(trailing.values())
            .flatten()
            .filter(|c| is_legal(c))
            .cloned()
            .collect();
        all.sort_by_key(|c| c.span.lo);
        all.dedup_by(|a, b| a.span == b.span);
        all
    };

    // Identifier names by position, for the map's `names` (what each mangled name was called).
    let names = if want_map {
        let mut collector = NameCollector::default();
        program.visit_with(&mut collector);
        collector.names
    } else {
        HashMap::new()
    };

    let unresolved_mark = Mark::new();
    let top_level_mark = Mark::new();
    // Parentheses as written hide shapes the compressor looks for (`(function(){…})()`).
    program.mutate(paren_remover(Some(&comments)));
    program.mutate(resolver(unresolved_mark, top_level_mark, false));

    let defaults = TerserCompressorOptions::default();
    let terser = TerserCompressorOptions {
        drop_console: opts.drop_console,
        drop_debugger: Some(opts.drop_debugger),
        pure_funcs: opts.pure_funcs.clone(),
        passes: if opts.passes > 0 {
            usize::from(opts.passes)
        } else {
            defaults.passes
        },
        module,
        // A classic script's top-level names are globals other scripts read and write.
        toplevel: Some(TerserTopLevelOptions::Bool(module)),
        ..defaults
    };
    let mut compress = terser.into_config(cm.clone());
    compress.ecma = opts.targets.ecma;
    let options = MinifyOptions {
        compress: Some(compress),
        mangle: Some(MangleOptions {
            top_level: Some(module),
            reserved: crate::RESERVED.iter().map(|&n| n.into()).collect(),
            ..MangleOptions::default()
        }),
        ..MinifyOptions::default()
    };
    let program = optimize(
        program,
        cm.clone(),
        Some(&comments),
        None,
        &options,
        &ExtraOptions {
            unresolved_mark,
            top_level_mark,
            mangle_name_cache: None,
        },
    );
    let program = program.apply(fixer(Some(&comments)));

    {
        let (mut leading, mut trailing) = comments.borrow_all_mut();
        leading.values_mut().for_each(|c| c.retain(is_legal));
        trailing.values_mut().for_each(|c| c.retain(is_legal));
    }

    let mut buf = Vec::with_capacity(code.len() / 2);
    let mut mappings: Vec<(BytePos, LineCol)> = Vec::new();
    {
        let writer = JsWriter::new(
            cm.clone(),
            "\n",
            &mut buf,
            want_map.then_some(&mut mappings),
        );
        let mut emitter = Emitter {
            cfg: Config::default()
                .with_minify(true)
                .with_omit_last_semi(true)
                .with_target(opts.targets.ecma),
            cm: cm.clone(),
            comments: Some(&comments),
            wr: omit_trailing_semi(writer),
        };
        emitter
            .emit_program(&program)
            .map_err(|e| internal(format!("printing failed: {e}")))?;
    }
    let mut code =
        String::from_utf8(buf).map_err(|e| internal(format!("printed invalid UTF-8: {e}")))?;
    for c in &legal {
        if !code.contains(&*c.text) {
            match c.kind {
                CommentKind::Block => {
                    code.push_str("\n/*");
                    code.push_str(&c.text);
                    code.push_str("*/");
                }
                CommentKind::Line => {
                    code.push_str("\n//");
                    code.push_str(&c.text);
                }
            }
        }
    }

    let map = want_map.then(|| {
        let built = cm.build_source_map(
            &mappings,
            None,
            MapConfig {
                path,
                names: &names,
            },
        );
        let mut generated = Generated::default();
        let mut name_ids: HashMap<String, u32> = HashMap::new();
        for t in built.tokens() {
            let name = t.get_name().map(|n| {
                let n: &str = n;
                *name_ids.entry(n.to_owned()).or_insert_with(|| {
                    generated.names.push(n.to_owned());
                    u32::try_from(generated.names.len() - 1).unwrap_or(u32::MAX)
                })
            });
            generated.tokens.push(GenToken {
                dst_line: t.get_dst_line(),
                dst_col: t.get_dst_col(),
                src: t.has_source().then(|| (t.get_src_line(), t.get_src_col())),
                name,
            });
        }
        generated
    });
    Ok(Output { code, map })
}

/// `/*! … */`, `//! …`, and comments naming `@license` or `@preserve`: what minifiers keep.
pub(crate) fn is_legal(c: &Comment) -> bool {
    c.text.starts_with('!') || c.text.contains("@license") || c.text.contains("@preserve")
}

#[derive(Default)]
struct NameCollector {
    names: HashMap<BytePos, String>,
}

impl Visit for NameCollector {
    fn visit_ident(&mut self, ident: &Ident) {
        self.names.insert(ident.span.lo, ident.sym.to_string());
    }
}

struct MapConfig<'a> {
    path: &'a str,
    names: &'a HashMap<BytePos, String>,
}

impl SourceMapGenConfig for MapConfig<'_> {
    fn file_name_to_source(&self, _: &FileName) -> String {
        self.path.to_owned()
    }

    fn name_for_bytepos(&self, pos: BytePos) -> Option<&str> {
        self.names.get(&pos).map(String::as_str)
    }

    fn inline_sources_content(&self, _: &FileName) -> bool {
        false
    }
}

//! What a chunk's top-level statements declare, read and write, found with oxc's parser and
//! semantic analysis, and what would make moving a statement unsafe.

#![allow(
    clippy::indexing_slicing,
    reason = "statement indices come from enumerating the same statement list"
)]

use oxc::allocator::Allocator;
use oxc::ast::AstKind;
use oxc::ast::ast::{Expression, Statement};
use oxc::parser::Parser;
use oxc::semantic::SemanticBuilder;
use oxc::span::{GetSpan, SourceType};
use std::ops::Range;

/// What a top-level statement is to the splitter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Role {
    /// `import …` or `export … from`: a module request, evaluated before the body and kept in
    /// the remaining chunk (parts copy the `import`s whose bindings they use).
    Request,
    /// Code of the body that may move, in order, into a part.
    Movable,
    /// Code that must stay: an export statement, or a statement using `import.meta` or
    /// `import()` of a computed specifier. The text says which.
    Fixed(&'static str),
}

#[derive(Debug, Clone)]
pub(crate) struct Stmt {
    /// The statement's bytes.
    pub span: Range<usize>,
    pub role: Role,
    /// For a module request: its specifier, and whether it is an `import` declaration (whose
    /// text a part may copy) rather than an `export … from`.
    pub request: Option<(String, bool)>,
    /// A declaration whose evaluation has no effect but to create its bindings: a function
    /// declaration, or variables initialized with functions, literals or nothing. Code may
    /// move ahead of it when it uses none of its bindings.
    pub pure: bool,
}

/// A top-level binding.
#[derive(Debug, Clone)]
pub(crate) struct Symbol {
    pub name: String,
    /// The statement declaring it (the first, when it is declared more than once).
    pub stmt: usize,
    /// Statements reading it, other than its own.
    pub readers: Vec<usize>,
    /// Statements assigning it or declaring it again, other than its own.
    pub writers: Vec<usize>,
}

#[derive(Debug)]
pub(crate) struct Analysis {
    pub stmts: Vec<Stmt>,
    pub symbols: Vec<Symbol>,
    /// Where a trailing `//# sourceMappingURL=` comment starts (a real comment, found by the
    /// parser, with only whitespace after it).
    pub map_comment: Option<usize>,
    /// Where statements may start: after a `#!` line, which stays first in the chunk.
    pub body_start: usize,
}

/// Why a whole chunk cannot be split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// It does not parse as an ES module.
    Parse {
        line: u32,
        column: u32,
        message: String,
    },
    /// No `import` or `export`: a classic script (or a worker) cannot import its parts.
    NotModule,
    /// Top-level `await`: its evaluation is asynchronous and importers wait on it.
    TopLevelAwait,
    /// `eval` can reach any binding by name.
    Eval,
    /// `with` changes what names mean at run time.
    With,
    /// It has no source map, or the map is unusable: module boundaries are unknown.
    NoMap(String),
    /// Every cut between modules would move a statement ahead of a binding it uses, or
    /// let code that stays assign a binding that moved; the first blocked cut says why.
    NoSafeCut(String),
    /// It is within the size limit and has no vendor code to move.
    Small,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Parse {
                line,
                column,
                message,
            } => write!(
                f,
                "does not parse as an ES module at {line}:{column}: {message}"
            ),
            Refusal::NotModule => f.write_str(
                "not an ES module (no import or export): a classic script cannot import its parts",
            ),
            Refusal::TopLevelAwait => f.write_str(
                "uses top-level await (its importers wait on it: moving code would change when)",
            ),
            Refusal::Eval => f.write_str("calls eval, which can reach any binding by name"),
            Refusal::With => f.write_str("uses `with`, which changes what names mean at run time"),
            Refusal::NoMap(why) => write!(f, "module boundaries are unknown: {why}"),
            Refusal::NoSafeCut(why) => write!(f, "no cut is provably safe: {why}"),
            Refusal::Small => f.write_str("within the size limit, with no vendor code to move"),
        }
    }
}

/// The index of the statement containing byte `at`, if any.
fn stmt_at(stmts: &[Stmt], at: usize) -> Option<usize> {
    let i = stmts.partition_point(|s| s.span.start <= at);
    let i = i.checked_sub(1)?;
    stmts.get(i).filter(|s| at < s.span.end).map(|_| i)
}

/// `module`: the chunk is known to be an ES module even without `import` or `export`.
pub(crate) fn analyze(code: &str, module: bool) -> Result<Analysis, Refusal> {
    let alloc = Allocator::default();
    let ret = Parser::new(&alloc, code, SourceType::mjs()).parse();
    let error = ret.diagnostics.errors().next();
    if error.is_some() || ret.panicked {
        let at = error
            .and_then(|d| d.labels.first().map(|l| l.offset() as usize))
            .unwrap_or(0);
        let (line, column) = line_column(code, at);
        return Err(Refusal::Parse {
            line,
            column,
            message: error.map_or_else(
                || "the parser gave up".to_owned(),
                |d| d.message.to_string(),
            ),
        });
    }
    if !module && !ret.module_record.has_module_syntax {
        return Err(Refusal::NotModule);
    }
    let program = &ret.program;
    let map_comment = program.comments.last().and_then(|c| {
        let (start, end) = (c.span.start as usize, c.span.end as usize);
        let text = code.get(start..end)?;
        (c.is_line()
            && (text.starts_with("//# sourceMappingURL=")
                || text.starts_with("//@ sourceMappingURL="))
            && code.get(end..)?.trim().is_empty())
        .then_some(start)
    });
    let mut stmts: Vec<Stmt> = program
        .body
        .iter()
        .map(|s| {
            let span = s.span();
            let role = match s {
                Statement::ImportDeclaration(_)
                | Statement::ExportAllDeclaration(_)
                | Statement::ExportFromDeclaration(_) => Role::Request,
                Statement::ExportNamedDeclaration(_)
                | Statement::ExportDeclaration(_)
                | Statement::ExportDefaultDeclaration(_) => {
                    Role::Fixed("an export statement stays in the chunk")
                }
                _ => Role::Movable,
            };
            Stmt {
                span: span.start as usize..span.end as usize,
                role,
                request: match s {
                    Statement::ImportDeclaration(d) => Some((d.source.value.to_string(), true)),
                    Statement::ExportAllDeclaration(d) => Some((d.source.value.to_string(), false)),
                    Statement::ExportFromDeclaration(d) => {
                        Some((d.source.value.to_string(), false))
                    }
                    _ => None,
                },
                pure: pure_declaration(s),
            }
        })
        .collect();

    let semantic = SemanticBuilder::new()
        .with_build_nodes(true)
        .build(program)
        .semantic;
    let scoping = semantic.scoping();
    let nodes = semantic.nodes();
    if scoping
        .root_unresolved_references()
        .keys()
        .any(|name| name.as_str() == "eval")
    {
        return Err(Refusal::Eval);
    }
    for node in nodes.iter() {
        let kind = node.kind();
        let in_function = || {
            nodes.ancestor_kinds(node.id()).any(|k| {
                matches!(
                    k,
                    AstKind::Function(_)
                        | AstKind::ArrowFunctionExpression(_)
                        | AstKind::StaticBlock(_)
                )
            })
        };
        let fix = |stmts: &mut Vec<Stmt>, why: &'static str| {
            if let Some(i) = stmt_at(stmts, kind.span().start as usize)
                && stmts[i].role == Role::Movable
            {
                stmts[i].role = Role::Fixed(why);
            }
        };
        match kind {
            AstKind::WithStatement(_) => return Err(Refusal::With),
            AstKind::AwaitExpression(_) if !in_function() => return Err(Refusal::TopLevelAwait),
            AstKind::ForOfStatement(f) if f.r#await && !in_function() => {
                return Err(Refusal::TopLevelAwait);
            }
            AstKind::ImportMeta(_) => fix(
                &mut stmts,
                "it uses import.meta, which names the chunk it is in",
            ),
            AstKind::ImportExpression(e) => {
                let literal = match &e.source {
                    Expression::StringLiteral(_) => true,
                    Expression::TemplateLiteral(t) => t.expressions.is_empty(),
                    _ => false,
                };
                if !literal {
                    fix(&mut stmts, "it imports a computed specifier");
                }
            }
            _ => {}
        }
    }

    let root = scoping.root_scope_id();
    let mut symbols = Vec::new();
    let mut bindings: Vec<_> = scoping.get_bindings(root).iter().collect();
    bindings.sort_by_key(|(_, id)| scoping.symbol_span(**id).start);
    for (name, &id) in bindings {
        let Some(stmt) = stmt_at(&stmts, scoping.symbol_span(id).start as usize) else {
            continue;
        };
        let mut readers = Vec::new();
        let mut writers: Vec<usize> = scoping
            .symbol_redeclarations(id)
            .iter()
            .filter_map(|r| stmt_at(&stmts, r.span.start as usize))
            .filter(|&s| s != stmt)
            .collect();
        for r in scoping.get_resolved_references(id) {
            let at = nodes.kind(r.node_id()).span().start as usize;
            let Some(s) = stmt_at(&stmts, at) else {
                continue;
            };
            if s == stmt {
                continue;
            }
            if r.is_write() {
                writers.push(s);
            }
            if r.is_read() || !r.is_write() {
                readers.push(s);
            }
        }
        readers.sort_unstable();
        readers.dedup();
        writers.sort_unstable();
        writers.dedup();
        symbols.push(Symbol {
            name: name.to_string(),
            stmt,
            readers,
            writers,
        });
    }
    Ok(Analysis {
        stmts,
        symbols,
        map_comment,
        // The line break ending a hashbang stays with it: what follows it in the remaining
        // chunk must not join its line (and its comment).
        body_start: program.hashbang.as_ref().map_or(0, |h| {
            let end = h.span.end as usize;
            let after = code.get(end..).unwrap_or("");
            end + if after.starts_with("\r\n") {
                2
            } else {
                after
                    .chars()
                    .next()
                    .filter(|c| matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}'))
                    .map_or(0, char::len_utf8)
            }
        }),
    })
}

/// 1-based line and column (in chars) of byte `at`.
pub(crate) fn line_column(code: &str, at: usize) -> (u32, u32) {
    let at = at.min(code.len());
    let before = code.get(..at).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map_or(before, |i| &before[i + 1..])
        .chars()
        .count()
        + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(col).unwrap_or(u32::MAX),
    )
}

fn pure_expression(e: &Expression) -> bool {
    match e {
        Expression::ArrowFunctionExpression(_)
        | Expression::FunctionExpression(_)
        | Expression::StringLiteral(_)
        | Expression::NumericLiteral(_)
        | Expression::BooleanLiteral(_)
        | Expression::NullLiteral(_) => true,
        Expression::TemplateLiteral(t) => t.expressions.is_empty(),
        _ => false,
    }
}

fn pure_declaration(s: &Statement) -> bool {
    match s {
        Statement::FunctionDeclaration(_) => true,
        Statement::VariableDeclaration(v) => v.declarations.iter().all(|d| {
            d.id.get_binding_identifier().is_some() && d.init.as_ref().is_none_or(pure_expression)
        }),
        _ => false,
    }
}

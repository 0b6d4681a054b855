//! One-line cases on small inputs, run through every minifier. Real chunks are in
//! `tests/`.

use super::*;

const JS_MINIFIERS: [JsMinifier; 2] = [JsMinifier::Oxc, JsMinifier::Swc];

fn opts(minifier: JsMinifier) -> JsOptions {
    JsOptions {
        minifier,
        ..JsOptions::default()
    }
}

fn len(b: &[u8]) -> u64 {
    b.len() as u64
}

#[track_caller]
fn js(code: &str, kind: ScriptKind, opts: &JsOptions) -> String {
    match minify_js("t.js", code, None, kind, opts, &len) {
        Ok(m) => m.code,
        Err(e) => panic!("{}: {e}\n{code}", opts.minifier),
    }
}

#[test]
fn modules_mangle_top_level_names_but_keep_exports() {
    let code = "function computeTotal(items) { let totalSum = 0; for (const item of items) totalSum += item.price; return totalSum; }\nexport { computeTotal as total };\nexport const TAX_RATE = 0.2;\n";
    for m in JS_MINIFIERS {
        let out = js(code, ScriptKind::Module, &opts(m));
        assert!(!out.contains("computeTotal"), "{m}: {out}");
        assert!(!out.contains("totalSum"), "{m}: {out}");
        assert!(
            out.contains("as total") && out.contains("TAX_RATE"),
            "{m}: {out}"
        );
    }
}

#[test]
fn vites_preload_table_keeps_its_name() {
    // analyze finds a lazy chunk's stylesheets, and split tells a lazy route about its new
    // chunks, through this name.
    let code = "const __vite__mapDeps=(i,m=__vite__mapDeps,d=(m.f||(m.f=[\"assets/a.js\",\"assets/a.css\"])))=>i.map(i=>d[i]);\nfunction load(){ return preload(() => import(\"./a.js\"), __vite__mapDeps([0,1])); }\nexport { load };\n";
    for m in JS_MINIFIERS {
        let out = js(code, ScriptKind::Module, &opts(m));
        assert!(out.contains("__vite__mapDeps=("), "{m}: {out}");
        assert!(out.contains("__vite__mapDeps([0,1])"), "{m}: {out}");
    }
}

#[test]
fn scripts_keep_every_top_level_name() {
    // Another script on the page may call `helperUnused` or read `counterValue`.
    let code = "function helperUnused(a) { return a * 2; }\nvar counterValue = 1;\nlet scoped = 2;\nconst configured = { debug: false };\nfunction main() { var localName = counterValue + scoped; return localName; }\n";
    for m in JS_MINIFIERS {
        let out = js(code, ScriptKind::Script, &opts(m));
        for name in [
            "helperUnused",
            "counterValue",
            "scoped",
            "configured",
            "main",
        ] {
            assert!(out.contains(name), "{m} lost {name}: {out}");
        }
        assert!(!out.contains("localName"), "{m}: {out}");
    }
}

#[test]
fn legal_comments_stay_and_others_go() {
    let code = "/*! keep-bang v1.0 | MIT */\n/** @license keep-license */\n// plain comment\n/* another plain */\nexport function f(a) { return a + 1; }\n";
    for m in JS_MINIFIERS {
        let out = js(code, ScriptKind::Module, &opts(m));
        assert!(out.contains("keep-bang v1.0 | MIT"), "{m}: {out}");
        assert!(out.contains("@license keep-license"), "{m}: {out}");
        assert!(!out.contains("plain"), "{m}: {out}");
    }
    // The comment of code that is inlined or dropped stays too.
    let code = "/*! outer-lib v2 | MIT */\nconst helper = (x) => {\n  /*! inner-helper (c) someone */\n  return x * 2;\n};\nexport const y = helper(3);\n";
    for m in JS_MINIFIERS {
        let out = js(code, ScriptKind::Module, &opts(m));
        assert!(out.contains("outer-lib v2 | MIT"), "{m}: {out}");
        assert!(out.contains("inner-helper (c) someone"), "{m}: {out}");
        assert!(
            out.contains('6') || out.contains("3*2") || out.contains("*2"),
            "{m}: {out}"
        );
    }
}

#[test]
fn console_debugger_and_pure_funcs_are_dropped_only_when_asked() {
    let code =
        "export function f(a) { console.log('trace', a); debugger; invariant(a > 0); return a; }\n";
    for m in JS_MINIFIERS {
        let kept = js(code, ScriptKind::Module, &opts(m));
        assert!(
            kept.contains("console.log") && kept.contains("debugger") && kept.contains("invariant"),
            "{m}: {kept}"
        );
        let dropped = js(
            code,
            ScriptKind::Module,
            &JsOptions {
                drop_console: true,
                drop_debugger: true,
                pure_funcs: vec!["invariant".into()],
                ..opts(m)
            },
        );
        assert!(
            !dropped.contains("console")
                && !dropped.contains("debugger")
                && !dropped.contains("invariant"),
            "{m}: {dropped}"
        );
    }
}

#[test]
fn pure_funcs_must_be_names() {
    let o = JsOptions {
        pure_funcs: vec!["a(".into()],
        ..JsOptions::default()
    };
    let e = minify_js("t.js", "a()", None, ScriptKind::Script, &o, &len).unwrap_err();
    assert_eq!(e.code(), distill_graph::Code::MinifyBadOption, "{e}");
}

#[test]
fn old_targets_get_no_new_syntax() {
    let code = "export var f = function (a) { return a === null || a === undefined ? 'none' : a; };\nexport var g = function (o) { return o && o.x; };\n";
    let ie = Targets::from_browserslist(&["ie 11"]).unwrap();
    let modern = js(code, ScriptKind::Module, &opts(JsMinifier::Oxc));
    assert!(modern.contains("??") && modern.contains('`'), "{modern}");
    for m in [JsMinifier::Oxc, JsMinifier::Swc, JsMinifier::Best] {
        let o = JsOptions {
            targets: ie.clone(),
            ..opts(m)
        };
        match minify_js("t.js", code, None, ScriptKind::Module, &o, &len) {
            Ok(out) => {
                for syntax in ["=>", "??", "?.", "`"] {
                    assert!(
                        !out.code.contains(syntax),
                        "{m} emitted {syntax} for IE 11: {}",
                        out.code
                    );
                }
            }
            // oxc prints strings as template literals whatever its targets: refused, never used.
            Err(e) => {
                assert_eq!(
                    e.code(),
                    distill_graph::Code::MinifyInvalidOutput,
                    "{m}: {e}"
                );
                assert!(e.to_string().contains("ES2015TemplateLiterals"), "{e}");
                assert_ne!(m, JsMinifier::Best, "{e}");
            }
        }
    }
}

#[test]
fn syntax_errors_are_typed_with_line_and_column() {
    for m in [JsMinifier::Oxc, JsMinifier::Swc, JsMinifier::Best] {
        let e = minify_js(
            "bad.js",
            "let ok = 1;\nlet x = ;\n",
            None,
            ScriptKind::Module,
            &opts(m),
            &len,
        )
        .unwrap_err();
        assert_eq!(e.code(), distill_graph::Code::MinifyParseError, "{m}: {e}");
        assert_eq!(e.position(), Some((2, 9)), "{m}: {e}");
        assert_eq!(e.path(), Some("bad.js"));
        // HTML served as `.js`.
        let e = minify_js(
            "page.js",
            "<!doctype html>\n<html><body>hi</body></html>\n",
            None,
            ScriptKind::Module,
            &opts(m),
            &len,
        )
        .unwrap_err();
        assert_eq!(e.code(), distill_graph::Code::MinifyParseError, "{m}: {e}");
        assert_eq!(e.position().map(|p| p.0), Some(1), "{m}: {e}");
    }
}

#[test]
fn module_syntax_in_a_script_is_a_parse_error() {
    for m in JS_MINIFIERS {
        let e = minify_js(
            "s.js",
            "var a = 1;\nexport { a };\n",
            None,
            ScriptKind::Script,
            &opts(m),
            &len,
        )
        .unwrap_err();
        assert_eq!(e.position(), Some((2, 1)), "{m}: {e}");
    }
}

#[test]
fn css_minifies_for_targets_and_reports_bad_rules() {
    let code = ".card {\n  color: rgba(0, 0, 0, 0.5);\n  margin: 0px 0px 0px 0px;\n}\n";
    let modern = minify_css("a.css", code, None, &CssOptions::default()).unwrap();
    assert_eq!(modern.code, ".card{color:#00000080;margin:0}");
    assert_eq!(modern.minifier, "lightningcss");
    let ie = CssOptions {
        targets: Targets::from_browserslist(&["ie 11"]).unwrap(),
    };
    assert_eq!(
        minify_css("a.css", code, None, &ie).unwrap().code,
        ".card{color:rgba(0,0,0,.5);margin:0}"
    );

    let e = minify_css(
        "bad.css",
        ".a { color: red; }\n.b { color: red; \n",
        None,
        &CssOptions::default(),
    );
    // An unclosed block at the end is legal CSS (the parser closes it); a broken selector is not.
    assert!(e.is_ok(), "{e:?}");
    let e = minify_css(
        "bad.css",
        ".a { color: red; }\n..b { color: red; }\n",
        None,
        &CssOptions::default(),
    )
    .unwrap_err();
    assert_eq!(e.code(), distill_graph::Code::MinifyParseError, "{e}");
    assert_eq!(e.position().map(|p| p.0), Some(2), "{e}");
}

#[test]
fn link_comments_follow_the_map() {
    let code = "export const a = 1 + 2;\n//# sourceMappingURL=a-1234.js.map\n";
    let map = r#"{"version":3,"sources":["src/a.js"],"names":[],"mappings":"AAAA"}"#;
    for m in JS_MINIFIERS {
        let out = minify_js("a.js", code, Some(map), ScriptKind::Module, &opts(m), &len).unwrap();
        let (min, link) = out.code.split_once('\n').unwrap();
        assert!(
            min.starts_with("export") && min.contains('3'),
            "{m}: {}",
            out.code
        );
        assert_eq!(link, "//# sourceMappingURL=a-1234.js.map", "{m}");
        // Without the map there is nothing true to link to.
        let out = js(code, ScriptKind::Module, &opts(m));
        assert!(!out.contains("sourceMappingURL"), "{m}: {out}");
    }
    let css = "a { color: red }\n/*# sourceMappingURL=a.css.map */\n";
    let out = minify_css("a.css", css, Some(map), &CssOptions::default()).unwrap();
    assert_eq!(out.code, "a{color:red}\n/*# sourceMappingURL=a.css.map */");
    let out = minify_css("a.css", css, None, &CssOptions::default()).unwrap();
    assert_eq!(out.code, "a{color:red}");
}

#[test]
fn best_keeps_the_smaller_by_the_callers_measure() {
    let code = "export function f(list) { var out = []; for (var i = 0; i < list.length; i++) { if (list[i] != null) out.push(String(list[i]).trim()); } return out; }\nexport const g = (a, b) => { if (a) { return b; } else { return !b; } };\n";
    let oxc = js(code, ScriptKind::Module, &opts(JsMinifier::Oxc));
    let swc = js(code, ScriptKind::Module, &opts(JsMinifier::Swc));
    assert_ne!(oxc, swc, "the two minifiers should differ on this input");
    for (favoured, expect) in [(&swc, "swc"), (&oxc, "oxc")] {
        let measure = |b: &[u8]| if b == favoured.as_bytes() { 1 } else { 1000 };
        let best = minify_js(
            "t.js",
            code,
            None,
            ScriptKind::Module,
            &opts(JsMinifier::Best),
            &measure,
        )
        .unwrap();
        assert_eq!(best.minifier, expect);
        assert_eq!(&best.code, favoured);
        assert_eq!(best.measured, Some(1));
    }
}

#[test]
fn nesting_within_the_limit_runs_and_beyond_it_is_refused() {
    let depth = MAX_NESTING - 5;
    let arrays = format!(
        "export const a = {}1{};\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let parens = format!(
        "export const b = {}1{};\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let calls = format!(
        "export const c = {}0{};\n",
        "f(".repeat(depth),
        ")".repeat(depth)
    );
    let blocks = format!(
        "export function d() {{ {}x();{} }}\n",
        "if (x) {".repeat(depth),
        "}".repeat(depth)
    );
    let funcs = format!(
        "export const e = {}1{};\n",
        "() => (".repeat(depth / 2),
        ")".repeat(depth / 2)
    );
    let objects = format!(
        "export const o = {}1{};\n",
        "{a:".repeat(depth),
        "}".repeat(depth)
    );
    for code in [&arrays, &parens, &calls, &blocks, &funcs, &objects] {
        for m in JS_MINIFIERS {
            if let Err(e) = minify_js("deep.js", code, None, ScriptKind::Module, &opts(m), &len) {
                panic!("{m} on {}…: {e}", &code[..40]);
            }
        }
    }
    let css_depth = MAX_CSS_NESTING - 1;
    let css = format!(
        "{}a{{color:red}}{}",
        "@media screen{".repeat(css_depth),
        "}".repeat(css_depth)
    );
    minify_css("deep.css", &css, None, &CssOptions::default()).unwrap();
    let css = format!(
        "{}a{{color:red}}{}",
        "@media screen{".repeat(css_depth + 2),
        "}".repeat(css_depth + 2)
    );
    let e = minify_css("deep.css", &css, None, &CssOptions::default()).unwrap_err();
    assert_eq!(e.code(), distill_graph::Code::MinifyTooDeep, "{e}");

    let too_deep = format!(
        "x = {}1{};",
        "[".repeat(MAX_NESTING + 1),
        "]".repeat(MAX_NESTING + 1)
    );
    let e = minify_js(
        "deep.js",
        &too_deep,
        None,
        ScriptKind::Script,
        &opts(JsMinifier::Oxc),
        &len,
    )
    .unwrap_err();
    assert_eq!(e.code(), distill_graph::Code::MinifyTooDeep, "{e}");
    assert_eq!(e.position(), Some((1, MAX_NESTING + 5)));
}

#[test]
fn a_panic_becomes_an_internal_error() {
    let e = on_big_stack::<()>("oxc", "p.js", || panic!("boom")).unwrap_err();
    assert_eq!(e.code(), distill_graph::Code::MinifyInternal);
    assert!(e.to_string().contains("boom"), "{e}");
}

#[test]
fn kind_detection() {
    assert_eq!(
        detect_kind("import a from './a.js'; a();"),
        ScriptKind::Module
    );
    assert_eq!(detect_kind("export default 1"), ScriptKind::Module);
    assert_eq!(
        detect_kind("console.log(import.meta.url)"),
        ScriptKind::Module
    );
    assert_eq!(
        detect_kind("(self.webpackChunk_N_E = self.webpackChunk_N_E || []).push([[1], {}]);"),
        ScriptKind::Script
    );
    assert_eq!(
        detect_kind("(function(){ self.onmessage = function(){}; })();"),
        ScriptKind::Script
    );
    assert_eq!(detect_kind("this is not js"), ScriptKind::Script);
}

#[test]
fn cache_keys_change_with_every_option() {
    let base = JsOptions::default();
    let variants = [
        JsOptions {
            minifier: JsMinifier::Swc,
            ..base.clone()
        },
        JsOptions {
            minifier: JsMinifier::Best,
            ..base.clone()
        },
        JsOptions {
            drop_console: true,
            ..base.clone()
        },
        JsOptions {
            drop_debugger: true,
            ..base.clone()
        },
        JsOptions {
            pure_funcs: vec!["f".into()],
            ..base.clone()
        },
        JsOptions {
            passes: 3,
            ..base.clone()
        },
        JsOptions {
            targets: Targets::from_browserslist(&["ie 11"]).unwrap(),
            ..base.clone()
        },
    ];
    let mut keys = std::collections::HashSet::new();
    keys.insert(base.cache_key(ScriptKind::Module));
    assert!(keys.insert(base.cache_key(ScriptKind::Script)));
    for v in &variants {
        assert!(keys.insert(v.cache_key(ScriptKind::Module)), "{v:?}");
    }
    assert!(base.cache_key(ScriptKind::Module).contains(OXC_VERSION));
    let css = CssOptions::default().cache_key();
    let ie = CssOptions {
        targets: Targets::from_browserslist(&["ie 11"]).unwrap(),
    }
    .cache_key();
    assert_ne!(css, ie);
    assert!(css.contains(LIGHTNINGCSS_VERSION));
}

#[test]
fn tool_versions_match_the_lockfile() {
    let lock =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.lock")).unwrap();
    for (name, version) in [
        ("oxc", OXC_VERSION),
        ("swc_core", SWC_CORE_VERSION),
        ("lightningcss", LIGHTNINGCSS_VERSION),
    ] {
        let entry = format!("name = \"{name}\"\nversion = \"{version}\"\n");
        assert!(lock.contains(&entry), "Cargo.lock has no {name} {version}");
    }
}

#[test]
fn composed_maps_point_at_the_original_through_non_ascii_text() {
    // Built file: one line; `"→ naïve ✓"` before `targetName` shifts UTF-16 and byte columns
    // apart. The build map sends `targetName` (UTF-16 column 27) to original 4:2, named `orig`.
    let built = "const label = \"→ naïve ✓\"; targetName(label);\n";
    let col = built
        .find("targetName")
        .map(|b| built[..b].encode_utf16().count())
        .unwrap();
    assert_eq!(col, 27);
    let map = r#"{"version":3,"sources":["src/x.js"],"names":["orig"],"mappings":"AAAA,2BAIEA"}"#;
    for m in JS_MINIFIERS {
        let out = minify_js("x.js", built, Some(map), ScriptKind::Script, &opts(m), &len).unwrap();
        let code = &out.code;
        let at = code.find("targetName").unwrap();
        let line = code[..at].matches('\n').count() as u32;
        let line_start = code[..at].rfind('\n').map_or(0, |i| i + 1);
        let col = code[line_start..at].encode_utf16().count() as u32;
        let composed =
            oxc_sourcemap::SourceMap::from_json_string(out.map.as_deref().unwrap()).unwrap();
        let table = composed.generate_lookup_table();
        let t = composed.lookup_token(&table, line, col).unwrap();
        assert_eq!(
            (t.get_dst_line(), t.get_dst_col()),
            (line, col),
            "{m}: no mapping at the token in {code}"
        );
        assert_eq!((t.get_src_line(), t.get_src_col()), (4, 2), "{m}: {code}");
        assert_eq!(
            t.get_name_id().and_then(|n| composed.get_name(n)),
            Some("orig"),
            "{m}"
        );
    }
}

#[test]
fn broken_input_maps_are_map_errors() {
    let js_code = "export const a = 1;\n";
    let css_code = "a { color: red }\n";
    for (map, code) in [
        (
            "{\"version\":3,\"sources\":[\"a\"],\"names\":[],\"mappings\":\"!!\"}",
            distill_graph::Code::MapMalformed,
        ),
        ("not json", distill_graph::Code::MapMalformed),
        (
            "{\"version\":3,\"sources\":[],\"names\":[],\"mappings\":\"AAAA\"}",
            distill_graph::Code::MapOutOfRange,
        ),
        (
            "{\"version\":3,\"sources\":[\"a\"],\"names\":[],\"mappings\":\";;;;AAAA\"}",
            distill_graph::Code::MapMismatch,
        ),
    ] {
        for m in JS_MINIFIERS {
            let e = minify_js(
                "a.js",
                js_code,
                Some(map),
                ScriptKind::Module,
                &opts(m),
                &len,
            )
            .unwrap_err();
            assert_eq!(e.code(), code, "{m} {map}: {e}");
            assert_eq!(e.path(), Some("a.js"));
        }
        let e = minify_css("a.css", css_code, Some(map), &CssOptions::default()).unwrap_err();
        assert_eq!(e.code(), code, "css {map}: {e}");
    }
}

#[test]
fn errors_become_diagnostics_with_path_and_position() {
    let e = minify_js(
        "assets/bad.js",
        "let ok = 1;\nlet x = ;\n",
        None,
        ScriptKind::Module,
        &JsOptions::default(),
        &len,
    )
    .unwrap_err();
    let d = e.to_diagnostic();
    assert_eq!(d.code, distill_graph::Code::MinifyParseError);
    let text = d.to_string();
    assert!(
        text.starts_with("warning[minify/parse-error]: assets/bad.js:2:9: does not parse"),
        "{text}"
    );
    assert!(text.contains("hint: the file was kept as it was"), "{text}");
}

#[test]
fn maps_are_composed_only_when_the_build_has_one() {
    let code = "export function greet(name) { return 'Hello, ' + name; }\n";
    let out = minify_js(
        "a.js",
        code,
        None,
        ScriptKind::Module,
        &JsOptions::default(),
        &len,
    )
    .unwrap();
    assert_eq!(out.map, None);
    // An identity map of the one line: the composed map names the same source.
    let map = "{\"version\":3,\"sources\":[\"src/a.js\"],\"sourcesContent\":[\"x\"],\"names\":[],\"mappings\":\"AAAA\"}";
    for m in JS_MINIFIERS {
        let out = minify_js("a.js", code, Some(map), ScriptKind::Module, &opts(m), &len).unwrap();
        let composed =
            oxc_sourcemap::SourceMap::from_json_string(out.map.as_deref().unwrap()).unwrap();
        assert_eq!(
            composed.get_sources().collect::<Vec<_>>(),
            ["src/a.js"],
            "{m}"
        );
        assert_eq!(composed.get_source_content(0), Some("x"), "{m}");
        assert!(composed.get_tokens().count() > 0, "{m}");
    }
}

/// Two runs chained: each output position goes through the second run's map to the first
/// run's output, then through the first run's map to the input. A name survives only where the
/// first run maps exactly that position.
#[test]
fn chained_maps_go_through_both_runs() {
    use crate::sourcemap::{GenToken, Generated, chain};
    let token = |dst: (u32, u32), src: Option<(u32, u32)>, name: Option<u32>| GenToken {
        dst_line: dst.0,
        dst_col: dst.1,
        src,
        name,
    };
    let inner = Generated {
        names: vec!["render".into()],
        tokens: vec![
            token((0, 5), Some((2, 3)), Some(0)),
            token((0, 0), Some((1, 0)), None),
        ],
    };
    let outer = Generated {
        names: vec!["a".into()],
        tokens: vec![
            token((0, 1), Some((0, 5)), Some(0)), // exactly on `render`
            token((0, 4), Some((0, 7)), Some(0)), // inside it: its source, no name
            token((0, 6), Some((0, 0)), None),
            token((0, 8), Some((1, 0)), None), // a line the first run never wrote
            token((0, 9), None, None),
        ],
    };
    let got: Vec<_> = chain(&outer, &inner)
        .tokens
        .iter()
        .map(|t| (t.dst_col, t.src, t.name))
        .collect();
    assert_eq!(
        got,
        [
            (1, Some((2, 3)), Some(0)),
            (4, Some((2, 3)), None),
            (6, Some((1, 0)), None),
            (8, None, None),
            (9, None, None),
        ]
    );
}

/// `best` also tries swc's output through oxc, and never returns something larger than
/// what either minifier alone makes.
#[test]
fn best_is_never_larger_than_either() {
    let code = "export function greet(name) { const message = 'Hello, ' + name + '!'; \
                if (typeof console !== 'undefined') { console.log(message); } return message; }\n\
                export const shout = (n) => greet(n).toUpperCase();\n";
    let sizes: Vec<usize> = [JsMinifier::Oxc, JsMinifier::Swc, JsMinifier::Best]
        .into_iter()
        .map(|m| js(code, ScriptKind::Module, &opts(m)).len())
        .collect();
    assert!(sizes[2] <= sizes[0].min(sizes[1]), "{sizes:?}");
}

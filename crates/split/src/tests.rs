use super::*;
use oxc_sourcemap::SourceMapBuilder;

/// A map giving each line of `code` to the source named at the start of it in `owners`
/// (`(first line, source)`, ascending).
fn map_by_lines(code: &str, owners: &[(u32, &str)]) -> String {
    let mut b = SourceMapBuilder::default();
    let mut ids = BTreeMap::new();
    for (_, s) in owners {
        if !ids.contains_key(s) {
            ids.insert(*s, b.set_source_and_content(s, ""));
        }
    }
    for (line, _) in code.lines().enumerate() {
        let line = u32::try_from(line).unwrap();
        let owner = owners.iter().rev().find(|(l, _)| *l <= line).unwrap().1;
        b.add_token(line, 0, line, 0, Some(ids[owner]), None);
    }
    b.into_sourcemap().to_json_string()
}

fn opts(max: u64, vendor: bool) -> Options {
    Options {
        max_chunk: max,
        min_part: 1,
        vendor,
    }
}

#[test]
fn stems_and_packages() {
    assert_eq!(stem("Editor-B-Yvj8W-.js"), "Editor");
    assert_eq!(stem("index.js"), "index");
    assert_eq!(stem("react-vendor-B-f9XVDP.js"), "react-vendor");
    assert_eq!(
        package_of("../../node_modules/@mui/material/esm/Button.js").as_deref(),
        Some("@mui/material")
    );
    assert_eq!(
        package_of("node_modules/.pnpm/x@1/node_modules/echarts/lib/a.js").as_deref(),
        Some("echarts")
    );
    assert_eq!(package_of("src/App.jsx"), None);
    assert_eq!(short_hash(b"x").len(), 8);
}

#[test]
fn a_prefix_moves_and_bindings_come_back() {
    let code = "import{d}from\"./dep.js\";\nconst a=d+1;\nfunction f(){return a}\nconst b=f();\nexport{b as B,a};\n//# sourceMappingURL=c-AbCd1234.js.map\n";
    let map = map_by_lines(
        code,
        &[(0, "src/main.js"), (1, "src/a.js"), (3, "src/b.js")],
    );
    let chunk = Chunk {
        file_name: "c-AbCd1234.js",
        code,
        map: Some(&map),
        module: false,
    };
    let out = split(&chunk, &opts(10, false)).unwrap();
    assert_eq!(out.parts.len(), 2, "{out:#?}");
    let (p1, p2) = (&out.parts[0], &out.parts[1]);
    assert!(p1.file_name.starts_with("c-1-"), "{}", p1.file_name);
    assert!(p1.code.starts_with("import{d}from\"./dep.js\";\n"));
    assert!(p1.code.contains("export{a,f};"), "{}", p1.code);
    assert_eq!(p1.modules, vec!["src/a.js"]);
    assert!(
        p2.code
            .contains(&format!("import{{f}}from\"./{}\";", p1.file_name))
    );
    assert!(p2.code.contains("export{b};"));
    assert!(
        out.code
            .starts_with("import{d}from\"./dep.js\";\nexport{b as B,a};\n")
    );
    assert!(out.code.contains(&format!(
        "import{{a}}from\"./{}\";import{{b}}from\"./{}\";\n//# sourceMappingURL=",
        p1.file_name, p2.file_name
    )));
    // Maps: the part's statements are on lines 1.. (after its one import line).
    let m: serde_json::Value = serde_json::from_str(p1.map.as_deref().unwrap()).unwrap();
    assert_eq!(m["sources"], serde_json::json!(["src/a.js"]));
    // Line 0 is the copied import, line 1 the newline that ended it in the chunk.
    assert_eq!(m["mappings"], ";;AACA;AACA");
    let m: serde_json::Value = serde_json::from_str(out.map.as_deref().unwrap()).unwrap();
    assert_eq!(m["sources"], serde_json::json!(["src/main.js", "src/b.js"]));
}

#[test]
fn hoisted_and_assigned_bindings_block_cuts() {
    // a.js calls a function declared in b.js (hoisted): a.js cannot move without b.js.
    let code = "const a=g();\nfunction g(){return 1}\nexport{a};\n";
    let map = map_by_lines(code, &[(0, "src/a.js"), (1, "src/b.js")]);
    let c = Chunk {
        file_name: "x.js",
        code,
        map: Some(&map),
        module: false,
    };
    let out = split(&c, &opts(5, false)).unwrap();
    // Only the cut after both (the whole body) is left.
    assert_eq!(out.parts.len(), 1);
    assert_eq!(out.parts[0].modules, vec!["src/a.js", "src/b.js"]);

    // b.js assigns a binding of a.js: a.js cannot move alone.
    let code = "let n=0;\nn++;\nexport{n};\n";
    let map = map_by_lines(code, &[(0, "src/a.js"), (1, "src/b.js")]);
    let c = Chunk {
        file_name: "x.js",
        code,
        map: Some(&map),
        module: false,
    };
    let out = split(&c, &opts(3, false)).unwrap();
    assert_eq!(out.parts.len(), 1);
    assert_eq!(out.parts[0].modules.len(), 2);
}

#[test]
fn refusals_say_why() {
    let map = |code: &str| map_by_lines(code, &[(0, "a.js"), (1, "b.js")]);
    let refuse = |code: &str, m: Option<&str>| {
        split(
            &Chunk {
                file_name: "x.js",
                code,
                map: m,
                module: false,
            },
            &opts(1, false),
        )
        .unwrap_err()
    };
    let c = "const a=await 1;\nconst b=2;\nexport{a,b};\n";
    assert_eq!(refuse(c, Some(&map(c))), Refusal::TopLevelAwait);
    let c = "const a=1;\nconst b=eval('a');\nexport{b};\n";
    assert_eq!(refuse(c, Some(&map(c))), Refusal::Eval);
    let c = "const a=1;\nconst b=2;\nexport{};\n";
    assert!(matches!(refuse(c, None), Refusal::NoMap(_)));
    assert_eq!(refuse("const a=1;\nconst b=2;\n", None), Refusal::NotModule);
    assert!(matches!(refuse(c, Some("{nope")), Refusal::NoMap(_)));
    let c = "const a=1;\nconst b=;\nexport{};\n";
    assert!(matches!(
        refuse(c, Some(&map(c))),
        Refusal::Parse { line: 2, .. }
    ));
    // import.meta fixes its statement: nothing before it to move.
    let c = "const u=import.meta.url;\nconst b=2;\nexport{u,b};\n";
    let e = refuse(c, Some(&map(c)));
    assert!(e.to_string().contains("import.meta"), "{e}");
    // A forward reference across the only boundary.
    let c = "function f(){return g()}\nfunction g(){return f}\nconst k=f();\nexport{k};\n";
    let m = map_by_lines(c, &[(0, "a.js"), (1, "b.js"), (2, "b.js")]);
    let out = split(
        &Chunk {
            file_name: "x.js",
            code: c,
            map: Some(&m),
            module: false,
        },
        &opts(1, false),
    )
    .unwrap();
    // The only safe cut takes everything movable.
    assert_eq!(out.parts.len(), 1);
    // Small and not vendor: untouched.
    assert_eq!(
        split(
            &Chunk {
                file_name: "x.js",
                code: c,
                map: Some(&m),
                module: false,
            },
            &opts(1 << 20, false)
        )
        .unwrap_err(),
        Refusal::Small
    );
}

#[test]
fn vendor_packages_get_their_own_parts() {
    let code = "const r=1;\nconst r2=r+1;\nconst l=2;\nconst app=r2+l;\nexport{app};\n";
    let map = map_by_lines(
        code,
        &[
            (0, "node_modules/react/index.js"),
            (1, "node_modules/react/cjs/react.js"),
            (2, "node_modules/lodash/index.js"),
            (3, "src/app.js"),
        ],
    );
    let c = Chunk {
        file_name: "index-AbCd1234.js",
        code,
        map: Some(&map),
        module: false,
    };
    let out = split(&c, &opts(1 << 20, true)).unwrap();
    let names: Vec<&str> = out.parts.iter().map(|p| p.file_name.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names[0].starts_with("vendor-react-"));
    assert!(names[1].starts_with("vendor-lodash-"));
    assert_eq!(out.parts[0].package.as_deref(), Some("react"));
    assert!(out.code.contains("const app=r2+l;"));
}

#[test]
fn a_chunk_without_import_or_export_splits_when_known_to_be_a_module() {
    let code = "const a=1;\nconsole.log(a);\n";
    let map = map_by_lines(code, &[(0, "src/a.js"), (1, "src/b.js")]);
    let chunk = |module| Chunk {
        file_name: "index-AbCd1234.js",
        code,
        map: Some(&map),
        module,
    };
    assert_eq!(
        split(&chunk(false), &opts(20, false)).unwrap_err(),
        Refusal::NotModule
    );
    let out = split(&chunk(true), &opts(20, false)).unwrap();
    assert_eq!(out.parts.len(), 1);
    assert!(out.code.contains("import{a}from"), "{}", out.code);
}

//! Property tests of the manifest readers (a stable stand-in for `cargo fuzz`): a Vite or
//! Next.js build whose manifests hold random or damaged JSON — wrong types, paths out of the
//! build, huge numbers, deep nesting — is ingested without a panic, and every file the build
//! lists is one of the source's files.

use crate::ingest;
use distill_fs::MemSource;
use proptest::prelude::*;
use serde_json::{Value, json};

fn path_like() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("assets/a.js".to_owned()),
        Just("static/chunks/a.js".to_owned()),
        Just("/_next/static/chunks/a.js".to_owned()),
        Just("../../etc/passwd".to_owned()),
        Just("/abs/x.js".to_owned()),
        Just("a\\b.js".to_owned()),
        Just(String::new()),
        "[a-z/._-]{0,20}",
        any::<String>(),
    ]
}

fn junk() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        Just(json!(u64::MAX)),
        path_like().prop_map(Value::from),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            proptest::collection::btree_map(
                prop_oneof![
                    path_like(),
                    Just("file".to_owned()),
                    Just("imports".to_owned()),
                    Just("dynamicImports".to_owned()),
                    Just("css".to_owned()),
                    Just("isEntry".to_owned()),
                    Just("pages".to_owned()),
                    Just("rootMainFiles".to_owned()),
                    Just("files".to_owned()),
                    Just("/".to_owned()),
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn manifest_text() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        junk().prop_map(|v| v.to_string().into_bytes()),
        (junk(), 0usize..64).prop_map(|(v, cut)| {
            let t = v.to_string().into_bytes();
            t[..t.len().saturating_sub(cut)].to_vec()
        }),
        proptest::collection::vec(any::<u8>(), 0..128),
    ]
}

const MANIFESTS: [&str; 7] = [
    ".vite/manifest.json",
    "build-manifest.json",
    "app-path-routes-manifest.json",
    "prerender-manifest.json",
    "react-loadable-manifest.json",
    "routes-manifest.json",
    "server/pages-manifest.json",
];

proptest! {
    #[test]
    fn damaged_manifests_never_panic(
        vite in any::<bool>(),
        texts in proptest::collection::vec(manifest_text(), MANIFESTS.len()),
    ) {
        let mut src = MemSource::new()
            .with("assets/a.js", "import'./b.js';")
            .with("assets/b.js", "export{}")
            .with("static/chunks/a.js", "self.x=1")
            .with("index.html", "<script type=module src=/assets/a.js></script>");
        let mut names = vec!["assets/a.js", "assets/b.js", "static/chunks/a.js", "index.html"];
        for (name, text) in MANIFESTS.iter().zip(texts) {
            if vite != name.starts_with(".vite") {
                continue;
            }
            src = src.with(name, text);
            names.push(name);
        }
        if let Ok(done) = ingest(&src) {
            for f in &done.build.files {
                prop_assert!(names.contains(&f.path.as_str()), "{} is not in the source", f.path);
            }
        }
    }
}

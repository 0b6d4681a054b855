//! The four report formats a user reads, on the committed demo build checked against the
//! example budgets and baseline: any change to what they print shows up in review as a
//! snapshot diff (`tests/it/snapshots/`; accept one on purpose with `INSTA_UPDATE=always`).

use crate::util::*;

fn check_output(format: &str) -> String {
    let root = repo_root();
    let o = distill_in(
        &root,
        &[
            "check",
            "fixtures/demo/dist",
            "--budgets",
            "budgets.example.json",
            "--baseline",
            "fixtures/demo/baseline.json",
            "--no-cache",
            "--format",
            format,
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    stdout(&o)
}

/// The same build against budgets that fail and warn: what a pull request that broke them shows.
fn failing_output(format: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let budgets = tmp.path().join("budgets.json");
    write(
        &budgets,
        r#"{"budgets":[
            {"name":"total","select":{"types":["script","stylesheet"]},"max":"5 kB"},
            {"name":"initial","select":{"scope":"initial"},"warn":"4 kB","max":"50 kB"},
            {"name":"lazy chunks","select":{"scope":"lazy","types":["script"]},"each":true,"max":"400 B"}
        ]}"#,
    );
    let o = distill_in(
        &repo_root(),
        &[
            "check",
            "fixtures/demo/dist",
            "--budgets",
            budgets.to_str().unwrap(),
            "--no-cache",
            "--format",
            format,
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    stdout(&o)
}

#[test]
fn human() {
    insta::assert_snapshot!("check_human", check_output("human"));
}

#[test]
fn markdown() {
    insta::assert_snapshot!("check_markdown", check_output("markdown"));
}

#[test]
fn junit() {
    insta::assert_snapshot!("check_junit", check_output("junit"));
}

#[test]
fn github() {
    insta::assert_snapshot!("check_github", check_output("github"));
}

#[test]
fn failing_markdown() {
    insta::assert_snapshot!("failing_markdown", failing_output("markdown"));
}

#[test]
fn failing_github() {
    insta::assert_snapshot!("failing_github", failing_output("github"));
}

#[test]
fn failing_junit() {
    insta::assert_snapshot!("failing_junit", failing_output("junit"));
}

//! Keeps everything that vouches for a file's bytes true after the stages changed them:
//! `integrity="sha384-…"` (Subresource Integrity) on `<script>` and `<link>` tags in the build's
//! HTML (Vite's `index.html`, Next.js's prerendered pages under `server/`), and Next.js's
//! `subresource-integrity-manifest.json` (`experimental.sri`). A browser refuses a file whose
//! digest differs, so a minified chunk with a stale `integrity` would break the app.
//!
//! Each digest is recomputed with the algorithm it names; tokens in other algorithms and options
//! (`?foo`) are left alone. Rewrites go through the HTML scanner's spans: nothing else in the
//! document moves.

use crate::Context;
use base64::Engine;
use distill_fs::{Change, FileSource, paths};
use distill_graph::{Code, Diagnostic};
use distill_schema::{Action, FileChange, Stage, StageReport};
use sha2::{Digest, Sha256, Sha384, Sha512};
use std::collections::BTreeMap;
use std::sync::Arc;

/// `token` recomputed for `bytes` when its algorithm is one SRI defines; `None` otherwise.
fn digest(token: &str, bytes: &[u8]) -> Option<String> {
    let (algorithm, rest) = token.split_once('-')?;
    let options = rest.find('?').map_or("", |i| &rest[i..]);
    let sum = match algorithm {
        "sha256" => Sha256::digest(bytes).to_vec(),
        "sha384" => Sha384::digest(bytes).to_vec(),
        "sha512" => Sha512::digest(bytes).to_vec(),
        _ => return None,
    };
    Some(format!(
        "{algorithm}-{}{options}",
        base64::engine::general_purpose::STANDARD.encode(sum)
    ))
}

/// Every token of an `integrity` value recomputed for `bytes`.
pub(crate) fn recompute(value: &str, bytes: &[u8]) -> String {
    value
        .split_ascii_whitespace()
        .map(|t| digest(t, bytes).unwrap_or_else(|| t.to_owned()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The changed file a URL in `doc` names: resolved against the document, or, for Next.js
/// (`/_next/static/…` served from `.next/static/…`) and apps under a `base`, by the path after
/// `/_next/` or the longest changed path the URL ends with.
fn target<'c>(doc: &str, url: &str, changed: &'c BTreeMap<String, Arc<[u8]>>) -> Option<&'c str> {
    let found = |p: &str| changed.get_key_value(p).map(|(k, _)| k.as_str());
    if let Some(p) = paths::resolve(doc, url, "/")
        && let Some(k) = found(&p)
    {
        return Some(k);
    }
    let clean = url.split(['?', '#']).next().unwrap_or("");
    if let Some(i) = clean.find("/_next/")
        && let Some(k) = found(&clean[i + "/_next/".len()..])
    {
        return Some(k);
    }
    changed
        .keys()
        .filter(|k| clean.ends_with(&format!("/{k}")))
        .max_by_key(|k| k.len())
        .map(String::as_str)
}

/// Rewrites the `integrity` values that vouch for files the stages changed.
pub(crate) fn run(ctx: &mut Context) -> StageReport {
    let changed: BTreeMap<String, Arc<[u8]>> = ctx
        .overlay
        .changes()
        .iter()
        .filter_map(|(path, change)| match change {
            Change::Write(bytes) if ctx.build.file(path).is_some() => {
                Some((path.clone(), bytes.clone()))
            }
            _ => None,
        })
        .collect();
    let mut changes = Vec::new();
    if changed.is_empty() {
        return report(changes);
    }
    let (_, docs) = ctx.result_files();
    for doc in &docs {
        let Ok(bytes) = ctx.overlay.read(doc) else {
            continue;
        };
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        if !text.contains("integrity") {
            continue;
        }
        let mut edits: Vec<(std::ops::Range<usize>, String, String)> = Vec::new();
        for tag in distill_scan::html::tags(&text) {
            let Some(attr) = tag.get("integrity") else {
                continue;
            };
            let (Some(value), Some(span)) = (&attr.value, attr.value_span.clone()) else {
                continue;
            };
            let url = match tag.name.as_str() {
                "script" => tag.attr("src"),
                "link" => tag.attr("href"),
                _ => None,
            };
            let Some((path, bytes)) = url
                .and_then(|u| target(doc, u, &changed))
                .and_then(|p| Some((p, changed.get(p)?)))
            else {
                continue;
            };
            let new = recompute(value, bytes);
            if &new != value {
                edits.push((span.start..span.end, new, path.to_owned()));
            }
        }
        if edits.is_empty() {
            continue;
        }
        let before = text.len() as u64;
        let mut out = text;
        edits.sort_by_key(|e| std::cmp::Reverse(e.0.start));
        let mut vouched = Vec::new();
        for (range, value, path) in edits {
            out.replace_range(range, &value);
            vouched.push(path);
        }
        vouched.sort();
        vouched.dedup();
        changes.push(FileChange {
            path: doc.clone(),
            written: None,
            encoding: None,
            action: Action::Replaced,
            before,
            after: out.len() as u64,
            reason: Some(format!("integrity updated for {}", vouched.join(", "))),
        });
        ctx.overlay.write(doc, out.into_bytes());
    }
    next_manifest(ctx, &changed, &mut changes);
    report(changes)
}

/// Next.js with `experimental.sri` writes `server/subresource-integrity-manifest.json`, a map
/// from `static/…` paths to digests, and builds its `integrity` attributes from it at request time.
fn next_manifest(
    ctx: &mut Context,
    changed: &BTreeMap<String, Arc<[u8]>>,
    changes: &mut Vec<FileChange>,
) {
    let path = "server/subresource-integrity-manifest.json";
    let Ok(bytes) = ctx.overlay.read(path) else {
        return;
    };
    let Ok(serde_json::Value::Object(mut map)) = serde_json::from_slice(&bytes) else {
        ctx.diagnostics.push(
            Diagnostic::warning(
                Code::InputBadManifest,
                "not a JSON object of paths to digests; its digests were not updated",
            )
            .at(path)
            .hint("rebuild with `next build` before `distill optimize`"),
        );
        return;
    };
    let mut updated = Vec::new();
    for (key, value) in &mut map {
        let Some(old) = value.as_str() else { continue };
        let Some(new_bytes) = changed.get(key.trim_start_matches('/')) else {
            continue;
        };
        let new = recompute(old, new_bytes);
        if new != old {
            *value = serde_json::Value::String(new);
            updated.push(key.clone());
        }
    }
    if updated.is_empty() {
        return;
    }
    let Ok(out) = serde_json::to_vec(&map) else {
        return;
    };
    changes.push(FileChange {
        path: path.to_owned(),
        written: None,
        encoding: None,
        action: Action::Replaced,
        before: bytes.len() as u64,
        after: out.len() as u64,
        reason: Some(format!("integrity updated for {}", updated.join(", "))),
    });
    ctx.overlay.write(path, out);
}

fn report(changes: Vec<FileChange>) -> StageReport {
    StageReport {
        stage: Stage::Integrity,
        settings: "integrity= values and Next.js's SRI manifest recomputed for changed files"
            .to_owned(),
        changes,
        advice: Vec::new(),
        notes: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sri_algorithm_is_recomputed_and_others_are_left() {
        let bytes = b"alert(1)";
        let v = recompute("sha256-old sha384-old?opt md5-x", bytes);
        let parts: Vec<&str> = v.split(' ').collect();
        assert_eq!(
            parts[0],
            format!(
                "sha256-{}",
                base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
            )
        );
        assert!(parts[1].starts_with("sha384-") && parts[1].ends_with("?opt"));
        assert_eq!(parts[2], "md5-x");
    }

    #[test]
    fn urls_find_their_files() {
        let changed: BTreeMap<String, Arc<[u8]>> = [
            ("assets/a.js".to_owned(), Arc::from(&b""[..])),
            ("static/chunks/b.js".to_owned(), Arc::from(&b""[..])),
        ]
        .into();
        assert_eq!(
            target("index.html", "/assets/a.js", &changed),
            Some("assets/a.js")
        );
        assert_eq!(
            target("index.html", "./assets/a.js?v=1", &changed),
            Some("assets/a.js")
        );
        assert_eq!(
            target("index.html", "/app/assets/a.js", &changed),
            Some("assets/a.js")
        );
        assert_eq!(
            target(
                "server/app/index.html",
                "/_next/static/chunks/b.js",
                &changed
            ),
            Some("static/chunks/b.js")
        );
        assert_eq!(
            target("index.html", "https://cdn.example/x.js", &changed),
            None
        );
    }
}

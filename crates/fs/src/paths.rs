//! Path rules: every path in the graph is relative to the build folder, `/`-separated, and
//! never leaves it. Resolution of references (`./x.js`, `/assets/x.js`, `../x.css`) happens here
//! and only here.

/// Whether `path` is a build path as the model keeps them: relative, `/`-separated, with no
/// empty, `.` or `..` component and no NUL. A `\` is an ordinary character of a file name here
/// (it is one on Unix); only references written in files treat it as a separator
/// ([`normalize`]).
pub fn is_build_path(path: &str) -> bool {
    !path.is_empty()
        && !path.contains('\0')
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
}

/// `a/./b//c` → `a/b/c`; `None` when the path is absolute, empty or climbs above the root.
pub fn normalize(path: &str) -> Option<String> {
    if path.starts_with('/') || path.starts_with('\\') || path.contains('\0') {
        return None;
    }
    if path.as_bytes().get(1) == Some(&b':') {
        return None; // `C:\…` or `C:/…`
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            _ => parts.push(part),
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some(parts.join("/"))
}

/// The folder part of a relative path (`assets/x.js` → `assets`, `x.js` → ``).
pub fn dir_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// Resolves a reference found in the file `from` to a build path.
///
/// Relative references resolve against `from`'s folder; root-absolute URLs (`/assets/x.js`)
/// against the build root (`base` is stripped first, e.g. `/app/`); anything with a scheme,
/// protocol-relative, or leaving the root resolves to `None` and the caller decides whether
/// that deserves a diagnostic. Query strings and fragments are dropped.
pub fn resolve(from: &str, reference: &str, base: &str) -> Option<String> {
    let reference = reference.trim();
    let reference = reference.split(['?', '#']).next().unwrap_or("");
    if reference.is_empty() || reference.starts_with("//") || has_scheme(reference) {
        return None;
    }
    let reference = percent_decode(reference);
    if let Some(abs) = reference.strip_prefix('/') {
        let abs = base
            .trim_matches('/')
            .is_empty()
            .then_some(abs)
            .or_else(|| {
                let base = base.trim_matches('/');
                abs.strip_prefix(base).and_then(|r| r.strip_prefix('/'))
            })?;
        return normalize(abs);
    }
    let dir = dir_of(from);
    if dir.is_empty() {
        normalize(&reference)
    } else {
        normalize(&format!("{dir}/{reference}"))
    }
}

/// Whether `reference` (relative to `from`) climbs out of the build folder, for diagnostics.
pub fn escapes(from: &str, reference: &str) -> bool {
    let reference = reference.split(['?', '#']).next().unwrap_or("");
    if has_scheme(reference) || reference.starts_with("//") {
        return false;
    }
    if let Some(abs) = reference.strip_prefix('/') {
        return normalize(abs).is_none() && !abs.is_empty();
    }
    let dir = dir_of(from);
    let joined = if dir.is_empty() {
        reference.to_owned()
    } else {
        format!("{dir}/{reference}")
    };
    normalize(&joined).is_none()
}

fn has_scheme(s: &str) -> bool {
    match s.find(':') {
        Some(i) => {
            i > 1
                && s[..i]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.')
        }
        None => false,
    }
}

/// `%20` → ` `; a reference whose decoded bytes are not UTF-8 stays as written.
fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .map_or_else(|_| s.to_owned(), std::borrow::Cow::into_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_refuses_escapes() {
        assert_eq!(normalize("assets/./x.js").as_deref(), Some("assets/x.js"));
        assert_eq!(normalize("a/b/../c").as_deref(), Some("a/c"));
        assert_eq!(normalize("../etc/passwd"), None);
        assert_eq!(normalize("a/../../b"), None);
        assert_eq!(normalize("/etc/passwd"), None);
        assert_eq!(normalize("C:/x"), None);
        assert_eq!(normalize(""), None);
        assert_eq!(
            normalize("static/chunks/pages/posts/[id]-241c.js").as_deref(),
            Some("static/chunks/pages/posts/[id]-241c.js")
        );
    }

    #[test]
    fn build_paths() {
        assert!(is_build_path("assets/x.js"));
        assert!(is_build_path("static/chunks/pages/posts/[id]-1.js"));
        assert!(is_build_path("odd\\name.js"));
        for bad in ["", "/etc/passwd", "a//b", "./a", "a/../b", "a/", "a\0b"] {
            assert!(!is_build_path(bad), "{bad:?}");
        }
    }

    #[test]
    fn resolve_relative_absolute_and_foreign() {
        assert_eq!(
            resolve("assets/a.js", "./b.js", "/").as_deref(),
            Some("assets/b.js")
        );
        assert_eq!(
            resolve("index.html", "/assets/a.js", "/").as_deref(),
            Some("assets/a.js")
        );
        assert_eq!(
            resolve("index.html", "/app/assets/a.js", "/app/").as_deref(),
            Some("assets/a.js")
        );
        assert_eq!(
            resolve("assets/a.css", "../fonts/x.woff2?v=1#f", "/").as_deref(),
            Some("fonts/x.woff2")
        );
        assert_eq!(resolve("index.html", "https://cdn.example/x.js", "/"), None);
        assert_eq!(resolve("index.html", "//cdn.example/x.js", "/"), None);
        assert_eq!(
            resolve("index.html", "data:image/png;base64,AAAA", "/"),
            None
        );
        assert_eq!(resolve("assets/a.js", "../../x.js", "/"), None);
        assert_eq!(
            resolve("index.html", "/assets/a%20b.js", "/").as_deref(),
            Some("assets/a b.js")
        );
        assert!(escapes("assets/a.js", "../../x.js"));
        assert!(!escapes("assets/a.js", "./b.js"));
    }
}

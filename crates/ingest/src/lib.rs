//! Ingest: recognise which tool produced a build folder and read it into a [`Build`].
//!
//! Detection, in order: Vite with its manifest (`.vite/manifest.json`, a hidden folder), Next.js
//! (`build-manifest.json`; Turbopack when the `turbopack` marker or its chunk-loading global is
//! there), a Vite-like folder without manifest (`index.html` + `assets/`, followed through HTML
//! tags and import statements), and any other folder of assets.
//!
//! Everything is read through a [`FileSource`], so tests can ingest a build held in memory:
//!
//! ```
//! use distill_fs::MemSource;
//! use distill_ingest::ingest;
//! let src = MemSource::new()
//!     .with("index.html", r#"<script type="module" src="/assets/app.js"></script>"#)
//!     .with("assets/app.js", r#"import"./dep.js";"#)
//!     .with("assets/dep.js", "export{}");
//! let ingested = ingest(&src).unwrap();
//! assert_eq!(ingested.build.entries[0].initial, ["assets/app.js", "assets/dep.js"]);
//! ```

mod context;
mod detect;
mod html;
mod next;
mod siblings;
mod vite;

use context::{Context, scan_files};
use detect::Layout;
use distill_fs::FileSource;
use distill_graph::{Build, Code, Diagnostic, Framework};

/// A build and what was noticed while reading it.
#[derive(Debug)]
pub struct Ingested {
    pub build: Build,
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads the build. Fails only when nothing at all can be analyzed (an empty folder, or no file
/// that can be read); every other problem is a diagnostic next to a build that is still useful.
pub fn ingest(source: &dyn FileSource) -> Result<Ingested, Diagnostic> {
    let mut diags = Vec::new();
    let marked = detect::by_markers(source, &mut diags);
    let (listed, walk_diags) = source.walk(&|dir| marked.unwrap_or(Layout::Plain).skips(dir));
    diags.extend(walk_diags);
    let layout = marked.unwrap_or_else(|| {
        let html = listed.iter().any(|p| p == "index.html");
        if html && listed.iter().any(|p| p.starts_with("assets/")) {
            Layout::Html
        } else {
            Layout::Plain
        }
    });

    let (client, server): (Vec<String>, Vec<String>) =
        listed.into_iter().partition(|p| layout.is_client(p));
    let (client, siblings) = siblings::split(source, client, &mut diags);
    let mut scanned = scan_files(source, &client, &mut diags);
    siblings::attach(&mut scanned, siblings);
    if scanned.is_empty() {
        return Err(Diagnostic::error(
            Code::InputEmpty,
            "no file in the build folder can be analyzed",
        )
        .hint(
            "run the build first; distill reads the folder it writes (dist/, .next/, build/, out/)",
        ));
    }

    let mut ctx = Context {
        source,
        files: scanned,
        diags,
        edges: Vec::new(),
    };
    let mut build = Build {
        server_files: server.len() as u64,
        ..Build::default()
    };
    match layout {
        Layout::Vite => vite::ingest(&mut ctx, &mut build),
        Layout::Next { turbopack } => next::ingest(&mut ctx, &mut build, turbopack),
        Layout::Html => {
            build.framework = Some(Framework::ViteHtml);
            html::ingest(&mut ctx, &mut build);
        }
        Layout::Plain => {
            build.framework = Some(Framework::Plain);
            ctx.diags.push(
                Diagnostic::info(Code::InputUnknownLayout, "no Vite or Next.js build recognised; analyzed as a plain folder of assets")
                    .hint("for entries and first-load sizes, build Vite with `build.manifest: true` or point at a `.next` folder"),
            );
            html::ingest(&mut ctx, &mut build);
        }
    }
    ctx.link_source_maps();
    let Context {
        files,
        diags,
        edges,
        ..
    } = ctx;
    build.files = files.into_values().map(|s| s.file).collect();
    build.edges = edges;
    build.normalize();
    Ok(Ingested {
        build,
        diagnostics: diags,
    })
}

#[cfg(test)]
mod fuzz;

#[cfg(test)]
mod tests {
    use super::*;
    use distill_fs::MemSource;
    use distill_graph::{FileKind, Role};

    #[test]
    fn empty_folder_is_the_only_failure() {
        let err = ingest(&MemSource::new()).unwrap_err();
        assert_eq!(err.code, Code::InputEmpty);
        let err = ingest(&MemSource::new().unreadable("a.js", "permission denied")).unwrap_err();
        assert_eq!(err.code, Code::InputEmpty);
    }

    #[test]
    fn unreadable_file_is_reported_and_the_rest_analyzed() {
        let src = MemSource::new()
            .with("a.js", "x")
            .unreadable("b.js", "permission denied");
        let ingested = ingest(&src).unwrap();
        assert_eq!(ingested.build.files.len(), 1);
        let d = ingested
            .diagnostics
            .iter()
            .find(|d| d.code == Code::InputUnreadable)
            .unwrap();
        assert_eq!(d.path.as_deref(), Some("b.js"));
        assert!(d.message.contains("permission denied"));
    }

    #[test]
    fn plain_folder_is_said_so() {
        let src = MemSource::new()
            .with("logo.png", [0u8; 10])
            .with("app.js", "console.log(1)");
        let ingested = ingest(&src).unwrap();
        assert_eq!(ingested.build.framework, Some(Framework::Plain));
        assert!(
            ingested
                .diagnostics
                .iter()
                .any(|d| d.code == Code::InputUnknownLayout)
        );
        let png = ingested.build.file("logo.png").unwrap();
        assert_eq!(png.kind, FileKind::Image);
        assert_eq!(png.hash.len(), 64);
    }

    #[test]
    fn source_maps_follow_the_comment_not_the_name() {
        let src = MemSource::new()
            .with("static/a.js", "x\n//# sourceMappingURL=b-other.js.map")
            .with("static/b-other.js.map", "{}")
            .with("static/c.js", "x\n//# sourceMappingURL=../../../etc/c.map")
            .with("static/d.js", "x\n//# sourceMappingURL=missing.map");
        let ingested = ingest(&src).unwrap();
        let b = &ingested.build;
        assert_eq!(
            b.file("static/a.js").unwrap().source_map.as_deref(),
            Some("static/b-other.js.map")
        );
        assert_eq!(
            b.file("static/b-other.js.map").unwrap().role,
            Role::SourceMap
        );
        assert!(b.file("static/c.js").unwrap().source_map.is_none());
        let codes: Vec<_> = ingested
            .diagnostics
            .iter()
            .map(|d| (d.code, d.path.clone().unwrap_or_default()))
            .collect();
        assert!(
            codes.contains(&(Code::InputPathOutside, "static/c.js".into())),
            "{codes:?}"
        );
        assert!(
            codes.contains(&(Code::InputMissingFile, "static/d.js".into())),
            "{codes:?}"
        );
    }
}

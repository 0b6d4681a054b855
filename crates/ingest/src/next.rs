//! Next.js 16 (`.next/`), webpack and Turbopack, App and Pages Router. FORMATS.md §2.
//!
//! Client files are `static/**`. First-load sets follow FORMATS.md §2.9:
//! - Pages Router (both bundlers): `pages["/_app"] ∪ pages[route]` of `build-manifest.json`,
//!   minus the `noModule` polyfills.
//! - App Router, Turbopack: `rootMainFiles ∪ ⋃ entryJSFiles[*]` of the route's client reference
//!   manifest, plus its non-inlined `entryCSSFiles`.
//! - App Router, webpack: no manifest holds it; the prerendered HTML's scripts (minus `noModule`
//!   and low-priority files) and stylesheets, or the chunks named in the route's `.rsc` payload
//!   plus `rootMainFiles` when there is no HTML.
//!
//! Lazy files come from the `next/dynamic` manifests (`react-loadable-manifest.json`) and from
//! chunk paths Turbopack's loaders write as strings.

use crate::context::Context;
use crate::html::{self, HtmlStarts};
use distill_fs::paths;
use distill_graph::{Build, Code, Diagnostic, FileKind, Framework, Role};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct BuildManifest {
    polyfill_files: Vec<String>,
    low_priority_files: Vec<String>,
    root_main_files: Vec<String>,
    pages: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Deserialize)]
struct Loadable {
    #[serde(default)]
    files: Vec<String>,
}

/// The parts of a client reference manifest (`page_client-reference-manifest.js`) we read.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct ClientReferenceManifest {
    client_modules: BTreeMap<String, ClientModule>,
    #[serde(rename = "entryJSFiles")]
    entry_js_files: BTreeMap<String, Vec<String>>,
    #[serde(rename = "entryCSSFiles")]
    entry_css_files: BTreeMap<String, Vec<CssFile>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ClientModule {
    chunks: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct CssFile {
    path: String,
    inlined: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct PrerenderRoute {
    src_route: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PrerenderManifest {
    routes: BTreeMap<String, PrerenderRoute>,
}

const HINT: &str =
    "rebuild with `next build`; routes depending on this file may be missing or incomplete";

pub(crate) fn ingest(ctx: &mut Context, build: &mut Build, turbopack: bool) {
    build.framework = Some(if turbopack {
        Framework::NextTurbopack
    } else {
        Framework::NextWebpack
    });
    ctx.follow_loader_paths();
    let manifest: BuildManifest = ctx
        .read_json("build-manifest.json", HINT)
        .unwrap_or_default();

    let polyfills = client_files(ctx, "build-manifest.json", &manifest.polyfill_files);
    for p in &polyfills {
        ctx.set_role(p, Role::Polyfill);
    }
    let low_priority = client_files(ctx, "build-manifest.json", &manifest.low_priority_files);
    for p in &low_priority {
        ctx.set_role(p, Role::Metadata);
    }
    let runtimes: Vec<String> = ctx
        .files
        .keys()
        .filter(|p| {
            let name = p.rsplit('/').next().unwrap_or(p);
            p.strip_prefix("static/chunks/")
                .is_some_and(|rest| !rest.contains('/'))
                && (name.starts_with("webpack-") || name.starts_with("turbopack-"))
                && name.ends_with(".js")
        })
        .cloned()
        .collect();
    for p in &runtimes {
        ctx.set_role(p, Role::Runtime);
    }
    let root_main = client_files(ctx, "build-manifest.json", &manifest.root_main_files);
    let loadable = webpack_loadables(ctx);

    let mut routes: Vec<RouteFiles> = Vec::new();
    pages_routes(ctx, &manifest, &polyfills, &loadable, &mut routes);
    app_routes(
        ctx,
        turbopack,
        &root_main,
        &low_priority,
        &loadable,
        &mut routes,
    );

    for route in &routes {
        for f in &route.initial {
            if ctx.files.get(f).is_some_and(|s| s.file.role == Role::Chunk) {
                ctx.set_role(f, Role::Entry);
            }
        }
    }
    for route in &routes {
        for f in &route.lazy {
            if ctx.files.get(f).is_some_and(|s| s.file.role == Role::Chunk) {
                ctx.set_role(f, Role::DynamicEntry);
            }
        }
    }
    let graph = ctx.graph();
    for r in routes {
        build
            .routes
            .push(graph.load_set(&r.name, Some(r.router), &r.initial, &r.lazy));
    }
}

/// Build-relative client paths from a manifest list, keeping only files that exist.
fn client_files(ctx: &mut Context, manifest: &str, list: &[String]) -> Vec<String> {
    list.iter()
        .filter_map(|p| ctx.manifest_path(manifest, p.strip_prefix("/_next/").unwrap_or(p)))
        .collect()
}

/// `react-loadable-manifest.json` (webpack, root): `"pages/stats.jsx -> ../components/X"` →
/// the files of that `next/dynamic` import, keyed by the importing module.
fn webpack_loadables(ctx: &mut Context) -> Vec<(String, Vec<String>)> {
    const PATH: &str = "react-loadable-manifest.json";
    if !ctx.source.is_file(PATH) {
        return Vec::new();
    }
    let Some(map) = ctx.read_json::<BTreeMap<String, Loadable>>(PATH, HINT) else {
        return Vec::new();
    };
    map.into_iter()
        .map(|(key, l)| {
            let origin = key.split(" -> ").next().unwrap_or(&key).to_owned();
            (origin, client_files(ctx, PATH, &l.files))
        })
        .collect()
}

/// Turbopack writes one loadable manifest per page, keyed by module id.
fn turbopack_loadables(ctx: &mut Context, path: &str) -> Vec<String> {
    if !ctx.source.is_file(path) {
        return Vec::new();
    }
    let Some(map) = ctx.read_json::<BTreeMap<String, Loadable>>(path, HINT) else {
        return Vec::new();
    };
    let files: Vec<String> = map.into_values().flat_map(|l| l.files).collect();
    client_files(ctx, path, &files)
}

/// What one route loads, before load sets are computed.
struct RouteFiles {
    /// `/dashboard`.
    name: String,
    /// `app` or `pages`.
    router: &'static str,
    /// Loaded first (the load set adds their static imports and stylesheets).
    initial: Vec<String>,
    /// `next/dynamic` chunks and their like, loaded later.
    lazy: Vec<String>,
}

fn pages_routes(
    ctx: &mut Context,
    manifest: &BuildManifest,
    polyfills: &[String],
    loadable: &[(String, Vec<String>)],
    routes: &mut Vec<RouteFiles>,
) {
    let app = manifest.pages.get("/_app").cloned().unwrap_or_default();
    let mut pages: BTreeMap<String, &Vec<String>> = manifest
        .pages
        .iter()
        .filter(|(r, _)| !r.starts_with("/_"))
        .map(|(r, f)| (r.clone(), f))
        .collect();
    // `/404` and `/500` without pages of their own are prerendered from `_error`.
    if let Some(error) = manifest.pages.get("/_error")
        && ctx.source.is_file("server/pages-manifest.json")
        && let Some(served) =
            ctx.read_json::<BTreeMap<String, String>>("server/pages-manifest.json", HINT)
    {
        for route in ["/404", "/500"] {
            if served.get(route).is_some_and(|f| f.ends_with(".html")) {
                pages.entry(route.to_owned()).or_insert(error);
            }
        }
    }
    for (route, files) in &pages {
        let mut initial = Vec::new();
        for f in client_files(
            ctx,
            "build-manifest.json",
            &app.iter().chain(files.iter()).cloned().collect::<Vec<_>>(),
        ) {
            if !polyfills.contains(&f) && !initial.contains(&f) {
                initial.push(f);
            }
        }
        let mut lazy: Vec<String> = loadable
            .iter()
            .filter(|(origin, _)| page_route(origin).as_deref() == Some(route.as_str()))
            .flat_map(|(_, files)| files.iter().cloned())
            .collect();
        let page_dir = if route == "/" {
            "/index"
        } else {
            route.as_str()
        };
        lazy.extend(turbopack_loadables(
            ctx,
            &format!("server/pages{page_dir}/react-loadable-manifest.json"),
        ));
        routes.push(RouteFiles {
            name: route.clone(),
            router: "pages",
            initial,
            lazy,
        });
    }
}

/// `pages/posts/[id].jsx` → `/posts/[id]`; `pages/index.tsx` → `/`.
fn page_route(module: &str) -> Option<String> {
    let rest = module.strip_prefix("pages/")?;
    let stem = rest.rsplit_once('.').map_or(rest, |(s, _)| s);
    let stem = stem.strip_suffix("/index").unwrap_or(stem);
    Some(if stem == "index" {
        "/".to_owned()
    } else {
        format!("/{stem}")
    })
}

fn app_routes(
    ctx: &mut Context,
    turbopack: bool,
    root_main: &[String],
    low_priority: &[String],
    loadable: &[(String, Vec<String>)],
    routes: &mut Vec<RouteFiles>,
) {
    const PATH: &str = "app-path-routes-manifest.json";
    if !ctx.source.is_file(PATH) {
        return;
    }
    let Some(app_paths) = ctx.read_json::<BTreeMap<String, String>>(PATH, HINT) else {
        return;
    };
    let prerender: PrerenderManifest = if ctx.source.is_file("prerender-manifest.json") {
        ctx.read_json("prerender-manifest.json", HINT)
            .unwrap_or_default()
    } else {
        PrerenderManifest::default()
    };
    for (entry, route) in app_paths {
        // Route handlers (`/api/hello/route`, `/favicon.ico/route`) send no client JS.
        if !entry.ends_with("/page") {
            continue;
        }
        let crm = client_reference_manifest(ctx, &entry);
        let (initial, css) = if turbopack {
            let Some(crm) = &crm else {
                if ctx
                    .source
                    .is_file(&format!("server/app{entry}_client-reference-manifest.js"))
                {
                    continue; // present but unreadable: already reported
                }
                ctx.diags.push(
                    Diagnostic::warning(
                        Code::InputUnresolvedRoute,
                        format!("no client reference manifest for `{entry}`; route skipped"),
                    )
                    .at(format!("server/app{entry}_client-reference-manifest.js"))
                    .hint(HINT),
                );
                continue;
            };
            let js: Vec<String> = crm.entry_js_files.values().flatten().cloned().collect();
            let css: Vec<String> = crm
                .entry_css_files
                .values()
                .flatten()
                .filter(|c| !c.inlined)
                .map(|c| c.path.clone())
                .collect();
            let source = format!("server/app{entry}_client-reference-manifest.js");
            (
                client_files(ctx, &source, &js),
                client_files(ctx, &source, &css),
            )
        } else {
            match webpack_app_route(ctx, &route, &prerender, low_priority) {
                Some(found) => found,
                None => {
                    ctx.diags.push(
                        Diagnostic::warning(Code::InputUnresolvedRoute, format!("route `{route}` has neither prerendered HTML nor an RSC payload; its first-load files are unknown"))
                            .at("prerender-manifest.json")
                            .hint("webpack App Router keeps per-route chunks only in prerendered output; a dynamic route without generateStaticParams cannot be measured"),
                    );
                    continue;
                }
            }
        };
        let mut all: Vec<String> = root_main.to_vec();
        for f in initial.into_iter().chain(css) {
            if !all.contains(&f) {
                all.push(f);
            }
        }
        let mut lazy = Vec::new();
        if let Some(crm) = &crm {
            let initial_set: BTreeSet<&String> = all.iter().collect();
            for (origin, files) in loadable {
                let used = crm.client_modules.iter().any(|(module, m)| {
                    module_matches(module, origin)
                        && m.chunks.iter().any(|c| {
                            initial_set.contains(&c.strip_prefix("/_next/").unwrap_or(c).to_owned())
                        })
                });
                if used {
                    lazy.extend(files.iter().cloned());
                }
            }
        }
        lazy.extend(turbopack_loadables(
            ctx,
            &format!("server/app{entry}/react-loadable-manifest.json"),
        ));
        routes.push(RouteFiles {
            name: route,
            router: "app",
            initial: all,
            lazy,
        });
    }
}

/// A client-reference-manifest key (`/home/me/app/components/X.jsx` on webpack,
/// `[project]/components/X.jsx` on Turbopack) names the loadable origin `components/X.jsx`.
fn module_matches(module: &str, origin: &str) -> bool {
    let module = module.strip_prefix("[project]/").unwrap_or(module);
    module == origin || module.ends_with(&format!("/{origin}"))
}

/// `globalThis.__RSC_MANIFEST["/dashboard/page"]={…};` → the object.
fn client_reference_manifest(ctx: &mut Context, entry: &str) -> Option<ClientReferenceManifest> {
    let path = format!("server/app{entry}_client-reference-manifest.js");
    if !ctx.source.is_file(&path) {
        return None;
    }
    let text = ctx.read_text(&path, Code::InputBadManifest)?;
    let marker = format!(
        "__RSC_MANIFEST[{}]",
        serde_json::to_string(entry).unwrap_or_default()
    );
    let assignment = text.find(&marker).and_then(|i| {
        let rest = &text[i + marker.len()..];
        let eq = rest.len() - rest.trim_start().len();
        rest.trim_start()
            .starts_with('=')
            .then_some(i + marker.len() + eq + 1)
    });
    let Some(start) = assignment else {
        ctx.diags.push(
            Diagnostic::error(
                Code::InputBadManifest,
                format!("does not assign `__RSC_MANIFEST[\"{entry}\"]`"),
            )
            .at(path)
            .hint(HINT),
        );
        return None;
    };
    let object = text[start..].trim_end().trim_end_matches(';');
    match serde_json::from_str(object) {
        Ok(m) => Some(m),
        Err(e) => {
            // Report the position in the file, not in the slice.
            let line = text[..start].matches('\n').count() + e.line();
            ctx.diags.push(
                Diagnostic::error(
                    Code::InputBadManifest,
                    format!("malformed manifest object: {e}"),
                )
                .at(path)
                .at_position(line, e.column())
                .hint(HINT),
            );
            None
        }
    }
}

/// The prerendered HTML (or RSC payload) of an App Router route: its own, or for a dynamic
/// route the first page prerendered from it.
fn webpack_app_route(
    ctx: &mut Context,
    route: &str,
    prerender: &PrerenderManifest,
    low_priority: &[String],
) -> Option<(Vec<String>, Vec<String>)> {
    let mut candidates = vec![route.to_owned()];
    candidates.extend(
        prerender
            .routes
            .iter()
            .filter(|(_, r)| r.src_route.as_deref() == Some(route))
            .map(|(path, _)| path.clone()),
    );
    for candidate in &candidates {
        let stem = if candidate == "/" {
            "/index"
        } else {
            candidate.as_str()
        };
        let html_path = format!("server/app{stem}.html");
        if ctx.source.is_file(&html_path) {
            let HtmlStarts {
                scripts, styles, ..
            } = html::html_starts(ctx, &html_path, &next_url)?;
            let scripts = scripts
                .into_iter()
                .filter(|s| !low_priority.contains(s))
                .collect();
            return Some((scripts, styles));
        }
    }
    for candidate in &candidates {
        let stem = if candidate == "/" {
            "/index"
        } else {
            candidate.as_str()
        };
        let rsc_path = format!("server/app{stem}.rsc");
        if ctx.source.is_file(&rsc_path) {
            let bytes = ctx.source.read(&rsc_path).ok()?;
            let (mut js, mut css) = (Vec::new(), Vec::new());
            for p in distill_scan::loader::paths(&bytes) {
                let Some(p) = paths::normalize(&p.path).filter(|p| ctx.has(p)) else {
                    continue;
                };
                let list = if FileKind::from_path(&p) == FileKind::Stylesheet {
                    &mut css
                } else {
                    &mut js
                };
                if !list.contains(&p) {
                    list.push(p);
                }
            }
            return Some((js, css));
        }
    }
    None
}

/// `/_next/static/chunks/x.js?dpl=1` (under any basePath or assetPrefix) → `static/chunks/x.js`.
fn next_url(_doc: &str, url: &str) -> Option<String> {
    let i = url.find("/_next/")?;
    paths::resolve("", &url[i + "/_next".len()..], "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_urls_map_to_build_paths() {
        assert_eq!(
            next_url("", "/_next/static/chunks/a.js").as_deref(),
            Some("static/chunks/a.js")
        );
        assert_eq!(
            next_url("", "/docs/_next/static/css/b.css?dpl=x").as_deref(),
            Some("static/css/b.css")
        );
        assert_eq!(
            next_url("", "https://cdn.example/_next/static/chunks/a.js").as_deref(),
            Some("static/chunks/a.js")
        );
        assert_eq!(next_url("", "/favicon.ico"), None);
    }

    #[test]
    fn page_routes_from_module_paths() {
        assert_eq!(page_route("pages/stats.jsx").as_deref(), Some("/stats"));
        assert_eq!(page_route("pages/index.tsx").as_deref(), Some("/"));
        assert_eq!(
            page_route("pages/posts/[id].jsx").as_deref(),
            Some("/posts/[id]")
        );
        assert_eq!(page_route("pages/blog/index.js").as_deref(), Some("/blog"));
        assert_eq!(page_route("components/X.jsx"), None);
    }

    #[test]
    fn module_keys_of_both_bundlers_match_origins() {
        assert!(module_matches(
            "/home/me/next-app/components/CalendarWidget.jsx",
            "components/CalendarWidget.jsx"
        ));
        assert!(module_matches(
            "[project]/components/CalendarWidget.jsx",
            "components/CalendarWidget.jsx"
        ));
        assert!(!module_matches(
            "/home/me/next-app/components/OtherCalendarWidget.jsx",
            "components/CalendarWidget.jsx"
        ));
    }
}

//! `distill init` on every fixture app, then `npm run size` as the team would run it; and the
//! inputs init must refuse without writing anything.

use crate::util::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A project folder with the app's package.json and a copy of its build (without caches).
fn project(app: &str, out: &str) -> Option<(tempfile::TempDir, PathBuf)> {
    let built = if app == "demo" {
        demo()
    } else {
        fixture(app, out)?
    };
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo_root().join("fixtures").join(app).join("package.json"),
        tmp.path().join("package.json"),
    )
    .unwrap();
    let dest = tmp.path().join(out.trim_end_matches("-webpack"));
    for file in walk_files(&built) {
        let rel = file.strip_prefix(&built).unwrap();
        if rel.starts_with("cache") {
            continue;
        }
        let to = dest.join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&file, &to).unwrap();
    }
    Some((tmp, dest))
}

fn npm_run_size(dir: &Path) -> std::process::Output {
    let bin = Path::new(env!("CARGO_BIN_EXE_distill")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("npm")
        .args(["run", "--silent", "size"])
        .current_dir(dir)
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env("npm_config_update_notifier", "false")
        .env(
            "DISTILL_CACHE_DIR",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("size-cache"),
        )
        .output()
        .unwrap()
}

#[test]
fn init_then_npm_run_size_passes_on_every_fixture_app() {
    if !node_available("run `npm run size`") {
        return;
    }
    for (app, out) in [
        ("demo", "dist"),
        ("vite-react", "dist"),
        ("vite7-react", "dist"),
        ("vite-vue", "dist"),
        ("next-app", ".next"),
        ("next-pages", ".next"),
    ] {
        let Some((tmp, _)) = project(app, out) else {
            return;
        };
        let before = std::fs::read_to_string(tmp.path().join("package.json")).unwrap();
        let o = distill_in(tmp.path(), &["init"]);
        assert_eq!(o.status.code(), Some(0), "{app}: {}", stderr(&o));
        let budgets: serde_json::Value =
            serde_json::from_slice(&std::fs::read(tmp.path().join("budgets.json")).unwrap())
                .unwrap();
        let names: Vec<&str> = budgets["budgets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["name"].as_str().unwrap())
            .collect();
        assert!(
            names.iter().any(|n| n.starts_with("first load of")),
            "{app}: {names:?}"
        );
        assert!(names.contains(&"all scripts"), "{app}: {names:?}");
        // package.json gained one script and nothing else moved.
        let after = std::fs::read_to_string(tmp.path().join("package.json")).unwrap();
        let pkg: serde_json::Value = serde_json::from_str(&after).unwrap();
        assert_eq!(pkg["scripts"]["size"], "distill check", "{app}");
        let without: String = after
            .lines()
            .filter(|l| !l.contains("\"size\": \"distill check\""))
            .collect::<Vec<_>>()
            .join("\n");
        assert_eq!(
            without.replace(",\n", "\n"),
            before.trim_end().replace(",\n", "\n"),
            "{app}: only the script line was added"
        );
        let o = npm_run_size(tmp.path());
        assert_eq!(
            o.status.code(),
            Some(0),
            "{app}: npm run size\n{}\n{}",
            stdout(&o),
            stderr(&o)
        );
        assert!(
            stdout(&o).contains("failed"),
            "{app}: the check summary: {}",
            stdout(&o)
        );
    }
}

#[test]
fn init_refuses_without_writing_anything() {
    let tmp = tempfile::tempdir().unwrap();
    // No build at all.
    let o = distill_in(tmp.path(), &["init"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!tmp.path().join("budgets.json").exists());
    // A package.json that is not JSON: nothing written, the file untouched.
    copy_dir(&demo(), &tmp.path().join("dist"));
    write(&tmp.path().join("package.json"), "{ \"name\": \"x\", }");
    let o = distill_in(tmp.path(), &["init"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("not valid JSON"), "{}", stderr(&o));
    assert!(!tmp.path().join("budgets.json").exists());
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("package.json")).unwrap(),
        "{ \"name\": \"x\", }"
    );
    // Tabs are kept.
    write(
        &tmp.path().join("package.json"),
        "{\n\t\"name\": \"x\",\n\t\"scripts\": {\n\t\t\"build\": \"vite build\"\n\t}\n}\n",
    );
    let o = distill_in(tmp.path(), &["init"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("package.json")).unwrap(),
        "{\n\t\"name\": \"x\",\n\t\"scripts\": {\n\t\t\"build\": \"vite build\",\n\t\t\"size\": \"distill check\"\n\t}\n}\n"
    );
    // An existing budgets file is not replaced without --force.
    write(&tmp.path().join("budgets.json"), "mine");
    let o = distill_in(tmp.path(), &["init"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("budgets.json")).unwrap(),
        "mine"
    );
    let o = distill_in(tmp.path(), &["init", "--force", "--headroom", "25%"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("25% over today's sizes"),
        "{}",
        stdout(&o)
    );
}

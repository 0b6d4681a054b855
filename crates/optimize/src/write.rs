//! Writing an optimized build: a complete copy in another folder (`--out`), or the changes into
//! the build itself (`--in-place`). Every file goes through a [`Sink`]: replaced atomically,
//! never outside the output folder, never through a symbolic link. A file that cannot be written
//! is reported and keeps its old bytes; the rest is still written. Files already holding the
//! bytes to write are left untouched, so a rerun after an interruption only finishes the job.

use distill_fs::{Change, DirSink, Overlay, Sink, SinkError, is_temporary};
use distill_graph::{Code, Diagnostic};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Where the optimized build goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A complete copy in `dir`. An existing folder must be empty unless `force`, which makes
    /// it an exact copy (files that are not part of the result are removed).
    Out { dir: PathBuf, force: bool },
    /// The build folder itself.
    InPlace,
}

/// Why nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error(
        "`--out {out}` is inside the build folder {input}: the copy would be part of the build it copies"
    )]
    OutInside { out: String, input: String },
    #[error(
        "the build folder {input} is inside `--out {out}`: the copy would overwrite its own input"
    )]
    InputInside { out: String, input: String },
    #[error("`--out {out}` exists and is not empty")]
    NotEmpty { out: String },
    #[error("cannot use {path} as the output folder: {source}")]
    Unusable {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl Refusal {
    pub fn diagnostic(&self) -> Diagnostic {
        let hint = match self {
            Refusal::OutInside { .. } | Refusal::InputInside { .. } => {
                "name a folder beside the build (`distill optimize dist --out dist-optimized`), or use --in-place"
            }
            Refusal::NotEmpty { .. } => {
                "pass --force to replace its contents with the optimized build, or name a new folder"
            }
            Refusal::Unusable { .. } => "check the path and its permissions",
        };
        Diagnostic::error(Code::OptimizeRefused, self.to_string()).hint(hint)
    }
}

/// What the write step did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Written {
    /// The folder written (canonical).
    pub dir: PathBuf,
    /// Files written with new bytes.
    pub written: usize,
    /// Unchanged files copied (`--out`).
    pub copied: usize,
    /// Files that already held the right bytes.
    pub unchanged: usize,
    pub removed: usize,
    /// Temporary files of an interrupted earlier run, cleaned up.
    pub leftovers: usize,
    pub diagnostics: Vec<Diagnostic>,
}

/// Checks `target` against the build folder `input` before any work is done.
pub fn check(input: &Path, target: &Target) -> Result<(), Refusal> {
    let Target::Out { dir, force } = target else {
        return Ok(());
    };
    let unusable = |source| Refusal::Unusable {
        path: dir.display().to_string(),
        source,
    };
    let input_real = input.canonicalize().map_err(|source| Refusal::Unusable {
        path: input.display().to_string(),
        source,
    })?;
    // The out folder may not exist yet: resolve its nearest existing ancestor.
    let out_real = resolve_future(dir).map_err(unusable)?;
    let names = || (dir.display().to_string(), input.display().to_string());
    if out_real.starts_with(&input_real) {
        let (out, input) = names();
        return Err(Refusal::OutInside { out, input });
    }
    if input_real.starts_with(&out_real) {
        let (out, input) = names();
        return Err(Refusal::InputInside { out, input });
    }
    if !force
        && let Ok(mut entries) = std::fs::read_dir(dir)
        && entries.next().is_some()
    {
        return Err(Refusal::NotEmpty {
            out: dir.display().to_string(),
        });
    }
    Ok(())
}

fn resolve_future(path: &Path) -> std::io::Result<PathBuf> {
    let absolute = std::path::absolute(path)?;
    let mut rest = Vec::new();
    let mut at = absolute.as_path();
    loop {
        if let Ok(real) = at.canonicalize() {
            return Ok(rest.iter().rev().fold(real, |p, part| p.join(part)));
        }
        match (at.parent(), at.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                at = parent;
            }
            _ => return Ok(absolute),
        }
    }
}

/// Writes `overlay` (over the build folder `input`) to `target`. `skip_dir` says which folders
/// of the input a copy leaves out (`.next/cache`, `node_modules`).
pub fn write(
    input: &Path,
    overlay: &Overlay,
    target: &Target,
    skip_dir: &dyn Fn(&str) -> bool,
) -> Result<Written, Refusal> {
    check(input, target)?;
    let root = match target {
        Target::Out { dir, .. } => dir.as_path(),
        Target::InPlace => input,
    };
    let sink = DirSink::create(root).map_err(|source| Refusal::Unusable {
        path: root.display().to_string(),
        source,
    })?;
    let mut done = write_into(&sink, input, overlay, target, skip_dir);
    done.dir = sink.root().to_path_buf();
    Ok(done)
}

/// [`write`] into any sink (a failing one in tests).
pub fn write_into(
    sink: &dyn Sink,
    input: &Path,
    overlay: &Overlay,
    target: &Target,
    skip_dir: &dyn Fn(&str) -> bool,
) -> Written {
    let mut done = Written {
        leftovers: sink.clean_leftovers(),
        ..Written::default()
    };
    let mut result: BTreeSet<String> = BTreeSet::new();
    let mut full = false;
    if let Target::Out { .. } = target {
        let (files, notes) = everything_in(input, skip_dir);
        done.diagnostics.extend(notes);
        for rel in files {
            if full {
                break;
            }
            let from = input.join(&rel);
            let r = match rel
                .to_str()
                .map(|p| p.replace(std::path::MAIN_SEPARATOR, "/"))
            {
                // A name the build model can hold: what the stages changed is written below.
                Some(path) if overlay.changes().contains_key(&path) => continue,
                Some(path) => {
                    result.insert(path.clone());
                    match std::fs::read(&from) {
                        Ok(bytes) if sink.holds(&path, &bytes) => Ok(Outcome::Same),
                        Ok(_) => sink.copy_from(&path, &from).map(|()| Outcome::Copied),
                        Err(source) => Err(SinkError::Write { path, source }),
                    }
                }
                // Any other name is copied as it is, byte for byte.
                None => sink.copy_os(&rel, &from).map(|()| Outcome::Copied),
            };
            full = done.record(r);
        }
    }
    for (path, change) in overlay.changes() {
        if full {
            break;
        }
        let r = match change {
            Change::Write(bytes) => {
                result.insert(path.clone());
                if sink.holds(path, bytes) {
                    Ok(Outcome::Same)
                } else {
                    let mode = mode_of(&input.join(original_of(path)));
                    sink.write(path, bytes, mode).map(|()| Outcome::Written)
                }
            }
            Change::Remove => sink.remove(path).map(|()| Outcome::Removed),
        };
        full = done.record(r);
    }
    if full {
        done.diagnostics.push(
            Diagnostic::error(
                Code::OptimizeWriteFailed,
                "stopped writing: the disk is full; every file not written is as it was",
            )
            .hint("free some space and run again: the run finishes what this one started"),
        );
    }
    if let Target::Out { force: true, .. } = target
        && !full
    {
        for path in sink.list().into_iter().filter(|p| !result.contains(p)) {
            let r = sink.remove(&path).map(|()| Outcome::Removed);
            done.record(r);
        }
    }
    done
}

enum Outcome {
    Written,
    Copied,
    Same,
    Removed,
}

impl Written {
    /// Counts one outcome; `true` when the disk is full and writing should stop.
    fn record(&mut self, r: Result<Outcome, SinkError>) -> bool {
        match r {
            Ok(Outcome::Written) => self.written += 1,
            Ok(Outcome::Copied) => self.copied += 1,
            Ok(Outcome::Same) => self.unchanged += 1,
            Ok(Outcome::Removed) => self.removed += 1,
            Err(e) => {
                self.diagnostics.push(
                    Diagnostic::error(
                        Code::OptimizeWriteFailed,
                        format!("{e}; the file is left as it was"),
                    )
                    .at(e.path().to_owned())
                    .hint("check the folder's permissions and space; run again to finish the job"),
                );
                return e.is_disk_full();
            }
        }
        false
    }
}

/// Every regular file under `input` (relative paths, any bytes in names), for a complete copy:
/// folders `skip_dir` names are left out, and so are temporary files and symbolic links that
/// lead outside the folder (with a diagnostic), or back into a folder being walked.
fn everything_in(input: &Path, skip_dir: &dyn Fn(&str) -> bool) -> (Vec<PathBuf>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut notes = Vec::new();
    let Ok(root) = input.canonicalize() else {
        return (files, notes);
    };
    let mut seen_dirs = BTreeSet::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let dir = input.join(&rel);
        if let Ok(real) = dir.canonicalize()
            && !seen_dirs.insert(real)
        {
            continue; // a link back into a folder already walked
        }
        let Ok(entries) = std::fs::read_dir(&dir) else {
            notes.push(
                Diagnostic::warning(Code::InputUnreadable, "cannot list this folder; not copied")
                    .at(rel.to_string_lossy().into_owned()),
            );
            continue;
        };
        let mut entries: Vec<_> = entries.flatten().collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for e in entries {
            let rel = rel.join(e.file_name());
            let shown = rel
                .to_string_lossy()
                .replace(std::path::MAIN_SEPARATOR, "/");
            let path = e.path();
            let is_link = e.file_type().is_ok_and(|t| t.is_symlink());
            if is_link && !path.canonicalize().is_ok_and(|p| p.starts_with(&root)) {
                notes.push(
                    Diagnostic::info(
                        Code::InputSymlinkOutside,
                        "symbolic link points outside the build folder; not copied",
                    )
                    .at(shown),
                );
                continue;
            }
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            if meta.is_dir() {
                if !skip_dir(&shown) {
                    stack.push(rel);
                }
            } else if meta.is_file() && !e.file_name().to_str().is_some_and(is_temporary) {
                files.push(rel);
            }
        }
    }
    files.sort();
    (files, notes)
}

/// `assets/x.js.br` was made from `assets/x.js`, whose mode it takes.
fn original_of(path: &str) -> &str {
    distill_graph::Sibling::parse(path).map_or(path, |(base, _)| base)
}

fn mode_of(path: &Path) -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path)
            .ok()
            .map(|m| m.permissions().mode() & 0o777)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use distill_fs::FsSource;

    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (p, text) in files {
            let path = dir.path().join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            distill_fs::write_atomic(&path, text.as_bytes()).unwrap();
        }
        dir
    }

    #[test]
    fn out_is_a_complete_copy_and_reruns_change_nothing() {
        let input = tree(&[
            ("a.js", "aaaa"),
            ("cache/x", "skip me"),
            ("img/b.png", "png"),
        ]);
        let source = FsSource::open(input.path()).unwrap();
        let mut overlay = Overlay::new(&source);
        overlay.write("a.js.br", b"br".to_vec());
        let outer = tempfile::tempdir().unwrap();
        let out = outer.path().join("out");
        let target = Target::Out {
            dir: out.clone(),
            force: false,
        };
        let skip = |d: &str| d == "cache";
        let done = write(input.path(), &overlay, &target, &skip).unwrap();
        assert_eq!((done.copied, done.written), (2, 1), "{done:?}");
        assert_eq!(std::fs::read(out.join("a.js.br")).unwrap(), b"br");
        assert!(!out.join("cache").exists());
        // Not empty now: refused without --force; with it, nothing changes on a rerun.
        assert!(matches!(
            write(input.path(), &overlay, &target, &skip),
            Err(Refusal::NotEmpty { .. })
        ));
        distill_fs::write_atomic(&out.join("extra.txt"), b"x").unwrap();
        let forced = Target::Out {
            dir: out.clone(),
            force: true,
        };
        let again = write(input.path(), &overlay, &forced, &skip).unwrap();
        assert_eq!((again.unchanged, again.removed), (3, 1), "{again:?}");
        assert!(!out.join("extra.txt").exists());
    }

    #[test]
    fn out_inside_the_input_or_around_it_is_refused() {
        let input = tree(&[("a.js", "a")]);
        let source = FsSource::open(input.path()).unwrap();
        let overlay = Overlay::new(&source);
        for (dir, want) in [
            (input.path().join("opt"), "inside the build"),
            (
                input.path().parent().unwrap().to_path_buf(),
                "inside `--out",
            ),
        ] {
            let target = Target::Out { dir, force: true };
            let err = write(input.path(), &overlay, &target, &|_| false).unwrap_err();
            assert!(err.to_string().contains(want), "{err}");
        }
        assert!(!input.path().join("opt").exists());
    }

    #[test]
    fn a_full_disk_stops_the_run_and_loses_nothing() {
        let input = tree(&[("a.js", "aaaa"), ("b.js", "bbbb")]);
        let source = FsSource::open(input.path()).unwrap();
        let mut overlay = Overlay::new(&source);
        overlay.write("a.js.br", vec![1; 3]);
        overlay.write("b.js.br", vec![2; 3]);
        let sink = distill_fs::MemSink::with_capacity(10);
        let target = Target::Out {
            dir: PathBuf::from("unused"),
            force: false,
        };
        let done = write_into(&sink, input.path(), &overlay, &target, &|_| false);
        let codes: Vec<_> = done.diagnostics.iter().map(|d| d.code).collect();
        assert!(
            codes.iter().all(|c| *c == Code::OptimizeWriteFailed),
            "{codes:?}"
        );
        assert!(
            done.diagnostics
                .iter()
                .any(|d| d.message.contains("disk is full"))
        );
        // What was written is whole; the input is untouched.
        for (path, bytes) in sink.files() {
            assert_eq!(
                bytes.len(),
                if path.ends_with(".br") { 3 } else { 4 },
                "{path}"
            );
        }
        assert_eq!(std::fs::read(input.path().join("a.js")).unwrap(), b"aaaa");
    }

    #[test]
    fn in_place_writes_changes_and_cleans_leftovers() {
        let input = tree(&[
            ("a.js", "a"),
            ("a.js.gz", "stale"),
            ("sub/.distill-tmp-abc", "half"),
        ]);
        let source = FsSource::open(input.path()).unwrap();
        let mut overlay = Overlay::new(&source);
        overlay.write("a.js.br", b"new".to_vec());
        overlay.remove("a.js.gz");
        let done = write(input.path(), &overlay, &Target::InPlace, &|_| false).unwrap();
        assert_eq!(
            (done.written, done.removed, done.leftovers),
            (1, 1, 1),
            "{done:?}"
        );
        assert!(!input.path().join("a.js.gz").exists());
        assert!(!input.path().join("sub/.distill-tmp-abc").exists());
        assert_eq!(std::fs::read(input.path().join("a.js")).unwrap(), b"a");
    }
}

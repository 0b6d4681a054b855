//! A build as a stage leaves it: the files it started from plus what stages wrote, added and
//! removed, readable like any [`FileSource`] so the next stage (and a final analysis) sees the
//! result before a single byte is written to disk.

use crate::source::{FileSource, in_skipped_dir};
use distill_graph::Diagnostic;
use std::collections::BTreeMap;
use std::io;
use std::sync::Arc;

/// What happened to one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// New bytes, for a file that existed or a new one.
    Write(Arc<[u8]>),
    /// The file is gone from the result.
    Remove,
}

/// A [`FileSource`] with changes on top.
pub struct Overlay<'a> {
    base: &'a dyn FileSource,
    changes: BTreeMap<String, Change>,
}

impl std::fmt::Debug for Overlay<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Overlay")
            .field("changes", &self.changes.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl<'a> Overlay<'a> {
    pub fn new(base: &'a dyn FileSource) -> Overlay<'a> {
        Overlay {
            base,
            changes: BTreeMap::new(),
        }
    }

    /// The build the changes are on top of.
    pub fn base(&self) -> &'a dyn FileSource {
        self.base
    }

    pub fn write(&mut self, path: &str, bytes: impl Into<Arc<[u8]>>) {
        self.changes
            .insert(path.to_owned(), Change::Write(bytes.into()));
    }

    pub fn remove(&mut self, path: &str) {
        self.changes.insert(path.to_owned(), Change::Remove);
    }

    /// Every change, by path.
    pub fn changes(&self) -> &BTreeMap<String, Change> {
        &self.changes
    }

    /// The bytes written to `path`, when a stage wrote it.
    pub fn written(&self, path: &str) -> Option<&Arc<[u8]>> {
        match self.changes.get(path) {
            Some(Change::Write(bytes)) => Some(bytes),
            _ => None,
        }
    }
}

impl FileSource for Overlay<'_> {
    fn walk(&self, skip_dir: &dyn Fn(&str) -> bool) -> (Vec<String>, Vec<Diagnostic>) {
        let (mut files, diags) = self.base.walk(skip_dir);
        files.retain(|f| !matches!(self.changes.get(f), Some(Change::Remove)));
        for (path, change) in &self.changes {
            if matches!(change, Change::Write(_)) && !in_skipped_dir(path, skip_dir) {
                files.push(path.clone());
            }
        }
        files.sort();
        files.dedup();
        (files, diags)
    }

    fn read(&self, path: &str) -> io::Result<Vec<u8>> {
        match self.changes.get(path) {
            Some(Change::Write(bytes)) => Ok(bytes.to_vec()),
            Some(Change::Remove) => Err(removed(path)),
            None => self.base.read(path),
        }
    }

    fn is_file(&self, path: &str) -> bool {
        match self.changes.get(path) {
            Some(Change::Write(_)) => true,
            Some(Change::Remove) => false,
            None => self.base.is_file(path),
        }
    }

    fn len(&self, path: &str) -> io::Result<u64> {
        match self.changes.get(path) {
            Some(Change::Write(bytes)) => Ok(bytes.len() as u64),
            Some(Change::Remove) => Err(removed(path)),
            None => self.base.len(path),
        }
    }
}

fn removed(path: &str) -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, format!("`{path}` was removed"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemSource;

    #[test]
    fn writes_and_removals_show_through() {
        let base = MemSource::new()
            .with("a.js", "a")
            .with("b.js", "b")
            .with("cache/x", "x");
        let mut overlay = Overlay::new(&base);
        overlay.write("a.js", b"A".to_vec());
        overlay.remove("b.js");
        overlay.write("c.js.br", b"c".to_vec());
        overlay.write("cache/y", b"y".to_vec());
        assert_eq!(overlay.walk(&|d| d == "cache").0, ["a.js", "c.js.br"]);
        assert_eq!(overlay.read("a.js").unwrap(), b"A");
        assert!(overlay.read("b.js").is_err());
        assert!(!overlay.is_file("b.js"));
        assert_eq!(overlay.len("c.js.br").unwrap(), 1);
        assert_eq!(base.read("a.js").unwrap(), b"a", "the base is untouched");
    }
}

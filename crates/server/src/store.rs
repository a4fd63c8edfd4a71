//! Where the shared files live, behind a trait so that a distributed store with
//! compare-and-swap can replace the local directory without touching the HTTP layer.
//!
//! The local directory store writes durably (temporary file, fsync, rename, fsync of the
//! directory) under a per-file lock, so concurrent writers with the same `If-Match` see
//! exactly one success and a crash leaves the old or the new version whole. It keeps the
//! last N versions of each file under `.history/`, which no HTTP path can reach (every
//! path segment must start with a letter, digit, `_` or `-`). Temporary files live in
//! `.tmp/`, and a server killed mid-write leaves its one there: opening the store
//! removes them. Every filesystem call goes through [`crate::disk::Fs`], so that a test
//! can cut the power at each step of a write (`tests/power_loss.rs`).

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use crate::disk::{create_dir_all, durable_write, Fs, Kind, RealFs};

/// A boxed future, so that stores can be chosen at run time.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A validated path of 1–3 segments of `[A-Za-z0-9._-]`, none starting with a dot.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FilePath(String);

/// The longest path segment accepted.
pub const MAX_SEGMENT: usize = 100;

impl FilePath {
    /// Validates a path as it arrives (already percent-decoded).
    pub fn parse(raw: &str) -> Result<FilePath, String> {
        let segments: Vec<&str> = raw.split('/').collect();
        if segments.is_empty() || segments.len() > 3 {
            return Err(format!(
                "a path has 1 to 3 segments, not {}",
                segments.len()
            ));
        }
        for s in &segments {
            if s.is_empty() {
                return Err("empty path segment".into());
            }
            if s.len() > MAX_SEGMENT {
                return Err(format!("path segment longer than {MAX_SEGMENT} characters"));
            }
            if s.starts_with('.') {
                return Err("path segments must not start with a dot".into());
            }
            if !s
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
            {
                return Err("path segments may hold only A-Z a-z 0-9 . _ -".into());
            }
        }
        Ok(FilePath(raw.to_owned()))
    }

    /// A path the server keeps for itself (accounts): it starts with a dot, so no
    /// request can name it.
    pub(crate) fn internal(path: &'static str) -> FilePath {
        debug_assert!(path.starts_with('.'));
        FilePath(path.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn segments(&self) -> impl Iterator<Item = &str> {
        self.0.split('/')
    }
}

/// A file's content with its strong ETag (quoted, as sent in headers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    pub body: Vec<u8>,
    pub etag: String,
}

/// The condition a write is made under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Precondition {
    /// The file exists and its ETag is this one.
    IfMatch(String),
    /// The file does not exist.
    IfAbsent,
}

/// A kept version of a file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Version {
    pub number: u64,
    pub etag: String,
    pub bytes: u64,
    /// Unix seconds of the write.
    pub written: u64,
}

/// Errors of a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the precondition failed")]
    PreconditionFailed,
    #[error("the path runs through a symbolic link")]
    Symlink,
    #[error("storage error: {0}")]
    Io(#[from] io::Error),
    /// The store cannot be reached or is busy; the request may be retried.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// The store refused the operation for a reason a retry does not change (a
    /// constraint, a permission, a malformed statement): a fault to report, not to retry.
    #[error("store fault: {0}")]
    Fault(String),
    /// The store's settings are wrong (reported at start).
    #[error("{0}")]
    Config(String),
}

/// What the server needs from a place to keep files.
pub trait Store: Send + Sync + 'static {
    fn get<'a>(&'a self, path: &'a FilePath) -> BoxFuture<'a, Result<Option<Stored>, StoreError>>;
    /// Writes when the precondition holds; returns the new ETag.
    fn put<'a>(
        &'a self,
        path: &'a FilePath,
        body: Vec<u8>,
        pre: Precondition,
    ) -> BoxFuture<'a, Result<String, StoreError>>;
    /// Kept versions, oldest first.
    fn history<'a>(&'a self, path: &'a FilePath)
        -> BoxFuture<'a, Result<Vec<Version>, StoreError>>;
    fn version<'a>(
        &'a self,
        path: &'a FilePath,
        number: u64,
    ) -> BoxFuture<'a, Result<Option<Vec<u8>>, StoreError>>;
    /// Writes a file that is never replaced (content-addressed media) when it is
    /// absent, keeping no history version; `PreconditionFailed` when it exists. The
    /// default keeps a version like any `put`; the stores here override it.
    fn create<'a>(
        &'a self,
        path: &'a FilePath,
        body: Vec<u8>,
    ) -> BoxFuture<'a, Result<String, StoreError>> {
        self.put(path, body, Precondition::IfAbsent)
    }
}

/// Implements [`Store`] for a type whose inherent async methods `get_now`, `put_now`,
/// `history_now`, `version_now` and `create_now` do the work.
macro_rules! async_store {
    ($t:ty) => {
        impl $crate::store::Store for $t {
            fn get<'a>(
                &'a self,
                path: &'a $crate::store::FilePath,
            ) -> $crate::store::BoxFuture<
                'a,
                Result<Option<$crate::store::Stored>, $crate::store::StoreError>,
            > {
                Box::pin(self.get_now(path))
            }

            fn put<'a>(
                &'a self,
                path: &'a $crate::store::FilePath,
                body: Vec<u8>,
                pre: $crate::store::Precondition,
            ) -> $crate::store::BoxFuture<'a, Result<String, $crate::store::StoreError>> {
                Box::pin(self.put_now(path, body, pre))
            }

            fn history<'a>(
                &'a self,
                path: &'a $crate::store::FilePath,
            ) -> $crate::store::BoxFuture<
                'a,
                Result<Vec<$crate::store::Version>, $crate::store::StoreError>,
            > {
                Box::pin(self.history_now(path))
            }

            fn version<'a>(
                &'a self,
                path: &'a $crate::store::FilePath,
                number: u64,
            ) -> $crate::store::BoxFuture<'a, Result<Option<Vec<u8>>, $crate::store::StoreError>>
            {
                Box::pin(self.version_now(path, number))
            }

            fn create<'a>(
                &'a self,
                path: &'a $crate::store::FilePath,
                body: Vec<u8>,
            ) -> $crate::store::BoxFuture<'a, Result<String, $crate::store::StoreError>> {
                Box::pin(self.create_now(path, body))
            }
        }
    };
}
pub(crate) use async_store;

/// The strong ETag of a body: its SHA-256, quoted.
pub fn etag_of(body: &[u8]) -> String {
    format!("\"{}\"", digest_hex(body, 16))
}

/// The first `bytes` bytes of a body's SHA-256, in hex.
pub(crate) fn digest_hex(body: &[u8], bytes: usize) -> String {
    hex(&Sha256::digest(body)[..bytes])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// 16 random hex digits, for temporary names.
pub(crate) fn random_hex() -> io::Result<String> {
    let mut rnd = [0u8; 8];
    getrandom::fill(&mut rnd).map_err(|e| io::Error::other(e.to_string()))?;
    Ok(hex(&rnd))
}

/// Files in a local directory.
pub struct FsStore {
    fs: Arc<dyn Fs>,
    root: PathBuf,
    keep: usize,
    locks: Mutex<HashMap<String, Arc<Mutex<()>>>>,
    /// Held while directories are made, so that one seen to exist is already synced
    /// in its parent.
    making_dirs: Mutex<()>,
}

impl FsStore {
    /// Opens (creating) a data directory, keeping `keep` versions of each file.
    pub fn open(root: impl Into<PathBuf>, keep: usize) -> io::Result<Self> {
        Self::open_on(Arc::new(RealFs), root, keep)
    }

    /// Opens a data directory on the filesystem `fs` (a simulated one, in tests).
    pub fn open_on(fs: Arc<dyn Fs>, root: impl Into<PathBuf>, keep: usize) -> io::Result<Self> {
        let root = root.into();
        create_dir_all(fs.as_ref(), &root.join(".tmp"))?;
        create_dir_all(fs.as_ref(), &root.join(".history"))?;
        // A server killed mid-write leaves its temporary file here, never a half-written
        // file in place: it is nobody's data, so a start removes it. One server owns a
        // data directory (its locks are in memory), so none of these is in use.
        for name in fs.list(&root.join(".tmp"))? {
            let path = root.join(".tmp").join(name);
            if let Err(e) = fs.remove_file(&path) {
                eprintln!(
                    "jindu-server: could not remove the temporary file {}: {e}",
                    path.display()
                );
            }
        }
        Ok(FsStore {
            fs,
            root,
            keep: keep.max(1),
            locks: Mutex::new(HashMap::new()),
            making_dirs: Mutex::new(()),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn lock_for(&self, path: &FilePath) -> Arc<Mutex<()>> {
        let mut locks = self.locks.lock().unwrap_or_else(|e| e.into_inner());
        locks.entry(path.0.clone()).or_default().clone()
    }

    /// The file's location, refusing any component that is a symbolic link.
    fn resolve(&self, base: &Path, path: &FilePath) -> Result<PathBuf, StoreError> {
        let mut p = base.to_path_buf();
        for s in path.segments() {
            p.push(s);
            if self.fs.kind(&p) == Some(Kind::Symlink) {
                return Err(StoreError::Symlink);
            }
        }
        Ok(p)
    }

    fn read_now(&self, path: &FilePath) -> Result<Option<Stored>, StoreError> {
        let p = self.resolve(&self.root, path)?;
        match self.fs.read(&p) {
            Ok(body) => {
                let etag = etag_of(&body);
                Ok(Some(Stored { body, etag }))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            // A directory where a file was asked for reads as absent.
            Err(_) if self.fs.kind(&p) == Some(Kind::Dir) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn history_dir(&self, path: &FilePath) -> Result<PathBuf, StoreError> {
        self.resolve(&self.root.join(".history"), path)
    }

    fn make_dirs(&self, dir: &Path) -> io::Result<()> {
        let _making = self.making_dirs.lock().unwrap_or_else(|e| e.into_inner());
        create_dir_all(self.fs.as_ref(), dir)
    }

    fn write_now(
        &self,
        path: &FilePath,
        body: &[u8],
        pre: &Precondition,
    ) -> Result<String, StoreError> {
        let lock = self.lock_for(path);
        let _guard = lock.lock().unwrap_or_else(|e| e.into_inner());
        let current = self.read_now(path)?;
        let ok = match (pre, &current) {
            (Precondition::IfMatch(tag), Some(c)) => *tag == c.etag,
            (Precondition::IfAbsent, None) => true,
            _ => false,
        };
        if !ok {
            return Err(StoreError::PreconditionFailed);
        }
        let target = self.resolve(&self.root, path)?;
        let dir = target
            .parent()
            .expect("a resolved file has a parent")
            .to_path_buf();
        self.make_dirs(&dir)?;
        // Re-check after creating directories: nothing may have become a link.
        self.resolve(&self.root, path)?;
        durable_write(self.fs.as_ref(), &self.root.join(".tmp"), &target, body)?;
        let etag = etag_of(body);
        // History is a convenience for repairs: a failure here does not fail the write.
        if let Err(e) = self.keep_version(path, body) {
            eprintln!(
                "jindu-server: could not keep a history version of {}: {e}",
                path.0
            );
        }
        Ok(etag)
    }

    /// Writes a file that is never replaced, when absent: no history version.
    fn create_now(&self, path: &FilePath, body: &[u8]) -> Result<String, StoreError> {
        let lock = self.lock_for(path);
        let _guard = lock.lock().unwrap_or_else(|e| e.into_inner());
        let target = self.resolve(&self.root, path)?;
        if self.fs.kind(&target).is_some() {
            return Err(StoreError::PreconditionFailed);
        }
        let dir = target.parent().expect("a resolved file has a parent");
        self.make_dirs(dir)?;
        // Re-check after creating directories: nothing may have become a link.
        self.resolve(&self.root, path)?;
        durable_write(self.fs.as_ref(), &self.root.join(".tmp"), &target, body)?;
        Ok(etag_of(body))
    }

    fn versions_in(&self, dir: &Path) -> Vec<u64> {
        let mut v: Vec<u64> = self
            .fs
            .list(dir)
            .map(|names| {
                names
                    .iter()
                    .filter_map(|n| n.strip_suffix(".v")?.parse().ok())
                    .collect()
            })
            .unwrap_or_default();
        v.sort_unstable();
        v
    }

    fn keep_version(&self, path: &FilePath, body: &[u8]) -> Result<(), StoreError> {
        let dir = self.history_dir(path)?;
        self.make_dirs(&dir)?;
        let versions = self.versions_in(&dir);
        let next = versions.last().map_or(1, |n| n + 1);
        durable_write(
            self.fs.as_ref(),
            &self.root.join(".tmp"),
            &dir.join(format!("{next:08}.v")),
            body,
        )?;
        let excess = (versions.len() + 1).saturating_sub(self.keep);
        for n in versions.iter().take(excess) {
            let _ = self.fs.remove_file(&dir.join(format!("{n:08}.v")));
        }
        Ok(())
    }
}

fn blocking<'a, T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> BoxFuture<'a, Result<T, StoreError>> {
    Box::pin(async move {
        tokio::task::spawn_blocking(f)
            .await
            .map_err(|e| StoreError::Io(io::Error::other(e.to_string())))?
    })
}

/// Shares an [`FsStore`] with blocking tasks.
#[derive(Clone)]
pub struct SharedFs(pub Arc<FsStore>);

impl Store for SharedFs {
    fn get<'a>(&'a self, path: &'a FilePath) -> BoxFuture<'a, Result<Option<Stored>, StoreError>> {
        let (s, p) = (self.0.clone(), path.clone());
        blocking(move || s.read_now(&p))
    }

    fn put<'a>(
        &'a self,
        path: &'a FilePath,
        body: Vec<u8>,
        pre: Precondition,
    ) -> BoxFuture<'a, Result<String, StoreError>> {
        let (s, p) = (self.0.clone(), path.clone());
        blocking(move || s.write_now(&p, &body, &pre))
    }

    fn history<'a>(
        &'a self,
        path: &'a FilePath,
    ) -> BoxFuture<'a, Result<Vec<Version>, StoreError>> {
        let (s, p) = (self.0.clone(), path.clone());
        blocking(move || {
            let dir = s.history_dir(&p)?;
            let mut out = Vec::new();
            for n in s.versions_in(&dir) {
                let file = dir.join(format!("{n:08}.v"));
                let (Ok(body), Ok(modified)) = (s.fs.read(&file), s.fs.modified(&file)) else {
                    continue;
                };
                let written = Some(modified)
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_secs());
                out.push(Version {
                    number: n,
                    etag: etag_of(&body),
                    bytes: body.len() as u64,
                    written,
                });
            }
            Ok(out)
        })
    }

    fn create<'a>(
        &'a self,
        path: &'a FilePath,
        body: Vec<u8>,
    ) -> BoxFuture<'a, Result<String, StoreError>> {
        let (s, p) = (self.0.clone(), path.clone());
        blocking(move || s.create_now(&p, &body))
    }

    fn version<'a>(
        &'a self,
        path: &'a FilePath,
        number: u64,
    ) -> BoxFuture<'a, Result<Option<Vec<u8>>, StoreError>> {
        let (s, p) = (self.0.clone(), path.clone());
        blocking(move || {
            let file = s.history_dir(&p)?.join(format!("{number:08}.v"));
            match s.fs.read(&file) {
                Ok(b) => Ok(Some(b)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e.into()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_checked() {
        for ok in ["plans/xixing-2021.json", "a", "a/b/c", "A_b-1.x"] {
            assert!(FilePath::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "/a", "a/", "../a", "a/../b", ".hidden", "a/.b", "a/b/c/d", "a\0b", "a b", "é",
            "a\\b",
        ] {
            assert!(FilePath::parse(bad).is_err(), "{bad:?}");
        }
        assert!(FilePath::parse(&"x".repeat(MAX_SEGMENT + 1)).is_err());
    }
}

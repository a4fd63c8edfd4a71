//! The few filesystem operations the directory store makes, behind a trait, so that a
//! test can stand in a filesystem that loses at a power cut whatever was not fsynced
//! (`tests/power_loss.rs`) and check that no acknowledged write goes with it.
//!
//! The contract is POSIX's, strictly: a file's content is durable once the file is
//! fsynced; its name in a directory (created, renamed, removed) once the directory is
//! fsynced. Nothing else is promised.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;
use std::time::SystemTime;

/// What a path names, not following symbolic links.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
}

/// A filesystem, as the directory store uses it.
pub trait Fs: Send + Sync + 'static {
    /// A file's whole content (`NotFound` when there is none).
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// What `path` names, if anything.
    fn kind(&self, path: &Path) -> Option<Kind>;
    /// When a file was last written.
    fn modified(&self, path: &Path) -> io::Result<SystemTime>;
    /// The names in a directory.
    fn list(&self, dir: &Path) -> io::Result<Vec<String>>;
    /// Creates a directory in an existing one (`AlreadyExists` when it is there).
    fn create_dir(&self, path: &Path) -> io::Result<()>;
    /// Creates a new file holding `body` and fsyncs it: the content is durable, the
    /// name is not until its directory is synced.
    fn write_synced(&self, path: &Path, body: &[u8]) -> io::Result<()>;
    /// Renames a file (replacing any file at `to`).
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;
    fn remove_file(&self, path: &Path) -> io::Result<()>;
    /// Fsyncs a directory: the names in it as they are now are durable.
    fn sync_dir(&self, dir: &Path) -> io::Result<()>;
}

/// The machine's own filesystem.
pub struct RealFs;

impl Fs for RealFs {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        fs::read(path)
    }

    fn kind(&self, path: &Path) -> Option<Kind> {
        let t = fs::symlink_metadata(path).ok()?.file_type();
        Some(if t.is_symlink() {
            Kind::Symlink
        } else if t.is_dir() {
            Kind::Dir
        } else {
            Kind::File
        })
    }

    fn modified(&self, path: &Path) -> io::Result<SystemTime> {
        fs::metadata(path)?.modified()
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<String>> {
        fs::read_dir(dir)?
            .map(|e| Ok(e?.file_name().to_string_lossy().into_owned()))
            .collect()
    }

    fn create_dir(&self, path: &Path) -> io::Result<()> {
        fs::create_dir(path)
    }

    fn write_synced(&self, path: &Path, body: &[u8]) -> io::Result<()> {
        let mut f = File::create(path)?;
        f.write_all(body)?;
        f.sync_all()
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        fs::rename(from, to)
    }

    fn remove_file(&self, path: &Path) -> io::Result<()> {
        fs::remove_file(path)
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        File::open(dir)?.sync_all()
    }
}

/// Creates `dir` and any missing parent, each made durable in its parent, so that a
/// file later synced inside it cannot be lost with a directory that never reached the
/// disk. Callers serialise it (a directory seen to exist must have been synced in its
/// parent already).
pub fn create_dir_all(fs: &dyn Fs, dir: &Path) -> io::Result<()> {
    match fs.kind(dir) {
        Some(Kind::Dir) => return Ok(()),
        Some(_) => {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{} is not a directory", dir.display()),
            ))
        }
        None => {}
    }
    let parent = dir.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(parent) = parent {
        create_dir_all(fs, parent)?;
    }
    match fs.create_dir(dir) {
        Ok(()) => {}
        // Made meanwhile by someone else: synced below all the same.
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(e),
    }
    match parent {
        Some(parent) => fs.sync_dir(parent),
        None => Ok(()),
    }
}

/// Writes a file so that a crash leaves the old or the new content whole: a temporary
/// file in `tmp_dir`, synced, renamed over `target`, and `target`'s directory synced.
pub fn durable_write(fs: &dyn Fs, tmp_dir: &Path, target: &Path, body: &[u8]) -> io::Result<()> {
    let tmp = tmp_dir.join(crate::store::random_hex()?);
    let result = fs
        .write_synced(&tmp, body)
        .and_then(|()| fs.rename(&tmp, target))
        .and_then(|()| match target.parent() {
            Some(dir) => fs.sync_dir(dir),
            None => Ok(()),
        });
    if result.is_err() {
        let _ = fs.remove_file(&tmp);
    }
    result
}

//! Writing results: new files only (mode 0600, never overwriting), each appearing whole or
//! not at all, and share folders that appear complete or not at all (written in a staging
//! folder beside the target, then renamed).
//!
//! A process killed at any moment (SIGKILL, power loss) leaves no partial file under the name
//! asked for. A killed split or reissue leaves only a staging folder named
//! `.coldshard-incomplete-XXXXXX`, whose files sit in a sub-folder beside a note saying the set
//! is incomplete; the next split or reissue beside it deletes it (see [`clean_leftovers`]).

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, FlockOperation, Mode, OFlags};
use rustix::io::Errno;

/// Errors writing output. They name the path.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The target exists and would be overwritten.
    #[error("'{0}' already exists; coldshard never overwrites it")]
    Exists(String),
    /// The target folder exists and is not empty.
    #[error(
        "the output folder '{0}' already exists and is not empty; coldshard never overwrites shares"
    )]
    FolderNotEmpty(String),
    /// Any I/O failure.
    #[error("cannot write '{path}': {reason}")]
    Io {
        /// Path.
        path: String,
        /// OS reason.
        reason: String,
    },
}

/// The reason of an I/O error, in plain words for a full disk (the OS text otherwise).
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        ErrorKind::StorageFull => "no space left on the device".into(),
        ErrorKind::QuotaExceeded => "the disk quota is exceeded".into(),
        ErrorKind::FileTooLarge => "the file is larger than the system allows".into(),
        _ => e.to_string(),
    }
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> OutputError + '_ {
    move |e| OutputError::Io {
        path: path.display().to_string(),
        reason: io_reason(&e),
    }
}

/// A failed write after which nothing was left behind.
fn nothing_kept(path: &Path, e: &std::io::Error) -> OutputError {
    OutputError::Io {
        path: path.display().to_string(),
        reason: format!("{}; nothing was kept", io_reason(e)),
    }
}

/// The folder `path` is in (`.` for a bare name).
fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Checks, before any work, that `path` could be created by [`write_new_file`]: it does not
/// exist and its folder does.
pub fn check_new_file(path: &Path) -> Result<(), OutputError> {
    if fs::symlink_metadata(path).is_ok() {
        return Err(OutputError::Exists(path.display().to_string()));
    }
    let parent = parent_of(path);
    if !parent.is_dir() {
        return Err(OutputError::Io {
            path: path.display().to_string(),
            reason: format!("the folder '{}' does not exist", parent.display()),
        });
    }
    Ok(())
}

/// Creates `path` with mode 0600 holding `bytes`, synced to disk, refusing to overwrite. The
/// file appears under its name only once it is whole: killed at any moment, or on a full
/// disk, nothing is left at `path`, not even an empty file.
pub fn write_new_file(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let parent = parent_of(path);
    if !write_unnamed(path, &parent, bytes)? {
        write_renamed(path, &parent, bytes)?;
    }
    // The new name is durable too; advice only on file systems that cannot sync a folder.
    let _ = File::open(&parent).and_then(|d| d.sync_all());
    Ok(())
}

/// Writes `bytes` into an unnamed file in `parent` (O_TMPFILE), syncs it, and only then gives
/// it its name (linkat, which never replaces a file). A process killed before that leaves
/// nothing at all. `Ok(false)` where the kernel or the file system has no unnamed files.
fn write_unnamed(path: &Path, parent: &Path, bytes: &[u8]) -> Result<bool, OutputError> {
    let fd = match rustix::fs::open(
        parent,
        OFlags::WRONLY | OFlags::TMPFILE | OFlags::CLOEXEC,
        Mode::RUSR | Mode::WUSR,
    ) {
        Ok(fd) => fd,
        // EOPNOTSUPP: the file system has none (vfat, some network ones); EISDIR or EINVAL:
        // a kernel older than 3.11.
        Err(Errno::OPNOTSUPP | Errno::ISDIR | Errno::INVAL) => return Ok(false),
        Err(e) => return Err(io_err(path)(e.into())),
    };
    let mut file = File::from(fd);
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| nothing_kept(path, &e))?;
    // The name comes through /proc: linkat with AT_EMPTY_PATH needs a capability.
    let by_fd = format!("/proc/self/fd/{}", file.as_raw_fd());
    match rustix::fs::linkat(
        rustix::fs::CWD,
        by_fd.as_str(),
        rustix::fs::CWD,
        path,
        AtFlags::SYMLINK_FOLLOW,
    ) {
        Ok(()) => Ok(true),
        Err(Errno::EXIST) => Err(OutputError::Exists(path.display().to_string())),
        // No /proc mounted: written again the other way.
        Err(Errno::NOENT) if !Path::new("/proc/self/fd").is_dir() => Ok(false),
        Err(e) => Err(io_err(path)(e.into())),
    }
}

/// Where there are no unnamed files: writes a hidden `.coldshard-incomplete-XXXXXX` file
/// beside `path`, syncs it, and renames it to `path` without replacing anything. Killed before
/// the rename, that hidden file is left (nothing at `path`).
fn write_renamed(path: &Path, parent: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let mut temp = tempfile::Builder::new()
        .prefix(STAGING_PREFIX)
        .permissions(fs::Permissions::from_mode(0o600))
        .tempfile_in(parent)
        .map_err(|e| nothing_kept(path, &e))?;
    temp.write_all(bytes)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| nothing_kept(path, &e))?;
    temp.persist_noclobber(path)
        .map_err(|e| match e.error.kind() {
            ErrorKind::AlreadyExists => OutputError::Exists(path.display().to_string()),
            _ => nothing_kept(path, &e.error),
        })?;
    Ok(())
}

/// Creates `path` (which must not exist) with mode 0600 and writes `bytes`, synced; on failure
/// it is removed again. For files inside a staging folder, which no one uses before it is
/// renamed.
fn write_staged_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    let result = f.write_all(bytes).and_then(|()| f.sync_all());
    if result.is_err() {
        drop(f);
        let _ = fs::remove_file(path);
    }
    result
}

/// Reads a file just written, asking the kernel first to drop its cached pages (they are clean
/// after the sync), so that what is read comes from the storage device where it can.
pub fn read_back(path: &Path, limit: u64) -> Result<Vec<u8>, OutputError> {
    let mut f = File::open(path).map_err(io_err(path))?;
    // Advice only: a file system that ignores it still gives the right bytes.
    let _ = rustix::fs::fadvise(&f, 0, None, rustix::fs::Advice::DontNeed);
    // Sized once from the file's length (capped), so that no freed copy is left behind.
    let len = f.metadata().map(|m| m.len()).unwrap_or(0).min(limit);
    let mut bytes = Vec::with_capacity(len as usize + 1);
    (&mut f)
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(io_err(path))?;
    Ok(bytes)
}

/// Prefix of the hidden folder a split writes into before it is renamed into place (and of
/// the hidden file [`write_new_file`] uses where there are no unnamed files).
pub const STAGING_PREFIX: &str = ".coldshard-incomplete-";
/// The note at the top of every staging folder, written before any share.
pub const STAGING_NOTE: &str = "INCOMPLETE-DO-NOT-USE.txt";
/// The sub-folder of a staging folder that receives the files and becomes the target.
const STAGING_SET: &str = "unfinished-set";
/// What the note says.
const NOTE_TEXT: &str = "This folder was left by a coldshard split or reissue that did not finish: it was killed,\n\
interrupted or lost power. The shares in it are incomplete: they were never checked, and\n\
the set never appeared under its name. Do not use them.\n\
The next coldshard split or reissue in the folder above deletes this folder; you may also\n\
delete it yourself.\n";

/// What [`clean_leftovers`] found beside a target.
#[derive(Debug, PartialEq, Eq)]
pub enum Leftover {
    /// Left by a split or reissue that is gone (its lock is free): deleted.
    Removed(PathBuf),
    /// Being written by a split or reissue running now (it holds the lock): left alone.
    InUse(PathBuf),
    /// Not a staging folder this coldshard makes (no note), or it could not be deleted: it
    /// may hold a complete set of shares or a secret, for the user to delete.
    Unknown(PathBuf),
}

/// Deletes the staging folders beside `target` that interrupted splits or reissues left
/// (killed, power loss), and reports every one found. A staging folder is deleted only when
/// no process holds its lock (an exclusive `flock` its writer holds until it ends) and it
/// holds the note or nothing at all.
pub fn clean_leftovers(target: &Path) -> Vec<Leftover> {
    let Ok(entries) = fs::read_dir(parent_of(target)) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(STAGING_PREFIX))
        .map(|e| e.path())
        .collect();
    found.sort();
    found.into_iter().map(clean_one).collect()
}

fn clean_one(path: PathBuf) -> Leftover {
    if !fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) {
        return Leftover::Unknown(path);
    }
    let Ok(dir) = File::open(&path) else {
        return Leftover::Unknown(path);
    };
    match rustix::fs::flock(&dir, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => {}
        Err(Errno::WOULDBLOCK) => return Leftover::InUse(path),
        Err(_) => return Leftover::Unknown(path),
    }
    let noted = fs::symlink_metadata(path.join(STAGING_NOTE)).is_ok_and(|m| m.is_file());
    let empty = fs::read_dir(&path).is_ok_and(|mut e| e.next().is_none());
    if !(noted || empty) {
        return Leftover::Unknown(path);
    }
    match fs::remove_dir_all(&path) {
        Ok(()) => Leftover::Removed(path),
        Err(_) => Leftover::Unknown(path),
    }
}

/// A share folder being written: the sub-folder of a hidden staging folder beside the target.
pub struct PendingFolder {
    target: PathBuf,
    temp: Option<tempfile::TempDir>,
    /// The sub-folder the files go to.
    set: PathBuf,
    /// Holds the staging folder's lock until this value is dropped.
    _lock: File,
}

impl PendingFolder {
    /// Checks that `target` does not exist (or is an empty folder) and creates the staging
    /// folder (mode 0700) next to it, on the same file system so that the rename is atomic:
    /// locked, then the note, then the sub-folder for the files.
    pub fn create(target: &Path) -> Result<Self, OutputError> {
        check_target_free(target)?;
        let parent = parent_of(target);
        if !parent.is_dir() {
            return Err(OutputError::Io {
                path: target.display().to_string(),
                reason: format!("the folder '{}' does not exist", parent.display()),
            });
        }
        let failed = |e: std::io::Error| nothing_kept(target, &e);
        // A staging folder deleted by a cleaner between its creation and its lock (a free
        // lock and no note look abandoned) is made again.
        for _ in 0..3 {
            let temp = tempfile::Builder::new()
                .prefix(STAGING_PREFIX)
                .permissions(fs::Permissions::from_mode(0o700))
                .tempdir_in(&parent)
                .map_err(failed)?;
            let lock = File::open(temp.path()).map_err(failed)?;
            rustix::fs::flock(&lock, FlockOperation::LockExclusive)
                .map_err(|e| failed(e.into()))?;
            if lock.metadata().map_err(failed)?.nlink() == 0 {
                continue;
            }
            write_staged_file(&temp.path().join(STAGING_NOTE), NOTE_TEXT.as_bytes())
                .map_err(failed)?;
            let set = temp.path().join(STAGING_SET);
            fs::DirBuilder::new()
                .mode(0o700)
                .create(&set)
                .map_err(failed)?;
            return Ok(PendingFolder {
                target: target.to_path_buf(),
                temp: Some(temp),
                set,
                _lock: lock,
            });
        }
        Err(OutputError::Io {
            path: target.display().to_string(),
            reason: "its staging folder was deleted three times while being made".into(),
        })
    }

    /// Path of a file inside the staged set.
    pub fn path_of(&self, name: &str) -> PathBuf {
        self.set.join(name)
    }

    /// Writes one file (0600) into the staged set.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, OutputError> {
        let path = self.path_of(name);
        write_staged_file(&path, bytes).map_err(|e| OutputError::Io {
            path: self.target.display().to_string(),
            reason: format!("{} (writing {name}); nothing was kept", io_reason(&e)),
        })?;
        Ok(path)
    }

    /// Renames the staged set to the target, then deletes the staging folder (the note);
    /// dropping without commit deletes everything.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        let temp = self
            .temp
            .take()
            .ok_or_else(|| OutputError::Exists(self.target.display().to_string()))?;
        check_target_free(&self.target)?;
        File::open(&self.set)
            .and_then(|d| d.sync_all())
            .map_err(io_err(&self.set))?;
        // rename(2) replaces an empty folder and fails on a non-empty one: never overwrites.
        fs::rename(&self.set, &self.target).map_err(|e| match e.kind() {
            ErrorKind::DirectoryNotEmpty | ErrorKind::AlreadyExists => {
                OutputError::FolderNotEmpty(self.target.display().to_string())
            }
            _ => io_err(&self.target)(e),
        })?;
        let _ = File::open(parent_of(&self.target)).and_then(|d| d.sync_all());
        // Only the note is left in the staging folder: deleted with it.
        drop(temp);
        Ok(self.target.clone())
    }
}

/// Refuses a target that exists, unless it is an empty folder.
pub fn check_target_free(target: &Path) -> Result<(), OutputError> {
    match fs::read_dir(target) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                Err(OutputError::FolderNotEmpty(target.display().to_string()))
            } else {
                Ok(())
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => {
            Err(OutputError::Exists(target.display().to_string()))
        }
        Err(e) => Err(io_err(target)(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_files_are_private_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("seed.txt");
        write_new_file(&p, b"one").unwrap();
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(matches!(
            write_new_file(&p, b"two"),
            Err(OutputError::Exists(_))
        ));
        assert_eq!(fs::read(&p).unwrap(), b"one");
        // Where there are no unnamed files: a hidden file renamed without replacing.
        let q = dir.path().join("renamed.txt");
        write_renamed(&q, dir.path(), b"three").unwrap();
        assert!(matches!(
            write_renamed(&q, dir.path(), b"four"),
            Err(OutputError::Exists(_))
        ));
        assert_eq!(fs::read(&q).unwrap(), b"three");
        assert_eq!(
            fs::metadata(&q).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn folder_appears_only_on_commit_and_not_over_a_full_one() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("shares");
        let pending = PendingFolder::create(&target).unwrap();
        pending.write("a.txt", b"a").unwrap();
        assert!(!target.exists());
        pending.commit().unwrap();
        assert_eq!(
            fs::metadata(&target).unwrap().permissions().mode() & 0o777,
            0o700
        );
        assert_eq!(fs::read(target.join("a.txt")).unwrap(), b"a");
        assert!(matches!(
            PendingFolder::create(&target),
            Err(OutputError::FolderNotEmpty(_))
        ));
        // A staging folder being written is locked and left alone; while its files are
        // written they sit in a sub-folder beside the note, never at its top.
        let next = dir.path().join("next");
        let running = PendingFolder::create(&next).unwrap();
        running.write("manifest.json", b"{}").unwrap();
        let staging = running
            .path_of("x")
            .parent()
            .unwrap()
            .parent()
            .unwrap()
            .to_path_buf();
        let mut top: Vec<String> = fs::read_dir(&staging)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        top.sort();
        assert_eq!(top, [STAGING_NOTE, STAGING_SET]);
        assert_eq!(
            clean_leftovers(&next),
            vec![Leftover::InUse(staging.clone())]
        );
        // Once its writer is gone (the lock is free), it is deleted; so is an empty one, while
        // one without the note (another program's, or an older coldshard's) is only reported.
        let (lock, temp) = (running._lock, running.temp);
        drop(lock);
        std::mem::forget(temp);
        let empty = dir.path().join(format!("{STAGING_PREFIX}empty"));
        fs::create_dir(&empty).unwrap();
        let unknown = dir.path().join(format!("{STAGING_PREFIX}old"));
        fs::create_dir(&unknown).unwrap();
        fs::write(unknown.join("manifest.json"), b"{}").unwrap();
        let mut expected = vec![
            Leftover::Removed(staging.clone()),
            Leftover::Removed(empty.clone()),
            Leftover::Unknown(unknown.clone()),
        ];
        let mut found = clean_leftovers(&next);
        let key = |l: &Leftover| format!("{l:?}");
        expected.sort_by_key(key);
        found.sort_by_key(key);
        assert_eq!(found, expected);
        assert!(!staging.exists() && !empty.exists() && unknown.exists());
        fs::remove_dir_all(&unknown).unwrap();
        // An abandoned folder leaves nothing behind.
        let other = dir.path().join("other");
        let pending = PendingFolder::create(&other).unwrap();
        pending.write("b.txt", b"b").unwrap();
        drop(pending);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}

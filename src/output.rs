//! Writing results: new files only (mode 0600, never overwriting) and share folders that appear
//! complete or not at all (written in a temporary folder beside the target, then renamed).

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

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

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> OutputError + '_ {
    move |e| OutputError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// Checks, before any work, that `path` could be created by [`write_new_file`]: it does not
/// exist and its folder does.
pub fn check_new_file(path: &Path) -> Result<(), OutputError> {
    if fs::symlink_metadata(path).is_ok() {
        return Err(OutputError::Exists(path.display().to_string()));
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        return Err(OutputError::Io {
            path: path.display().to_string(),
            reason: format!("the folder '{}' does not exist", parent.display()),
        });
    }
    Ok(())
}

/// Creates `path` with mode 0600 and writes `bytes`, refusing to overwrite; synced to disk.
pub fn write_new_file(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => OutputError::Exists(path.display().to_string()),
            _ => io_err(path)(e),
        })?;
    let result = f.write_all(bytes).and_then(|()| f.sync_all());
    if let Err(e) = result {
        // Leave nothing half-written behind.
        drop(f);
        let _ = fs::remove_file(path);
        return Err(io_err(path)(e));
    }
    Ok(())
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

/// Prefix of the hidden folder a split writes into before it is renamed into place.
pub const STAGING_PREFIX: &str = ".coldshard-incomplete-";

/// Staging folders left beside `target` by a split that was interrupted (killed, power loss):
/// they may hold a complete set of shares and should be deleted by hand.
pub fn leftover_staging(target: &Path) -> Vec<PathBuf> {
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Ok(entries) = fs::read_dir(&parent) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(STAGING_PREFIX))
        .map(|e| e.path())
        .collect();
    found.sort();
    found
}

/// A share folder being written: a hidden temporary folder beside the target.
pub struct PendingFolder {
    target: PathBuf,
    temp: Option<tempfile::TempDir>,
}

impl PendingFolder {
    /// Checks that `target` does not exist (or is an empty folder) and creates the temporary
    /// folder (mode 0700) next to it, on the same file system so that the rename is atomic.
    pub fn create(target: &Path) -> Result<Self, OutputError> {
        check_target_free(target)?;
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !parent.is_dir() {
            return Err(OutputError::Io {
                path: target.display().to_string(),
                reason: format!("the folder '{}' does not exist", parent.display()),
            });
        }
        let temp = tempfile::Builder::new()
            .prefix(STAGING_PREFIX)
            .permissions(std::fs::Permissions::from_mode(0o700))
            .tempdir_in(&parent)
            .map_err(|e| OutputError::Io {
                path: target.display().to_string(),
                reason: std::io::Error::from(e.kind()).to_string(),
            })?;
        Ok(PendingFolder {
            target: target.to_path_buf(),
            temp: Some(temp),
        })
    }

    /// Path of a file inside the temporary folder.
    pub fn path_of(&self, name: &str) -> PathBuf {
        self.temp
            .as_ref()
            .map(|t| t.path().join(name))
            .unwrap_or_else(|| self.target.join(name))
    }

    /// Writes one file (0600) into the temporary folder.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, OutputError> {
        let path = self.path_of(name);
        write_new_file(&path, bytes)?;
        Ok(path)
    }

    /// Renames the temporary folder to the target; dropping without commit deletes it.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        let temp = self
            .temp
            .take()
            .ok_or_else(|| OutputError::Exists(self.target.display().to_string()))?;
        check_target_free(&self.target)?;
        let staged = temp.path().to_path_buf();
        File::open(&staged)
            .and_then(|d| d.sync_all())
            .map_err(io_err(&staged))?;
        // rename(2) replaces an empty folder and fails on a non-empty one: never overwrites.
        fs::rename(&staged, &self.target).map_err(|e| match e.kind() {
            std::io::ErrorKind::DirectoryNotEmpty | std::io::ErrorKind::AlreadyExists => {
                OutputError::FolderNotEmpty(self.target.display().to_string())
            }
            _ => io_err(&self.target)(e),
        })?;
        // The folder now lives at the target; do not let TempDir delete it.
        let _ = temp.keep();
        if let Some(parent) = self.target.parent().filter(|p| !p.as_os_str().is_empty()) {
            let _ = File::open(parent).and_then(|d| d.sync_all());
        }
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
        // A staging folder left by an interrupted split is found.
        let stale = dir.path().join(format!("{STAGING_PREFIX}xyz"));
        fs::create_dir(&stale).unwrap();
        assert_eq!(
            leftover_staging(&dir.path().join("next")),
            vec![stale.clone()]
        );
        fs::remove_dir(&stale).unwrap();
        // An abandoned folder leaves nothing behind.
        let other = dir.path().join("other");
        let pending = PendingFolder::create(&other).unwrap();
        pending.write("b.txt", b"b").unwrap();
        drop(pending);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}

//! The journal file: header check, advisory locks, positional reads and locked appends.
//!
//! Locks are `std::fs::File::lock` / `lock_shared` (`flock(2)` on Unix, `LockFileEx` on
//! Windows). They are advisory: every ferrotune process honours them, other programs need not.
//! A `flock` lock belongs to the open file, which a forked child shares with its parent (both
//! would hold the lock at once): a child opens the file again before its first use.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::frame::{HEADER_LEN, MAGIC};
use crate::error::{Error, Result};

pub struct JournalFile {
    file: Arc<File>,
    /// The process that opened `file`.
    pid: u32,
    /// A forked child's own handle, and its process.
    own: Mutex<Option<(u32, Arc<File>)>>,
    pub path: PathBuf,
}

fn io(path: &Path, what: &str, e: std::io::Error) -> Error {
    Error::Storage(format!("journal {}: {what} failed: {e}", path.display()))
}

/// Holds the file lock until dropped.
pub struct LockGuard(Arc<File>);

impl Drop for LockGuard {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

impl JournalFile {
    /// Opens (creating it if needed) a journal and checks or writes its header.
    pub fn open(path: &Path) -> Result<Self> {
        let file = Self::open_file(path)?;
        if file.metadata().map(|m| m.is_dir()).unwrap_or(false) {
            return Err(Error::InvalidValue(format!("journal file_path '{}' is a directory; give a file path", path.display())));
        }
        let j = JournalFile { file: Arc::new(file), pid: crate::storage::pid::current(), own: Mutex::new(None), path: path.to_path_buf() };
        j.check_header()?;
        Ok(j)
    }

    fn open_file(path: &Path) -> Result<File> {
        OpenOptions::new().read(true).append(true).create(true).open(path).map_err(|e| {
            Error::InvalidValue(format!(
                "cannot open the journal file_path '{}': {e}; give a path in an existing, writable directory",
                path.display()
            ))
        })
    }

    /// The open file of this process (opened again in a forked child).
    fn handle(&self) -> Result<Arc<File>> {
        let pid = crate::storage::pid::current();
        if pid == self.pid {
            return Ok(Arc::clone(&self.file));
        }
        let mut own = self.own.lock().unwrap_or_else(|e| e.into_inner());
        match &*own {
            Some((p, f)) if *p == pid => Ok(Arc::clone(f)),
            _ => {
                let f = Arc::new(Self::open_file(&self.path)?);
                *own = Some((pid, Arc::clone(&f)));
                Ok(f)
            }
        }
    }

    fn check_header(&self) -> Result<()> {
        let (j, path) = (self, self.path.as_path());
        let _g = j.lock_exclusive()?;
        let mut head = vec![0u8; HEADER_LEN];
        let n = j.read_at(0, &mut head)?;
        if n == 0 {
            j.append(MAGIC, true)?;
        } else if head[..n] != MAGIC[..n] {
            let hint = if head[0] == b'{' { " (it looks like an Optuna journal, whose format ferrotune does not read)" } else { "" };
            return Err(Error::InvalidValue(format!(
                "file_path '{}' is not a ferrotune journal{hint}; give a new file name or an existing ferrotune journal",
                path.display()
            )));
        } else if n < HEADER_LEN {
            // A header cut short by a crash while creating the file: nothing else can follow it.
            j.file.set_len(0).map_err(|e| io(path, "truncate", e))?;
            j.append(MAGIC, true)?;
        }
        Ok(())
    }

    pub fn lock_exclusive(&self) -> Result<LockGuard> {
        let f = self.handle()?;
        f.lock().map_err(|e| io(&self.path, "locking (the file system may not support file locks)", e))?;
        Ok(LockGuard(f))
    }

    pub fn lock_shared(&self) -> Result<LockGuard> {
        let f = self.handle()?;
        f.lock_shared().map_err(|e| io(&self.path, "locking (the file system may not support file locks)", e))?;
        Ok(LockGuard(f))
    }

    pub fn len(&self) -> Result<u64> {
        self.handle()?.metadata().map(|m| m.len()).map_err(|e| io(&self.path, "stat", e))
    }

    /// Reads up to `buf.len()` bytes at `offset`; returns how many were read.
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        let f = self.handle()?;
        let mut done = 0;
        while done < buf.len() {
            let n = pread(&f, &mut buf[done..], offset + done as u64).map_err(|e| io(&self.path, "read", e))?;
            if n == 0 {
                break;
            }
            done += n;
        }
        Ok(done)
    }

    /// The bytes from `offset` to the end of the file as it is now.
    pub fn read_from(&self, offset: u64) -> Result<Vec<u8>> {
        let len = self.len()?;
        let mut buf = vec![0u8; len.saturating_sub(offset) as usize];
        let n = self.read_at(offset, &mut buf)?;
        buf.truncate(n);
        Ok(buf)
    }

    /// Appends `bytes` with one write (the file is in append mode); `sync` also fsyncs.
    pub fn append(&self, bytes: &[u8], sync: bool) -> Result<()> {
        let f = self.handle()?;
        (&*f).write_all(bytes).map_err(|e| io(&self.path, "write", e))?;
        if sync {
            f.sync_data().map_err(|e| io(&self.path, "fsync", e))?;
        }
        Ok(())
    }

    /// Where bad bytes found at `at` are kept: `<journal>.corrupt-<at>`.
    fn side_path(&self, at: u64) -> PathBuf {
        let mut side = self.path.clone().into_os_string();
        side.push(format!(".corrupt-{at}"));
        PathBuf::from(side)
    }

    /// Copies `bytes`, found damaged at `at`, into their side file, unless it exists (another
    /// process copied them first: the bytes of the middle of the file never change). Returns
    /// the side file's path.
    pub fn quarantine(&self, at: u64, bytes: &[u8]) -> Result<PathBuf> {
        let side = self.side_path(at);
        match create_beside(&self.path, &side) {
            Ok(mut f) => {
                f.write_all(bytes).map_err(|e| io(&side, "write", e))?;
                f.sync_data().map_err(|e| io(&side, "fsync", e))?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io(&side, "create", e)),
        }
        Ok(side)
    }

    /// Copies the bytes from `at` on into a side file and cuts the journal there. Call with the
    /// exclusive lock held. Returns the side file's path.
    pub fn move_tail_aside(&self, at: u64) -> Result<PathBuf> {
        let tail = self.read_from(at)?;
        let side = self.side_path(at);
        let mut f = match create_beside(&self.path, &side) {
            // A tail moved aside at the same offset before (and written again since): keep both.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => OpenOptions::new().append(true).open(&side),
            r => r,
        }
        .map_err(|e| io(&side, "open", e))?;
        f.write_all(&tail).map_err(|e| io(&side, "write", e))?;
        f.sync_data().map_err(|e| io(&side, "fsync", e))?;
        let j = self.handle()?;
        j.set_len(at).map_err(|e| io(&self.path, "truncate", e))?;
        j.sync_data().map_err(|e| io(&self.path, "fsync", e))?;
        Ok(side)
    }
}

/// Creates `path`, which must not exist, for a copy of (part of) the journal `journal`, with
/// the journal's permissions: a copy of a journal only its owner may read is only its owner's.
pub fn create_beside(journal: &Path, path: &Path) -> std::io::Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    let mode = {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        // Until the journal's mode is set below, no one but the owner may open the file.
        o.mode(0o600);
        std::fs::metadata(journal)?.permissions().mode() & 0o7777
    };
    #[cfg(not(unix))]
    let _ = journal;
    let f = o.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Set after creation: the umask narrows the creation mode, not this.
        f.set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    Ok(f)
}

#[cfg(unix)]
fn pread(f: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(f, buf, offset)
}

#[cfg(windows)]
fn pread(f: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(f, buf, offset)
}

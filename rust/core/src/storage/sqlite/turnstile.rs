//! Writers of one database wait in a queue the kernel keeps, not by polling.
//!
//! SQLite's write lock cannot be waited on: a writer that finds it taken tries again after a
//! pause (`busy`), so with several processes on one file the lock often sits free while they
//! sleep. Before taking it, a writer here takes an exclusive `flock` on the database's
//! write-ahead log file, which the kernel hands to the next waiter the moment it is released,
//! as the journal file's lock does. SQLite's lock stays the one that keeps the database
//! consistent (other programs, and ferrotune without this, take only that one); this one only
//! orders ferrotune's writers.
//!
//! The log file is used because SQLite takes no POSIX locks on it: a descriptor of the database
//! file or its shared memory could not be closed without dropping the locks SQLite holds there.
//! The log exists as long as any connection is open, and every writer holds one. A `flock`
//! belongs to the open file, which a forked child shares: the child opens its own.
//!
//! Like the journal file's lock, the wait has no timeout: a writer holds it for the span of one
//! commit, and a killed process releases it; only a stopped one (SIGSTOP) holds others up.

use std::fs::File;
use std::path::Path;

pub struct Turnstile {
    file: File,
}

/// The turnstile held; released when dropped.
pub struct Passed<'a>(&'a File);

impl Turnstile {
    /// Opens the turnstile of the database at `db`; `None` when its log cannot be opened
    /// (writers then wait through SQLite's busy handler alone).
    pub fn open(db: &Path) -> Option<Turnstile> {
        if cfg!(not(unix)) {
            // Windows file locks are mandatory: SQLite could no longer write the log.
            return None;
        }
        let mut wal = db.as_os_str().to_owned();
        wal.push("-wal");
        File::open(wal).ok().map(|file| Turnstile { file })
    }

    /// Waits for the earlier writers; `None` when the file system refuses `flock` (then SQLite's
    /// lock alone orders the writers, as without a turnstile).
    pub fn pass(&self) -> Option<Passed<'_>> {
        self.file.lock().ok().map(|()| Passed(&self.file))
    }
}

impl Drop for Passed<'_> {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

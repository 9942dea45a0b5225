//! The process's connection to the database file, re-opened in a forked child (SQLite forbids
//! using a connection across `fork`).

use rusqlite::{Connection, ErrorCode, OpenFlags};

use super::busy::{self, Busy};
use super::schema;
use super::turnstile::Turnstile;
use crate::error::{Error, Result};
use crate::storage::url::SqliteUrl;

/// A SQLite error with the file and what was being done, and what to do about the usual ones.
pub fn sql_error(path: &str, doing: &str, e: &rusqlite::Error) -> Error {
    let hint = match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
            "; another process held the database's lock for longer than the timeout (a stopped process? \
             add ?timeout=SECONDS to the URL to wait longer)"
        }
        Some(ErrorCode::NotADatabase) => "; the file is not a SQLite database (a journal file is opened by its path, without sqlite://)",
        Some(ErrorCode::CannotOpen) => "; does its directory exist, and may this process write there?",
        Some(ErrorCode::ReadOnly | ErrorCode::PermissionDenied) => "; may this process write the file and its directory?",
        _ => "",
    };
    Error::Storage(format!("SQLite storage {path}, {doing}: {e}{hint}"))
}

/// Pages in the write-ahead log past which a commit checkpoints.
pub const WAL_PAGES: i64 = 4_000;

pub struct Db {
    /// Declared first: dropped (closed) before the anchor's descriptors.
    pub conn: Connection,
    /// How the connection waits for other processes' locks; dropped after it.
    busy: Box<Busy>,
    /// The queue of ferrotune's writers to this database (see `turnstile`).
    pub turnstile: Option<Turnstile>,
    /// The process that opened the connection: a forked child opens its own.
    pid: u32,
    /// The connection's view of the wal-index header, when it could be found.
    pub wal: Option<WalIndex>,
    /// Descriptors a forked child locks through (see `fork`).
    #[cfg(unix)]
    _anchor: Option<super::fork::Anchor>,
}

/// Opens the file, checks it is ferrotune's (or new) and sets the connection up.
fn connect(url: &SqliteUrl, name: &str, busy: &Busy) -> Result<Connection> {
    // No shared cache or URI filenames: the path is a path. The storage's mutex serializes use.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(&url.path, flags).map_err(|e| sql_error(name, "opening it", &e))?;
    // Concurrent writers wait for each other rather than fail.
    busy::install(&conn, busy).map_err(|e| sql_error(name, "setting the busy timeout", &e))?;
    schema::ensure(&mut conn, name)?;
    // NORMAL: a commit is in the write-ahead log before it returns, so a killed process loses
    // nothing committed; FULL also waits for the disk (an OS crash or power loss).
    let sync = if url.fsync { "FULL" } else { "NORMAL" };
    conn.pragma_update(None, "synchronous", sync).map_err(|e| sql_error(name, "setting synchronous", &e))?;
    // A checkpoint (copying the log back into the file, and waiting for the disk twice) runs
    // in the commit that takes the log past this many pages: 4 MiB of 1 KiB pages, where
    // SQLite's default of 1,000 pages made one trial in about two hundred pay for one.
    conn.pragma_update(None, "wal_autocheckpoint", WAL_PAGES).map_err(|e| sql_error(name, "setting wal_autocheckpoint", &e))?;
    // A read maps the shared memory (see `WalIndex::of`).
    conn.query_row("SELECT count(*) FROM ferrotune_meta", [], |_| Ok(())).map_err(|e| sql_error(name, "reading the tables", &e))?;
    Ok(conn)
}

impl Db {
    pub fn open(url: &SqliteUrl, name: &str) -> Result<Db> {
        let busy = Busy::new(url.timeout);
        let conn = connect(url, name, &busy)?;
        let wal = WalIndex::of(&conn);
        #[cfg(unix)]
        let _anchor = super::fork::anchor(&url.path);
        Ok(Db {
            conn,
            busy,
            turnstile: Turnstile::open(&url.path),
            pid: crate::storage::pid::current(),
            wal,
            #[cfg(unix)]
            _anchor,
        })
    }

    /// Opens a connection of this process when this one was inherited through `fork`.
    pub fn ensure_own(&mut self, url: &SqliteUrl, name: &str) -> Result<()> {
        if self.pid == crate::storage::pid::current() {
            return Ok(());
        }
        let old = std::mem::replace(&mut self.conn, connect(url, name, &self.busy)?);
        // Closing it here would act on the parent's lock bookkeeping copied into this process
        // (and could checkpoint or remove the write-ahead log under the parent): left alone.
        std::mem::forget(old);
        self.pid = crate::storage::pid::current();
        self.wal = WalIndex::of(&self.conn);
        // The parent's open file would be the parent's turnstile too.
        self.turnstile = Turnstile::open(&url.path);
        Ok(())
    }
}

/// The header of SQLite's wal-index: the first 48 bytes of the database's shared memory
/// (`<db>-shm`, mapped by every connection), which every commit rewrites: its `iChange` counter
/// counts commits, and with the write-ahead log's frame count, salts and checksums it names
/// the state a new reader would see (the layout is part of SQLite's documented file format,
/// walformat.html). Reading it costs no system call, where a query's read transaction takes
/// and releases several file locks; so a read of an unchanged log skips even `max(seq)`.
#[derive(Clone, Copy)]
pub struct WalIndex(*const u32);

// SAFETY: the pointer is into a shared mapping that lives as long as the connection that mapped
// it (connections are never closed while their storage lives, and a forked child's inherited
// one is never closed), and it is only read, with volatile reads, as SQLite's readers do.
unsafe impl Send for WalIndex {}
unsafe impl Sync for WalIndex {}

/// A copy of the wal-index header.
pub type Mark = [u32; 12];

/// Index of `iChange`, the commit counter, in the header.
const CHANGE: usize = 2;
/// Index of `mxFrame`, the number of pages in the write-ahead log.
#[cfg(test)]
const FRAMES: usize = 4;

/// The pages in the write-ahead log as of `mark`.
#[cfg(test)]
pub fn log_pages(mark: &Mark) -> u32 {
    mark[FRAMES]
}

impl WalIndex {
    /// The connection's mapping of its shared memory, through the file's VFS methods (`xShmMap`
    /// of region 0 without extending it); `None` when it is not mapped or the VFS has none.
    pub fn of(conn: &Connection) -> Option<WalIndex> {
        use rusqlite::ffi;
        use std::ffi::c_void;
        // SAFETY: public SQLite C API on an open connection used by this thread alone (the
        // caller holds the storage's connection lock); pointers are checked before use.
        unsafe {
            let db = conn.handle();
            let mut file: *mut ffi::sqlite3_file = std::ptr::null_mut();
            let rc = ffi::sqlite3_file_control(
                db,
                c"main".as_ptr(),
                ffi::SQLITE_FCNTL_FILE_POINTER,
                (&mut file as *mut *mut ffi::sqlite3_file).cast::<c_void>(),
            );
            if rc != ffi::SQLITE_OK || file.is_null() || (*file).pMethods.is_null() || (*(*file).pMethods).iVersion < 2 {
                return None;
            }
            let map = (*(*file).pMethods).xShmMap?;
            let mut region: *mut c_void = std::ptr::null_mut();
            if map(file, 0, 32768, 0, &mut region) != ffi::SQLITE_OK || region.is_null() {
                return None;
            }
            Some(WalIndex(region.cast::<u32>().cast_const()))
        }
    }

    /// The header as it is now (a torn read, during a commit, differs from every earlier one).
    pub fn mark(&self) -> Mark {
        let mut m = [0u32; 12];
        for (i, w) in m.iter_mut().enumerate() {
            // SAFETY: region 0 is at least 32 KiB and stays mapped (see the type).
            *w = unsafe { std::ptr::read_volatile(self.0.add(i)) };
        }
        std::sync::atomic::fence(std::sync::atomic::Ordering::Acquire);
        m
    }
}

/// Whether `after` is `before` plus exactly one commit: the caller's own, made while it held
/// the write lock from `before` on (any other commit would have counted too).
pub fn one_commit_after(before: &Mark, after: &Mark) -> bool {
    after[CHANGE] == before[CHANGE].wrapping_add(1)
}

//! The process's connection to the database file, re-opened in a forked child (SQLite forbids
//! using a connection across `fork`).

use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};

use super::schema;
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

pub struct Db {
    pub conn: Connection,
    /// The process that opened the connection: a forked child opens its own.
    pid: u32,
}

/// Opens the file, checks it is ferrotune's (or new) and sets the connection up.
fn connect(url: &SqliteUrl, name: &str) -> Result<Connection> {
    // No shared cache or URI filenames: the path is a path. The storage's mutex serializes use.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(&url.path, flags).map_err(|e| sql_error(name, "opening it", &e))?;
    // Concurrent writers wait for each other rather than fail.
    conn.busy_timeout(url.timeout.max(Duration::from_millis(1))).map_err(|e| sql_error(name, "setting the busy timeout", &e))?;
    schema::ensure(&mut conn, name)?;
    // NORMAL: a commit is in the write-ahead log before it returns, so a killed process loses
    // nothing committed; FULL also waits for the disk (an OS crash or power loss).
    let sync = if url.fsync { "FULL" } else { "NORMAL" };
    conn.pragma_update(None, "synchronous", sync).map_err(|e| sql_error(name, "setting synchronous", &e))?;
    Ok(conn)
}

impl Db {
    pub fn open(url: &SqliteUrl, name: &str) -> Result<Db> {
        Ok(Db { conn: connect(url, name)?, pid: std::process::id() })
    }

    /// Opens a connection of this process when this one was inherited through `fork`.
    pub fn ensure_own(&mut self, url: &SqliteUrl, name: &str) -> Result<()> {
        if self.pid == std::process::id() {
            return Ok(());
        }
        let old = std::mem::replace(&mut self.conn, connect(url, name)?);
        // Closing it here would act on the parent's lock bookkeeping copied into this process
        // (and could checkpoint or remove the write-ahead log under the parent): left alone.
        std::mem::forget(old);
        self.pid = std::process::id();
        Ok(())
    }
}

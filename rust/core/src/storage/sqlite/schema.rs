//! The tables ferrotune keeps in a SQLite database, and the checks made before touching a file.
//!
//! The database holds the same operation log as a journal file, one row per record, numbered
//! without gaps (`seq` 1, 2, ...); the schema version lives in `ferrotune_meta`. Nothing is
//! written to a file before it is known to be ferrotune's or new: an Optuna database (its own
//! schema, tables `studies`, `trials`, ...) is refused as it is, without a byte changed.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use super::db::sql_error;
use crate::error::{Error, Result};

/// The schema this build writes and reads.
pub const SCHEMA_VERSION: i64 = 1;

/// The page size of the files this build creates.
pub const PAGE_SIZE: i64 = 1024;

const CREATE: &str = "
CREATE TABLE IF NOT EXISTS ferrotune_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS ferrotune_log (
    seq INTEGER PRIMARY KEY,
    body BLOB NOT NULL
);
";

/// Tables only Optuna's `RDBStorage` creates (its schema's version tables, then its core ones).
const OPTUNA_TABLES: [&str; 4] = ["alembic_version", "version_info", "studies", "trials"];

fn tables(conn: &Connection, path: &str) -> Result<Vec<String>> {
    let read = |e: rusqlite::Error| sql_error(path, "reading its tables", &e);
    let mut st = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").map_err(read)?;
    let names = st.query_map([], |r| r.get::<_, String>(0)).map_err(read)?;
    names.collect::<std::result::Result<Vec<_>, _>>().map_err(read)
}

fn stored_version(conn: &Connection, path: &str) -> Result<Option<i64>> {
    let v: Option<String> = conn
        .query_row("SELECT value FROM ferrotune_meta WHERE key = 'schema_version'", [], |r| r.get(0))
        .optional()
        .map_err(|e| sql_error(path, "reading the schema version", &e))?;
    v.map(|v| {
        v.parse()
            .map_err(|_| Error::Storage(format!("SQLite storage {path}: ferrotune_meta holds schema_version '{v}', which is not a number")))
    })
    .transpose()
}

/// Refuses a file that is not ferrotune's: an Optuna database, or a newer ferrotune schema.
/// Returns whether the current schema is in place.
fn check(conn: &Connection, path: &str) -> Result<bool> {
    let tables = tables(conn, path)?;
    let has = |t: &str| tables.iter().any(|n| n == t);
    if !has("ferrotune_log") {
        if OPTUNA_TABLES.iter().any(|t| has(t)) {
            return Err(Error::InvalidValue(format!(
                "SQLite storage {path}: this is an Optuna database (it has Optuna's tables such as 'studies' and 'trials'); \
                 ferrotune keeps its studies in its own format and leaves this file as it is: open it with Optuna, \
                 or give ferrotune a new file such as sqlite:///ferrotune.db"
            )));
        }
        return Ok(false);
    }
    match if has("ferrotune_meta") { stored_version(conn, path)? } else { None } {
        Some(v) if v > SCHEMA_VERSION => Err(Error::Storage(format!(
            "SQLite storage {path}: this database holds ferrotune schema version {v}, written by a newer ferrotune; \
             this one reads version {SCHEMA_VERSION}: upgrade ferrotune"
        ))),
        Some(v) => Ok(v == SCHEMA_VERSION),
        None => Ok(false),
    }
}

/// Checks the file, switches it to write-ahead logging and creates the tables on first use.
pub fn ensure(conn: &mut Connection, path: &str) -> Result<()> {
    let current = check(conn, path)?;
    // A new file gets 1 KiB pages: a commit appends one or two pages to the log, and a trial's
    // record is a few hundred bytes, so a 4 KiB page copied and checksummed on every commit is
    // mostly empty. Without effect on an existing file (the size is fixed once it is in WAL mode).
    conn.pragma_update(None, "page_size", PAGE_SIZE).map_err(|e| sql_error(path, "setting the page size", &e))?;
    // WAL: readers never wait for a writer and a commit appends its pages to one file. The mode
    // is kept in the file, so this writes only the first time.
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
        .map_err(|e| sql_error(path, "switching to write-ahead logging", &e))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::Storage(format!(
            "SQLite storage {path}: the database could not use write-ahead logging (journal mode '{mode}'); \
             is it on a network file system? Put it on a local disk"
        )));
    }
    if current {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(|e| sql_error(path, "creating the tables", &e))?;
    // Another process may have created them while this one waited for the lock.
    if !check(&tx, path)? {
        tx.execute_batch(CREATE).map_err(|e| sql_error(path, "creating the tables", &e))?;
        tx.execute(
            "INSERT INTO ferrotune_meta (key, value) VALUES ('schema_version', ?1) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [SCHEMA_VERSION.to_string()],
        )
        .map_err(|e| sql_error(path, "creating the tables", &e))?;
    }
    tx.commit().map_err(|e| sql_error(path, "creating the tables", &e))
}

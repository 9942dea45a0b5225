//! SQLite storage: the shared operation log (`storage::log`) kept in a table of an embedded
//! database file, shared by every process on the machine that opens it.
//!
//! - `schema`: the tables, the schema version, and the refusal of files that are not ferrotune's
//!   (an Optuna database is left untouched).
//! - `db`: the process's connection (re-opened after a fork), its settings and error messages;
//!   `fork`: the locks a forked child takes itself, which SQLite believes it inherited.
//! - `tx`: a write transaction through prepared statements; `turnstile`: the queue ferrotune's
//!   writers wait in before SQLite's write lock; `busy`: how a writer waits for that lock.
//! - `storage::log::deferred` and `storage::log::flusher`: parameter records applied to the
//!   replica that wait for the next write, as on the journal file.
//!
//! It works as the journal file does, with the database's write lock for the file lock: every
//! mutation runs in a `BEGIN IMMEDIATE` transaction (one writer at a time across processes;
//! others wait up to the busy timeout), reads the rows appended since the replica's last
//! record, lets `build` choose the operations on that state, inserts their rows after the
//! deferred ones and commits. A trial thus costs two transactions: its creation, and its result
//! carrying its parameters. A read first compares SQLite's wal-index header (in the shared
//! memory every connection maps; each commit rewrites it) with its copy from when the replica
//! last matched the log: unchanged, the replica is read as it is, without a query or a system
//! call. Otherwise it compares the log's last record number (`max(seq)`, one index lookup) with
//! the replica's and reads rows only when another process appended some.
//!
//! The database runs in write-ahead-log mode: readers never wait for the writer, and a commit is
//! in the log file before it returns, so a killed process loses nothing it committed
//! (`synchronous=NORMAL`); `?synchronous=full` also waits for the disk (docs/storage.md).

mod busy;
mod db;
#[cfg(unix)]
mod fork;
mod schema;
mod turnstile;
mod tx;

use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockWriteGuard, Weak};
use std::time::Duration;

use rusqlite::Connection;

use self::db::{one_commit_after, sql_error, Db, Mark, WalIndex};
use super::log::deferred::Local;
use super::log::flusher::{self, FlushTarget};
use super::log::oplog::{Append, OpLog};
use super::log::record::Op;
use super::log::replica::{Applied, Replica};
use super::log::served::{RawRecord, ServedLog};
use super::log::warnings::Warnings;
use super::mem_state::MemState;
use super::url::{SqliteUrl, SQLITE_TIMEOUT};
use crate::error::{Error, Result};

pub use self::schema::SCHEMA_VERSION;

pub struct SqliteStorage {
    inner: Arc<Inner>,
}

/// The storage, shared with its flusher thread (which holds a `Weak`). Locks are taken in the
/// order connection, then replica.
struct Inner {
    db: Mutex<Db>,
    replica: RwLock<Local>,
    warnings: Warnings,
    url: SqliteUrl,
    /// The file as given, for messages.
    name: String,
    /// This storage, for the flusher thread it starts.
    me: Weak<Inner>,
    /// The longest a deferred record waits (`flusher::DEADLINE`; longer in some tests).
    flush_after: Duration,
    /// SQLite's wal-index header, mapped by the first connection (the mapping outlives a fork).
    wal: Option<WalIndex>,
    /// The header as of a state the replica holds (every record up to it applied); a read that
    /// finds it unchanged uses the replica as it is. `None`: look at the log.
    synced: Mutex<Option<Mark>>,
    /// Queries of log rows made (tests check that reading an unchanged log makes none).
    #[cfg(test)]
    row_reads: std::sync::atomic::AtomicU64,
    /// Queries of the log's last record number made.
    #[cfg(test)]
    head_reads: std::sync::atomic::AtomicU64,
}

type Tx<'a> = self::tx::WriteTx<'a>;

impl SqliteStorage {
    /// Opens or creates the database at `path` and reads the log. With `fsync`, every commit
    /// waits for the disk (survives an OS crash, not only a killed process).
    pub fn open(path: impl AsRef<Path>, fsync: bool) -> Result<Self> {
        let url = SqliteUrl { path: path.as_ref().to_path_buf(), fsync, timeout: SQLITE_TIMEOUT };
        Self::open_with(url, flusher::DEADLINE)
    }

    /// Opens the database a `sqlite:///path.db` URL names (see `storage::url::sqlite`).
    pub fn open_url(url: &str) -> Result<Self> {
        Self::open_with(super::url::sqlite(url)?, flusher::DEADLINE)
    }

    fn open_with(url: SqliteUrl, flush_after: Duration) -> Result<Self> {
        let name = url.path.display().to_string();
        let db = Db::open(&url, &name)?;
        let wal = db.wal;
        let inner = Arc::new_cyclic(|me| Inner {
            db: Mutex::new(db),
            replica: RwLock::new(Local::default()),
            warnings: Warnings::default(),
            url,
            name,
            me: me.clone(),
            flush_after,
            wal,
            synced: Mutex::new(None),
            #[cfg(test)]
            row_reads: Default::default(),
            #[cfg(test)]
            head_reads: Default::default(),
        });
        {
            let d = inner.lock_db()?;
            let mut g = inner.write_replica();
            let mark = inner.mark();
            inner.catch_up(&d.conn, &mut g)?;
            inner.set_synced(mark);
        }
        Ok(SqliteStorage { inner })
    }

    pub fn path(&self) -> &Path {
        &self.inner.url.path
    }
}

impl Drop for SqliteStorage {
    /// Writes the deferred records (best effort: a failure has no one left to tell).
    fn drop(&mut self) {
        let s = &self.inner;
        let pending = s.replica.read().unwrap_or_else(|e| e.into_inner()).deferred.waiting_here();
        if pending {
            if let Ok(mut d) = s.lock_db() {
                let _ = s.write_deferred(&mut d, &mut s.write_replica());
            }
        }
    }
}

impl Inner {
    /// The connection of this process (a forked child opens its own).
    fn lock_db(&self) -> Result<MutexGuard<'_, Db>> {
        let mut d = self.db.lock().unwrap_or_else(|e| e.into_inner());
        d.ensure_own(&self.url, &self.name)?;
        Ok(d)
    }

    fn write_replica(&self) -> RwLockWriteGuard<'_, Local> {
        // Each replica change is one applied operation, so a poisoned lock holds a consistent state.
        let mut g = self.replica.write().unwrap_or_else(|e| e.into_inner());
        if g.deferred.inherited() {
            // A forked child: the parent writes the deferred records; read the log again.
            g.deferred.disown();
            g.stale = true;
        }
        g
    }

    /// The wal-index header now, read before the log so that the replica holds at least it.
    fn mark(&self) -> Option<Mark> {
        self.wal.map(|w| w.mark())
    }

    fn set_synced(&self, mark: Option<Mark>) {
        *self.synced.lock().unwrap_or_else(|e| e.into_inner()) = mark;
    }

    /// After this process's commit made under the write lock taken at `before`: the header
    /// now, if no other commit followed it (else the next read looks at the log).
    fn committed(&self, before: Option<Mark>) {
        let after = self.mark();
        self.set_synced(before.zip(after).filter(|(b, a)| one_commit_after(b, a)).map(|(_, a)| a));
    }

    /// Whether the log is unchanged since the replica last matched it, by the wal-index header.
    fn unchanged(&self) -> bool {
        let Some(now) = self.mark() else { return false };
        *self.synced.lock().unwrap_or_else(|e| e.into_inner()) == Some(now)
    }

    fn err(&self, doing: &str) -> impl Fn(rusqlite::Error) -> Error + '_ {
        let doing = doing.to_string();
        move |e| sql_error(&self.name, &doing, &e)
    }

    /// The number of the log's last record (0 when empty): one lookup in the key's index.
    fn head(&self, conn: &Connection) -> Result<u64> {
        #[cfg(test)]
        self.head_reads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut st = conn.prepare_cached("SELECT coalesce(max(seq), 0) FROM ferrotune_log").map_err(self.err("reading the log"))?;
        let head: i64 = st.query_row([], |r| r.get(0)).map_err(self.err("reading the log"))?;
        Ok(head.max(0) as u64)
    }

    /// Applies one log row, which must be the next record. A row that does not commute with the
    /// deferred records marks the replica stale (see `deferred`).
    fn apply_row(&self, g: &mut Local, seq: i64, body: &[u8]) -> Result<()> {
        if seq < 0 || seq as u64 != g.offset + 1 {
            // Rows are inserted without gaps under the write lock; a gap means rows were deleted.
            g.stale = true;
            return Err(Error::Storage(format!(
                "SQLite storage {}: ferrotune_log skips from record {} to {seq}; rows were deleted from the table by hand? \
                 Restore them or start a new database",
                self.name, g.offset
            )));
        }
        match Op::decode(body) {
            Ok(op) => {
                if g.deferred.conflicts(&op) {
                    g.stale = true;
                }
                // A record that does not fit the state is skipped by every reader alike.
                drop(g.apply(op, true))
            }
            Err(e) => self.warnings.push_once(seq as u64, || {
                format!(
                    "SQLite storage {}: skipped log record {seq} that could not be decoded ({}); it may come from a newer ferrotune",
                    self.name, e.0
                )
            }),
        }
        g.offset = seq as u64;
        Ok(())
    }

    fn read_rows(&self, conn: &Connection, g: &mut Local) -> Result<()> {
        #[cfg(test)]
        self.row_reads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut st =
            conn.prepare_cached("SELECT seq, body FROM ferrotune_log WHERE seq > ?1 ORDER BY seq").map_err(self.err("reading the log"))?;
        let mut rows = st.query([g.offset as i64]).map_err(self.err("reading the log"))?;
        while let Some(row) = rows.next().map_err(self.err("reading the log"))? {
            let seq: i64 = row.get(0).map_err(self.err("reading the log"))?;
            let body = row.get_ref(1).map_err(self.err("reading the log"))?;
            let body = body
                .as_blob()
                .map_err(|e| Error::Storage(format!("SQLite storage {}: log record {seq} is not a blob ({e})", self.name)))?;
            self.apply_row(g, seq, body)?;
        }
        Ok(())
    }

    /// Applies the rows appended since the replica's last record; a stale replica (or a log
    /// that ends before it: the file was replaced) is rebuilt from the log, with the deferred
    /// records that still fit applied after it.
    fn catch_up(&self, conn: &Connection, g: &mut Local) -> Result<()> {
        if !g.stale && self.unchanged() {
            return Ok(());
        }
        if !g.stale {
            // Read what was appended (the usual reason the header changed, one query); only
            // when nothing was, look whether the log now ends before the replica (the file
            // was replaced).
            let before = g.offset;
            self.read_rows(conn, g)?;
            if !g.stale && g.offset == before && self.head(conn)? < g.offset {
                g.stale = true;
            }
            if !g.stale {
                return Ok(());
            }
        }
        g.rebuild(0, |g| self.read_rows(conn, g))
    }

    /// Applies `ops` (rejected unwritten if they do not fit), inserts the deferred records, then
    /// theirs, and commits. Call in a write transaction on a caught-up replica.
    fn append(&self, tx: Tx<'_>, g: &mut Local, ops: Vec<Op>) -> Result<Vec<Applied>> {
        if ops.is_empty() && g.deferred.is_empty() {
            return Ok(Vec::new());
        }
        let mut bodies = Vec::with_capacity(ops.len() + g.deferred.len());
        for op in g.deferred.ops().iter().chain(&ops) {
            let mut b = Vec::with_capacity(64);
            op.encode(&mut b);
            bodies.push(b);
        }
        // The deferred records are applied already; a rejected op leaves the transaction to roll back.
        let applied = g.replica.apply_all(ops)?;
        let written = (|| {
            let mut st = tx.prepare_cached("INSERT INTO ferrotune_log (seq, body) VALUES (?1, ?2)")?;
            for (i, b) in bodies.iter().enumerate() {
                st.execute(rusqlite::params![(g.offset + 1 + i as u64) as i64, b])?;
            }
            drop(st);
            tx.commit()
        })();
        if let Err(e) = written {
            // The replica holds operations the log does not: rebuild it from the log (the
            // deferred records wait on, applied again after it).
            g.stale = true;
            return Err(sql_error(&self.name, "appending to the log", &e));
        }
        g.deferred.take();
        g.deferred.sent();
        g.offset += bodies.len() as u64;
        Ok(applied)
    }

    fn begin<'a>(&self, d: &'a mut Db) -> Result<Tx<'a>> {
        Tx::begin(&d.conn, d.turnstile.as_ref()).map_err(self.err("waiting for the write lock"))
    }

    /// In a write transaction: catch up, then write the deferred records.
    fn write_deferred(&self, d: &mut Db, g: &mut Local) -> Result<()> {
        let tx = self.begin(d)?;
        let mark = self.mark();
        self.catch_up(&tx, g)?;
        if g.deferred.is_empty() {
            self.set_synced(mark);
            return Ok(());
        }
        self.write(tx, g, Vec::new(), mark).map(drop)
    }

    /// `append` (of at least one record), then the wal-index header it leaves.
    fn write(&self, tx: Tx<'_>, g: &mut Local, ops: Vec<Op>, before: Option<Mark>) -> Result<Vec<Applied>> {
        let r = self.append(tx, g, ops);
        match &r {
            Ok(_) => self.committed(before),
            Err(_) => self.set_synced(None),
        }
        r
    }

    fn commit(&self, how: Append, build: &mut dyn FnMut(&Replica) -> Result<Vec<Op>>) -> Result<Vec<Applied>> {
        let mut d = self.lock_db()?;
        let mut g = self.write_replica();
        let mut blind = None;
        if how == Append::Blind {
            // A blind record does not depend on the state: it is chosen before the write lock,
            // on the log as read now, and a parameter that may wait is not written yet.
            let mark = self.mark();
            self.catch_up(&d.conn, &mut g)?;
            self.set_synced(mark);
            let mut ops = build(&g)?;
            if let Some(applied) = g.defer(&mut ops, &self.me, self.flush_after)? {
                return Ok(vec![applied]);
            }
            blind = Some(ops);
        }
        let tx = self.begin(&mut d)?;
        // Under the write lock no other process commits: this header is the log's last state.
        let mark = self.mark();
        self.catch_up(&tx, &mut g)?;
        self.set_synced(mark);
        let ops = match blind {
            Some(ops) => ops,
            None => build(&g)?,
        };
        if ops.is_empty() {
            // Nothing to append (the transaction rolls back); the deferred records wait on.
            return Ok(Vec::new());
        }
        self.write(tx, &mut g, ops, mark)
    }
}

impl FlushTarget for Inner {
    /// The flusher thread's write of the deferred records that waited too long. A failure keeps
    /// them for the next write or a retry; it is reported as a warning when it persists.
    fn flush_in_background(&self) {
        let d = self.lock_db();
        let mut g = self.write_replica();
        if g.deferred.is_empty() {
            return;
        }
        let e = match d {
            Ok(mut d) => match self.write_deferred(&mut d, &mut g) {
                Ok(()) => return,
                Err(e) => e,
            },
            Err(e) => e,
        };
        if !g.deferred.is_empty() && g.deferred.send_failed(&e) {
            self.warnings.push(format!("SQLite storage {}: trial parameters could not be written ({e}); still trying", self.name));
        }
    }
}

impl OpLog for SqliteStorage {
    fn view<R>(&self, f: impl FnOnce(&MemState) -> Result<R>) -> Result<R> {
        let s = &self.inner;
        let usable = |g: &Local| !g.stale && g.deferred.failed.is_none() && !g.deferred.inherited();
        {
            let g = s.replica.read().unwrap_or_else(|e| e.into_inner());
            if usable(&g) && s.unchanged() {
                return f(&g.state);
            }
        }
        if s.wal.is_none() {
            // No shared memory to look at: compare the log's last record number.
            let head = s.head(&s.lock_db()?.conn)?;
            let g = s.replica.read().unwrap_or_else(|e| e.into_inner());
            // The offset counts log rows only: deferred records leave it alone.
            if usable(&g) && g.offset == head {
                return f(&g.state);
            }
        }
        let mut d = s.lock_db()?;
        let mut g = s.write_replica();
        if g.deferred.failed.is_some() {
            // The flusher could not write the deferred records: try once more, or say why not.
            s.write_deferred(&mut d, &mut g)?;
        } else {
            let mark = s.mark();
            s.catch_up(&d.conn, &mut g)?;
            s.set_synced(mark);
        }
        drop(d);
        f(&g.state)
    }

    fn known<R>(&self, f: impl FnOnce(&MemState) -> R) -> R {
        f(&self.inner.replica.read().unwrap_or_else(|e| e.into_inner()).state)
    }

    /// In a `BEGIN IMMEDIATE` transaction: catch up, let `build` choose the operations from the
    /// current state, apply them (rejected unwritten if they do not fit) and insert their rows,
    /// after the deferred ones, then commit. `build` runs once. A blind parameter that may wait
    /// (see `storage::log::deferred`) is applied without the write lock and written with the
    /// next append.
    fn commit(&self, how: Append, build: &mut dyn FnMut(&Replica) -> Result<Vec<Op>>) -> Result<Vec<Applied>> {
        self.inner.commit(how, build)
    }

    fn drain_warnings(&self) -> Vec<String> {
        self.inner.warnings.drain()
    }

    fn served(&self) -> Option<&dyn ServedLog> {
        Some(self)
    }
}

impl ServedLog for SqliteStorage {
    fn describe(&self) -> String {
        format!("SQLite storage {}", self.inner.name)
    }

    fn records_after(&self, after: u64) -> Result<(Vec<RawRecord>, u64)> {
        let s = &self.inner;
        let d = s.lock_db()?;
        let mut st =
            d.conn.prepare_cached("SELECT seq, body FROM ferrotune_log WHERE seq > ?1 ORDER BY seq").map_err(s.err("reading the log"))?;
        let mut rows = st.query([after as i64]).map_err(s.err("reading the log"))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(s.err("reading the log"))? {
            let seq: i64 = row.get(0).map_err(s.err("reading the log"))?;
            let body: Vec<u8> = row.get(1).map_err(s.err("reading the log"))?;
            out.push((seq as u64, body));
        }
        let end = out.last().map_or(after, |r| r.0);
        Ok((out, end))
    }

    fn position(&self) -> u64 {
        self.inner.replica.read().unwrap_or_else(|e| e.into_inner()).offset
    }

    fn serve_commit(&self, how: Append, build: &mut dyn FnMut(&Replica) -> Result<Vec<Op>>) -> Result<Vec<Applied>> {
        self.inner.commit(how, build)
    }
}

#[cfg(test)]
mod tests;

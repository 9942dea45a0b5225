//! PostgreSQL storage: the shared operation log (`storage::log`) kept in a table, shared by every process
//! that connects to the database.
//!
//! - `schema`: the tables, the append function and the schema version.
//! - `conn`: one connection per process (re-made after a fork or a dropped connection).
//! - `listener`: a second connection, in a thread, that hears of other processes' appends.
//! - `storage::log::deferred`: parameter records applied to the replica that wait for the next
//!   append (shared with the journal).
//! - `storage::log::flusher`: a thread that sends those records when no append comes within 50 ms.
//! - `text`: records as hex text, for the batches that take several statements in one round trip.
//!
//! Writes come in three kinds (`oplog::Append`), each checked against this process's replica
//! first:
//! - A change to one trial (a parameter, a result, an attribute) is appended at the end of the
//!   log in one round trip by `ferrotune_push`, which returns the rows this process had not
//!   read; they are applied before the change, which fails only if one of them finished the
//!   trial (every reader then skips the change alike).
//!   A parameter of a column that already holds its distribution (every trial after the
//!   first, in a fixed search space) is applied to the replica at once but sent with the
//!   next push of this process, in the same array (so a trial costs two round trips: its
//!   creation, and its result carrying its parameters), or by the flusher within 50 ms.
//!   Checked and locked appends send the waiting records first, with a push of their own.
//! - A new trial is pushed the same way: its number is the row where it lands.
//! - Calls whose decision depends on the whole state (claiming an enqueued trial, failing
//!   stale trials, creating a study) are appended by `ferrotune_append` only if the log still
//!   ends where the replica does. Otherwise it returns the missing rows; they are applied and
//!   the call decides again.
//! - Creating a trial whose sampler claims something (a grid point) runs the decision once,
//!   inside a transaction holding the log's advisory lock, on a replica brought up to date
//!   under that lock.
//!
//! Grid points and enqueued trials are thus claimed exactly once across processes.
//!
//! Reads use the replica. Every append notifies the other connections of the log's new head
//! (LISTEN/NOTIFY); a read fetches the new rows only when a head beyond its replica was
//! announced, so reading an unchanged study costs no round trip.
//!
//! Records commit without waiting for the disk, under the log's lock; a call that finishes a
//! trial (or creates or deletes a study) then waits for the disk outside the lock with
//! `Conn::flush`, which makes every earlier record durable too (docs/storage.md). Deferred
//! records travel in the transaction of the push that carries them, so a result's disk wait
//! covers its trial's parameters.

mod conn;
mod listener;
mod schema;
mod text;

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockWriteGuard, Weak};
use std::time::{Duration, Instant};

use postgres::fallible_iterator::FallibleIterator;

use self::conn::Conn;
use self::listener::{Freshness, Listener};
use self::text::{hex_literal, push_durably, text_rows};
use super::log::deferred::Local;
use super::log::flusher::{self, FlushTarget};
use super::log::oplog::{Append, OpLog};
use super::log::record::Op;
use super::log::replica::{Applied, Replica};
use super::log::served::{RawRecord, ServedLog};
use super::log::warnings::Warnings;
use super::mem_state::MemState;
use crate::error::{Error, Result};

pub use self::schema::SCHEMA_VERSION;

pub struct PostgresStorage {
    inner: Arc<Inner>,
}

/// The storage, shared with its flusher thread (which holds a `Weak`).
pub(crate) struct Inner {
    conn: Mutex<Conn>,
    listener: RwLock<Listener>,
    replica: RwLock<Local>,
    warnings: Warnings,
    /// When the replica last matched the log (milliseconds after `opened`).
    synced_ms: AtomicU64,
    opened: Instant,
    /// This storage, for the flusher thread it starts.
    me: Weak<Inner>,
    /// The connection's settings, for a listener restarted without the connection's lock
    /// (a reader holding the replica's lock must not wait for it: the flusher takes both).
    config: postgres::Config,
    /// The longest a deferred record waits (`flusher::DEADLINE`; longer in some tests).
    flush_after: Duration,
}

/// The longest a read trusts the replica without looking at the log: a process that died
/// before announcing its last records (see `listener::ANNOUNCE`) delays other readers this long.
const MAX_UNSYNCED: Duration = Duration::from_secs(1);

/// A PostgreSQL error with what was being done; never shows the password of the URL.
pub(crate) fn pg_error(doing: &str, e: &postgres::Error) -> Error {
    let detail = match e.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => match std::error::Error::source(e) {
            // "error connecting to server" alone does not say what went wrong.
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        },
    };
    Error::Storage(format!("PostgreSQL storage, {doing}: {detail}"))
}

/// Whether the write-ahead log must reach the disk before the call returns: a trial's result is
/// acknowledged only once durable; everything else is flushed by the next such commit.
fn durable(op: &Op) -> bool {
    match op {
        Op::SetState { state, .. } => state.is_finished(),
        Op::NewTrial { template, .. } => template.0.state.is_finished(),
        Op::CreateStudy { .. } | Op::DeleteStudy { .. } => true,
        _ => false,
    }
}

/// Whether other processes should hear of the record at once: new studies, study attributes,
/// enqueued and claimed trials (what changes the decisions of other workers' next calls).
/// Changes to trials (parameters, results, ...) are announced by the listener thread within
/// `listener::ANNOUNCE`: every notification wakes every other process, and at a thousand
/// trials a second those wake-ups cost more than the writes. A process that writes reads the
/// rows it had not seen anyway, with its append.
fn announce(op: &Op) -> bool {
    match op {
        Op::SetParam { .. } | Op::SetIntermediate { .. } | Op::SetTrialAttr { .. } | Op::Heartbeat { .. } | Op::SetState { .. } => false,
        Op::NewTrial { template, .. } => template.0.state != crate::history::TrialState::Running,
        _ => true,
    }
}

fn encode_all(ops: &[Op]) -> Vec<Vec<u8>> {
    ops.iter()
        .map(|op| {
            let mut b = Vec::with_capacity(64);
            op.encode(&mut b);
            b
        })
        .collect()
}

impl PostgresStorage {
    /// Connects to the database at `url` (`postgresql://user:password@host:port/dbname`),
    /// creates ferrotune's tables on first use and reads the log.
    pub fn open(url: &str) -> Result<Self> {
        Self::open_with(url, flusher::DEADLINE)
    }

    fn open_with(url: &str, flush_after: Duration) -> Result<Self> {
        let conn = Conn::open(url)?;
        // Listening starts before the first read, so no append after it goes unheard.
        let listener = Listener::start(conn.config.clone());
        let config = conn.config.clone();
        let inner = Arc::new_cyclic(|me| Inner {
            conn: Mutex::new(conn),
            listener: RwLock::new(listener),
            replica: RwLock::new(Local::default()),
            warnings: Warnings::default(),
            synced_ms: AtomicU64::new(0),
            opened: Instant::now(),
            me: me.clone(),
            config,
            flush_after,
        });
        {
            let mut c = inner.lock_conn()?;
            let mut g = inner.write_replica();
            inner.fetch(&mut c, &mut g)?;
        }
        Ok(PostgresStorage { inner })
    }

    /// The database as `host:port/dbname` (no user or password), for messages and reprs.
    pub fn target(&self) -> String {
        self.inner.conn.lock().unwrap_or_else(|e| e.into_inner()).target.clone()
    }
}

impl Drop for PostgresStorage {
    /// Sends the deferred records (best effort: a failure has no one left to tell).
    fn drop(&mut self) {
        let inner = &self.inner;
        let pending = inner.replica.read().unwrap_or_else(|e| e.into_inner()).deferred.waiting_here();
        if pending {
            if let Ok((mut c, mut g)) = inner.lock_both() {
                let _ = inner.send(&mut c, &mut g, Vec::new());
            }
        }
    }
}

impl Inner {
    fn write_replica(&self) -> RwLockWriteGuard<'_, Local> {
        // Each replica change is one applied operation, so a poisoned lock holds a consistent state.
        let mut g = self.replica.write().unwrap_or_else(|e| e.into_inner());
        if g.deferred.inherited() {
            // A forked child: the parent sends the deferred records; read the log again.
            g.deferred.disown();
            g.stale = true;
        }
        g
    }

    /// The connection, re-made if it was lost or belongs to the parent of a forked process.
    fn lock_conn(&self) -> Result<MutexGuard<'_, Conn>> {
        let mut c = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        c.ensure_alive()?;
        Ok(c)
    }

    fn warn(&self, msg: String) {
        self.warnings.push(msg);
    }

    /// Applies log rows in order; each must be the next record of the log. A row that does not
    /// commute with the deferred records marks the replica stale (see `deferred`).
    fn apply_row(&self, g: &mut Local, seq: i64, body: &[u8]) -> Result<()> {
        let seq = u64::try_from(seq).map_err(|_| Error::Storage(format!("ferrotune_log holds a negative record number {seq}")))?;
        if seq != g.offset + 1 {
            // Rows are appended without gaps under the log's lock; a gap means rows were deleted.
            g.stale = true;
            return Err(Error::Storage(format!(
                "ferrotune_log skips from record {} to {seq}; rows were deleted from the table by hand? Restore them or start a new database",
                g.offset
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
            Err(e) => self.warnings.push_once(seq, || {
                format!(
                    "PostgreSQL storage: skipped log record {seq} that could not be decoded ({}); it may come from a newer ferrotune",
                    e.0
                )
            }),
        }
        g.offset = seq;
        Ok(())
    }

    /// Reads and applies every row after the replica's head; a stale replica is rebuilt from
    /// the log, with the deferred records that still fit applied after it.
    fn fetch(&self, c: &mut Conn, g: &mut Local) -> Result<()> {
        if !g.stale {
            self.read_rows(c, g)?;
            if !g.stale {
                self.synced();
                return Ok(());
            }
        }
        g.rebuild(0, |g| self.read_rows(c, g))?;
        self.synced();
        Ok(())
    }

    fn read_rows(&self, c: &mut Conn, g: &mut Local) -> Result<()> {
        self.listener.read().unwrap_or_else(|e| e.into_inner()).fetching();
        let head = g.offset as i64;
        let mut rows = c.client.query_raw(&c.fetch, [head]).map_err(|e| pg_error("reading the log", &e))?;
        while let Some(row) = rows.next().map_err(|e| pg_error("reading the log", &e))? {
            self.apply_row(g, row.get(0), row.get(1))?;
        }
        Ok(())
    }

    /// Whether the replica may be read as it is; restarts the listener in a forked child.
    fn current(&self, g: &Local) -> bool {
        let age = (self.opened.elapsed().as_millis() as u64).saturating_sub(self.synced_ms.load(Ordering::Acquire));
        if g.stale || age > MAX_UNSYNCED.as_millis() as u64 {
            return false;
        }
        {
            let l = self.listener.read().unwrap_or_else(|e| e.into_inner());
            if !l.inherited() {
                return matches!(l.freshness(g.offset), Freshness::Current);
            }
        }
        let mut l = self.listener.write().unwrap_or_else(|e| e.into_inner());
        if l.inherited() {
            // The parent's thread was not copied by fork: listen from this process.
            std::mem::forget(std::mem::replace(&mut *l, Listener::start(self.config.clone())));
        }
        false
    }

    fn synced(&self) {
        self.synced_ms.store(self.opened.elapsed().as_millis() as u64, Ordering::Release);
    }

    /// Leaves the announcement of records up to `head` to the listener thread.
    fn quietly_appended(&self, head: u64) {
        self.listener.read().unwrap_or_else(|e| e.into_inner()).pending(head);
    }

    /// Fetches when another connection announced records this replica lacks.
    fn refresh(&self, c: &mut Conn, g: &mut Local) -> Result<()> {
        if !self.current(g) {
            self.fetch(c, g)?;
        }
        Ok(())
    }

    /// Optimistic append (see the module comment); `build` runs on every attempt.
    fn commit_optimistic(&self, build: &mut dyn FnMut(&Replica) -> Result<Vec<Op>>) -> Result<Vec<Applied>> {
        let mut c = self.lock_conn()?;
        let mut g = self.write_replica();
        self.refresh(&mut c, &mut g)?;
        // The compare-and-set appends only on a replica that is the log: send the rest first.
        self.send(&mut c, &mut g, Vec::new())?;
        let mut fetched = false;
        loop {
            let ops = build(&g)?;
            if ops.is_empty() {
                return Ok(Vec::new());
            }
            if let Err(e) = ops.iter().try_for_each(|op| g.check(op)) {
                // Only a replica known to be current may reject a call.
                if fetched {
                    return Err(e);
                }
                self.fetch(&mut c, &mut g)?;
                fetched = true;
                continue;
            }
            let bodies = encode_all(&ops);
            let sync = ops.iter().any(durable);
            let head = g.offset as i64;
            let append = c.append.clone();
            let loud = ops.iter().any(announce);
            let rows = c.client.query(&append, &[&head, &bodies, &loud]).map_err(|e| pg_error("appending to the log", &e))?;
            if rows.is_empty() {
                let applied = g.replica.apply_all(ops);
                g.offset += bodies.len() as u64;
                self.synced();
                if !loud {
                    self.quietly_appended(g.offset);
                }
                if sync {
                    c.flush()?;
                }
                return applied;
            }
            for row in &rows {
                self.apply_row(&mut g, row.get(0), row.get(1))?;
            }
            fetched = true;
        }
    }

    /// The connection and the replica, locked, with a replica known to be stale read again.
    /// No fetch otherwise: a push returns whatever this process has not read.
    fn lock_both(&self) -> Result<(MutexGuard<'_, Conn>, RwLockWriteGuard<'_, Local>)> {
        let mut c = self.lock_conn()?;
        let mut g = self.write_replica();
        if g.stale {
            self.fetch(&mut c, &mut g)?;
        }
        Ok((c, g))
    }

    /// Blind append (see the module comment): the records go at the end of the log whatever
    /// this process had read. A parameter that may wait (see `deferred`) is applied now and
    /// sent with the next append.
    fn commit_blind(&self, build: &mut dyn FnMut(&Replica) -> Result<Vec<Op>>) -> Result<Vec<Applied>> {
        let (mut c, mut g) = self.lock_both()?;
        let mut ops = build(&g)?;
        if let Some(applied) = g.defer(&mut ops, &self.me, self.flush_after)? {
            return Ok(vec![applied]);
        }
        self.send(&mut c, &mut g, ops)
    }

    /// The flusher thread's send of the deferred records that waited too long. A failure keeps
    /// them for the next append or a retry; it is reported as a warning when it persists, and
    /// the next call that reads or writes makes the attempt itself (and fails with it).
    fn flush_in_background(&self) {
        let e = match self.lock_both() {
            Ok((mut c, mut g)) => match self.send(&mut c, &mut g, Vec::new()) {
                Ok(_) => return,
                Err(e) => e,
            },
            Err(e) => e,
        };
        let mut g = self.write_replica();
        if g.deferred.is_empty() {
            return;
        }
        if g.deferred.send_failed(&e) {
            self.warn(format!("PostgreSQL storage: trial parameters could not be sent to the server ({e}); still trying"));
        }
    }

    /// A trial creation: new trials are pushed blind, claims of waiting trials are checked.
    fn commit_create(&self, build: &mut dyn FnMut(&Replica) -> Result<Vec<Op>>) -> Result<Vec<Applied>> {
        {
            let (mut c, mut g) = self.lock_both()?;
            let ops = build(&g)?;
            if ops.iter().all(|op| matches!(op, Op::NewTrial { .. })) {
                return self.send(&mut c, &mut g, ops);
            }
        }
        // `build` has no side effects (the caller said so), so it may decide again.
        self.commit_optimistic(build)
    }

    /// Pushes the deferred records, then `ops`, in one round trip (nothing when both are empty).
    fn send(&self, c: &mut Conn, g: &mut Local, ops: Vec<Op>) -> Result<Vec<Applied>> {
        if ops.is_empty() && g.deferred.is_empty() {
            return Ok(Vec::new());
        }
        if ops.iter().try_for_each(|op| g.check(op)).is_err() {
            // Only a replica known to be current may reject a call.
            self.fetch(c, g)?;
            ops.iter().try_for_each(|op| g.check(op))?;
        }
        let waiting = g.deferred.len();
        let mut bodies = encode_all(g.deferred.ops());
        bodies.extend(encode_all(&ops));
        let sync = ops.iter().any(durable);
        let head = g.offset as i64;
        let loud = ops.iter().any(announce);
        let rows = if sync {
            push_durably(c, head, &bodies, loud)?
        } else {
            let rows = c.client.query(&c.push, &[&head, &bodies, &loud]).map_err(|e| pg_error("appending to the log", &e))?;
            rows.iter().map(|r| (r.get(0), r.get::<_, Vec<u8>>(1))).collect()
        };
        for (seq, body) in &rows {
            if let Err(e) = self.apply_row(g, *seq, body) {
                // They are in the log now, which the stale replica reads again.
                g.deferred.take();
                g.deferred.sent();
                return Err(e);
            }
        }
        // The deferred records are applied already.
        g.deferred.take();
        g.deferred.sent();
        g.offset += waiting as u64;
        self.synced();
        let mut applied = Vec::with_capacity(ops.len());
        let mut rejected = None;
        for op in ops {
            // Applied as every reader will: a record that no longer fits is skipped.
            match g.apply(op, true) {
                Ok(a) => applied.push(a),
                Err(e) => drop(rejected.get_or_insert(e)),
            }
            g.offset += 1;
        }
        if !loud {
            self.quietly_appended(g.offset);
        }
        match rejected {
            Some(e) => Err(e),
            None => Ok(applied),
        }
    }

    /// Locked append: `build` runs once, on a replica current under the log's lock.
    fn commit_locked(&self, build: &mut dyn FnMut(&Replica) -> Result<Vec<Op>>) -> Result<Vec<Applied>> {
        let (mut c, mut g) = self.lock_both()?;
        // `build` decides on the log as it is under the lock: send the deferred records first.
        self.send(&mut c, &mut g, Vec::new())?;
        let begin = format!(
            "BEGIN; SELECT pg_advisory_xact_lock({}); SELECT seq, encode(body, 'hex') FROM ferrotune_log WHERE seq > {} ORDER BY seq",
            schema::LOG_LOCK,
            g.offset
        );
        let r = self.locked_body(&mut c, &mut g, &begin, build);
        if r.is_err() && !c.client.is_closed() {
            // Leave no transaction open on the connection; the lock goes with it.
            let _ = c.client.batch_execute("ROLLBACK");
        }
        r
    }

    fn locked_body(
        &self,
        c: &mut Conn,
        g: &mut Local,
        begin: &str,
        build: &mut dyn FnMut(&Replica) -> Result<Vec<Op>>,
    ) -> Result<Vec<Applied>> {
        let msgs = c.client.simple_query(begin).map_err(|e| pg_error("locking the log", &e))?;
        for (seq, body) in text_rows(msgs)? {
            self.apply_row(g, seq, &body)?;
        }
        let ops = build(g)?;
        if ops.is_empty() {
            c.client.batch_execute("COMMIT").map_err(|e| pg_error("ending a transaction", &e))?;
            return Ok(Vec::new());
        }
        let bodies = encode_all(&ops);
        let sync = ops.iter().any(durable);
        let applied = g.replica.apply_all(ops)?;
        let head = g.offset;
        let n = bodies.len() as u64;
        // One round trip: the records travel as hex literals (digits and a-f only).
        let mut sql = String::with_capacity(96 + bodies.iter().map(|b| 2 * b.len() + 40).sum::<usize>());
        sql.push_str("SET LOCAL synchronous_commit TO off; ");
        sql.push_str("INSERT INTO ferrotune_log (seq, body) VALUES ");
        for (i, b) in bodies.iter().enumerate() {
            let _ = write!(sql, "{}({}, ", if i > 0 { ", " } else { "" }, head + 1 + i as u64);
            hex_literal(&mut sql, b);
            sql.push(')');
        }
        let _ = write!(sql, "; SELECT pg_notify('{}', '{}'); COMMIT", schema::CHANNEL, head + n);
        if let Err(e) = c.client.batch_execute(&sql) {
            // The replica holds records the log may not: read it again before the next use.
            g.stale = true;
            return Err(pg_error("appending to the log", &e));
        }
        g.offset = head + n;
        if sync {
            c.flush()?;
        }
        Ok(applied)
    }
}

impl FlushTarget for Inner {
    fn flush_in_background(&self) {
        Inner::flush_in_background(self)
    }
}

impl OpLog for PostgresStorage {
    fn view<R>(&self, f: impl FnOnce(&MemState) -> Result<R>) -> Result<R> {
        let s = &self.inner;
        {
            let g = s.replica.read().unwrap_or_else(|e| e.into_inner());
            if s.current(&g) && g.deferred.failed.is_none() {
                return f(&g.state);
            }
        }
        let mut c = s.lock_conn()?;
        let mut g = s.write_replica();
        s.fetch(&mut c, &mut g)?;
        if g.deferred.failed.is_some() {
            // The flusher could not send the deferred records: try once more, or say why not.
            s.send(&mut c, &mut g, Vec::new())?;
        }
        drop(c);
        f(&g.state)
    }

    fn known<R>(&self, f: impl FnOnce(&MemState) -> R) -> R {
        f(&self.inner.replica.read().unwrap_or_else(|e| e.into_inner()).state)
    }

    fn commit(&self, how: Append, build: &mut dyn FnMut(&Replica) -> Result<Vec<Op>>) -> Result<Vec<Applied>> {
        let s = &self.inner;
        match how {
            Append::Locked => s.commit_locked(build),
            Append::Checked => s.commit_optimistic(build),
            Append::Create => s.commit_create(build),
            Append::Blind => s.commit_blind(build),
        }
    }

    fn drain_warnings(&self) -> Vec<String> {
        self.inner.warnings.drain()
    }

    fn served(&self) -> Option<&dyn ServedLog> {
        Some(self)
    }
}

impl ServedLog for PostgresStorage {
    fn describe(&self) -> String {
        format!("PostgreSQL storage {}", self.target())
    }

    fn records_after(&self, after: u64) -> Result<(Vec<RawRecord>, u64)> {
        let mut c = self.inner.lock_conn()?;
        let c = &mut *c;
        let mut rows = c.client.query_raw(&c.fetch, [after as i64]).map_err(|e| pg_error("reading the log", &e))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(|e| pg_error("reading the log", &e))? {
            let seq: i64 = row.get(0);
            let body: &[u8] = row.get(1);
            out.push((seq as u64, body.to_vec()));
        }
        let end = out.last().map_or(after, |r| r.0);
        Ok((out, end))
    }

    fn position(&self) -> u64 {
        self.inner.replica.read().unwrap_or_else(|e| e.into_inner()).offset
    }

    fn serve_commit(&self, how: Append, build: &mut dyn FnMut(&Replica) -> Result<Vec<Op>>) -> Result<Vec<Applied>> {
        self.commit(how, build)
    }
}

#[cfg(test)]
mod tests;

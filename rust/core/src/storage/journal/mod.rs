//! Journal file storage: an append-only log of storage operations, shared by any number of
//! processes through advisory file locks.
//!
//! - `frame`: record framing with length and CRC-32; torn tails and damage are detected.
//! - `file`: the file itself: header, locks, positional reads, appends, side files.
//! - `damage`: damaged records in the middle of the file: stand-ins and `repair`.
//! - `snapshot`: `<journal>.snapshot`, the replica as of an offset, so opening replays less.
//! - The records, their encoding and the replica they are replayed into are the shared log's
//!   (`storage::log`), as are the deferred parameter records and their flusher.
//!
//! Every mutation takes the exclusive file lock, applies the records other processes appended
//! since this process last looked, validates and applies the operation, appends its record and
//! unlocks. Reads check the file length and replay only the new records. The format, locking
//! and durability rules are described in docs/storage.md.
//!
//! A parameter of a column that already holds its distribution (every trial after the first,
//! in a fixed search space) is applied to the replica at once but written with the next append
//! of this process, in the same write (so a trial costs two locked appends: its creation, and
//! its result carrying its parameters), or by the flusher thread within 50 ms (see
//! `storage::log::deferred` and `storage::log::flusher`). The replica is then the file up to `offset`,
//! followed by the waiting records; a record of another process that conflicts with them
//! marks it stale, and the rebuild from the file applies the waiting records that still fit.

mod damage;
mod file;
mod frame;
mod snapshot;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock, RwLockWriteGuard, Weak};
use std::time::Duration;

use self::damage::Salvage;
use self::file::JournalFile;
use self::frame::{Piece, Tail, HEADER_LEN};
use super::log::deferred::Local;
use super::log::flusher::{self, FlushTarget};
use super::log::oplog::{Append, OpLog};
use super::log::record::Op;
use super::log::replica::{Applied, Replica};
use super::log::served::{RawRecord, ServedLog};
use super::log::warnings::Warnings;
use super::mem_state::MemState;
use crate::error::{Error, Result};

pub use self::damage::{repair, RepairReport, DAMAGED_ATTR};
pub use self::frame::scan as scan_frames;
pub use self::snapshot::{snapshot_path, AUTO_SNAPSHOT_BYTES};

/// Decodes every framed record in `bytes` (a journal without its header) and reports how many
/// verified; bad input yields an error count, never a panic. Exposed for fuzzing.
pub fn check_records(bytes: &[u8]) -> (usize, usize) {
    let (mut ok, mut bad) = (0, 0);
    frame::scan(bytes, |_, body| match Op::decode(body) {
        Ok(_) => ok += 1,
        Err(_) => bad += 1,
    });
    (ok, bad)
}

pub struct JournalStorage {
    inner: Arc<Inner>,
}

/// The storage, shared with its flusher thread (which holds a `Weak`).
struct Inner {
    file: JournalFile,
    fsync: bool,
    replica: RwLock<Local>,
    warnings: Warnings,
    /// Offset of the last bad tail reported, so a reader polling a damaged file warns once.
    warned_at: Mutex<Option<u64>>,
    /// This storage, for the flusher thread it starts.
    me: Weak<Inner>,
    /// The longest a deferred record waits (`flusher::DEADLINE`; longer in some tests).
    flush_after: Duration,
}

type WriteGuard<'a> = RwLockWriteGuard<'a, Local>;

impl JournalStorage {
    /// Opens or creates the journal at `path` and replays it. With `fsync`, every append is
    /// flushed to the disk before the call returns (survives an OS crash, not only a kill).
    pub fn open(path: impl AsRef<Path>, fsync: bool) -> Result<Self> {
        Self::open_with(path.as_ref(), fsync, flusher::DEADLINE)
    }

    fn open_with(path: &Path, fsync: bool, flush_after: Duration) -> Result<Self> {
        let file = JournalFile::open(path)?;
        let inner = Arc::new_cyclic(|me| Inner {
            file,
            fsync,
            replica: RwLock::new(Local::default()),
            warnings: Warnings::default(),
            warned_at: Mutex::new(None),
            me: me.clone(),
            flush_after,
        });
        {
            let s = &inner;
            let mut g = s.write_replica();
            g.reset(HEADER_LEN as u64);
            let from = s.load_snapshot(&mut g.replica);
            s.catch_up(&mut g, false)?;
            s.auto_snapshot(&g, from);
        }
        Ok(JournalStorage { inner })
    }

    pub fn path(&self) -> &Path {
        &self.inner.file.path
    }

    /// Writes `<journal>.snapshot` holding the state as of the end of the journal (read up to
    /// it first, waiting parameters written first), so later opens replay only what follows.
    /// Returns its path.
    pub fn snapshot(&self) -> Result<PathBuf> {
        self.inner.snapshot()
    }
}

impl Drop for JournalStorage {
    /// Writes the deferred records (best effort: a failure has no one left to tell).
    fn drop(&mut self) {
        let s = &self.inner;
        let pending = s.replica.read().unwrap_or_else(|e| e.into_inner()).deferred.waiting_here();
        if pending {
            let _ = s.write_deferred(&mut s.write_replica());
        }
    }
}

impl Inner {
    fn write_replica(&self) -> WriteGuard<'_> {
        // Each replica change is one applied operation, so a poisoned lock holds a consistent state.
        let mut g = self.replica.write().unwrap_or_else(|e| e.into_inner());
        if g.deferred.inherited() {
            // A forked child: the parent writes the deferred records; read the file again.
            g.deferred.disown();
            g.stale = true;
        }
        g
    }

    fn warn(&self, msg: String) {
        self.warnings.push(msg);
    }

    /// Applies the complete records in `bytes`, which start at the replica's offset. A record
    /// that does not commute with the deferred records marks the replica stale. With `resync`,
    /// damaged bytes followed by valid frames are skipped (see `damage`); without, the scan
    /// stops at them as at a bad tail.
    fn apply_bytes(&self, g: &mut Local, bytes: &[u8], resync: bool) -> Tail {
        let base = g.offset;
        let mut undecodable = Vec::new();
        let mut damaged = Vec::new();
        let tail = if resync {
            frame::scan_resync(bytes, |piece| match piece {
                Piece::Record { end, body } => apply_record(g, base, end, body, &mut undecodable),
                Piece::Damaged { at, end } => {
                    let offset = base + at as u64;
                    let fixed = match damage::salvage(&bytes[at..end], offset) {
                        Salvage::Corrected(body) => {
                            apply_record(g, base, end, &body, &mut undecodable);
                            None
                        }
                        Salvage::StandIns(n, ops) => {
                            for op in ops {
                                drop(g.apply(op, true));
                            }
                            Some(n)
                        }
                    };
                    damaged.push((offset, &bytes[at..end], fixed));
                    g.offset = base + end as u64;
                }
            })
        } else {
            frame::scan(bytes, |end, body| apply_record(g, base, end, body, &mut undecodable))
        };
        for (at, why) in undecodable {
            self.warnings.push_once(at, || {
                format!(
                    "journal {}: skipped a record at byte {at} that could not be decoded ({why}); it may come from a newer ferrotune",
                    self.file.path.display()
                )
            });
        }
        for (at, region, n) in damaged {
            self.warnings.push_once(at, || self.damage_warning(at, region, n));
        }
        tail
    }

    /// Keeps a copy of damaged bytes and says what was skipped, where, and what to do.
    /// `lost`: how many records the region probably held, `None` when one flipped bit was put back.
    fn damage_warning(&self, at: u64, region: &[u8], lost: Option<usize>) -> String {
        let path = self.file.path.display();
        let copy = match self.file.quarantine(at, region) {
            Ok(side) => format!("a copy of them is in {}", side.display()),
            Err(e) => format!("they could not be copied aside ({e})"),
        };
        let what = match lost {
            None => "one record with one flipped bit, which its checksum put back: nothing was lost".to_string(),
            Some(n) => format!("about {n} record(s) that fail their checksum were skipped"),
        };
        format!(
            "journal {path}: {} damaged bytes at bytes {at}..{} ({what}); every valid record after them is read \
             and the file is left as it is; {copy}; `python -m ferrotune.storages.journal repair {path} NEW_PATH` \
             (in Rust, `storage::journal::repair`) writes a clean journal",
            region.len(),
            at + region.len() as u64
        )
    }

    /// Applies the records appended since the replica's offset; a stale replica is rebuilt
    /// from the file, with the deferred records that still fit applied after it. With
    /// `exclusive` (the caller holds the exclusive lock, so no write is in progress) a bad tail
    /// is moved aside and cut off; otherwise it is reported and skipped.
    fn catch_up(&self, g: &mut Local, exclusive: bool) -> Result<()> {
        if !g.stale {
            self.read_new(g, exclusive)?;
            if !g.stale {
                return Ok(());
            }
        }
        g.rebuild(HEADER_LEN as u64, |g| self.read_new(g, exclusive))
    }

    fn read_new(&self, g: &mut Local, exclusive: bool) -> Result<()> {
        let len = self.file.len()?;
        if len < g.offset {
            // The file shrank under us (replaced or rewritten) or our replica ran ahead of it.
            g.stale = true;
            return Ok(());
        }
        if len == g.offset {
            return Ok(());
        }
        let bytes = self.file.read_from(g.offset)?;
        // Under the exclusive lock nothing is being written: bad bytes are damage or a bad tail.
        let mut tail = self.apply_bytes(g, &bytes, exclusive);
        if tail == Tail::Clean {
            return Ok(());
        }
        if !exclusive {
            // The bad bytes may be a write still in progress: look again once writers are done.
            let _lock = self.file.lock_shared()?;
            let bytes = self.file.read_from(g.offset)?;
            tail = self.apply_bytes(g, &bytes, true);
            if tail == Tail::Clean {
                return Ok(());
            }
        }
        let at = g.offset;
        let what = match tail {
            Tail::Incomplete { .. } => "an incomplete record (a writer was killed mid-write?)",
            _ => "bytes that fail their checksum (a damaged file or data appended by another program?)",
        };
        let size = self.file.len()?.saturating_sub(at);
        if exclusive {
            let side = self.file.move_tail_aside(at)?;
            self.warn(format!(
                "journal {}: ignored {size} bytes at byte {at}: {what}; no valid record follows them, every record before them is intact; the bytes were moved to {}",
                self.file.path.display(),
                side.display()
            ));
        } else {
            let mut w = self.warned_at.lock().unwrap_or_else(|e| e.into_inner());
            if *w != Some(at) {
                *w = Some(at);
                self.warn(format!(
                    "journal {}: ignored {size} bytes at byte {at}: {what}; no valid record follows them, every record before them is intact; the next write moves them aside",
                    self.file.path.display()
                ));
            }
        }
        Ok(())
    }

    /// Applies `ops` (rejected unwritten if they do not fit) and appends the deferred records,
    /// then theirs, in one write. Call under the exclusive file lock on a caught-up replica.
    fn append(&self, g: &mut Local, ops: Vec<Op>) -> Result<Vec<Applied>> {
        if ops.is_empty() && g.deferred.is_empty() {
            return Ok(Vec::new());
        }
        let mut buf = Vec::with_capacity(72 * (ops.len() + g.deferred.len()));
        let mut body = Vec::with_capacity(64);
        for op in g.deferred.ops().iter().chain(&ops) {
            body.clear();
            op.encode(&mut body);
            frame::frame(&body, &mut buf);
        }
        // The deferred records are applied already.
        let applied = g.replica.apply_all(ops)?;
        if let Err(e) = self.file.append(&buf, self.fsync) {
            // The replica holds operations the file may not: rebuild it from the file (the
            // deferred records wait on, applied again after it).
            g.stale = true;
            return Err(e);
        }
        g.deferred.take();
        g.deferred.sent();
        g.offset += buf.len() as u64;
        Ok(applied)
    }

    /// Under the exclusive file lock: catch up, then write the deferred records.
    fn write_deferred(&self, g: &mut Local) -> Result<()> {
        let _lock = self.file.lock_exclusive()?;
        self.catch_up(g, true)?;
        self.append(g, Vec::new()).map(drop)
    }

    fn commit(&self, how: Append, build: &mut dyn FnMut(&Replica) -> Result<Vec<Op>>) -> Result<Vec<Applied>> {
        let mut g = self.write_replica();
        if how == Append::Blind {
            // A blind record does not depend on the state: it is chosen before the file lock,
            // on the file as read now, and a parameter that may wait is not written yet.
            self.catch_up(&mut g, false)?;
            let mut ops = build(&g)?;
            if let Some(applied) = g.defer(&mut ops, &self.me, self.flush_after)? {
                return Ok(vec![applied]);
            }
            let _lock = self.file.lock_exclusive()?;
            self.catch_up(&mut g, true)?;
            return self.append(&mut g, ops);
        }
        let _lock = self.file.lock_exclusive()?;
        self.catch_up(&mut g, true)?;
        let ops = build(&g)?;
        if ops.is_empty() {
            // Nothing to append; the deferred records wait on.
            return Ok(Vec::new());
        }
        self.append(&mut g, ops)
    }

    fn snapshot(&self) -> Result<PathBuf> {
        let mut g = self.write_replica();
        // A snapshot holds only what the file holds: write the waiting records first.
        if g.deferred.is_empty() {
            self.catch_up(&mut g, false)?;
        } else {
            self.write_deferred(&mut g)?;
        }
        if g.stale {
            return Err(Error::Storage(format!(
                "journal {}: the state in memory is ahead of the file after a failed write; retry the snapshot",
                self.file.path.display()
            )));
        }
        snapshot::write(&self.file, &g.replica)
    }
}

/// Applies one framed record ending at `end` (relative to `base`); a record that does not fit
/// the state is skipped by every reader alike.
fn apply_record(g: &mut Local, base: u64, end: usize, body: &[u8], undecodable: &mut Vec<(u64, &'static str)>) {
    match Op::decode(body) {
        Ok(op) => {
            if g.deferred.conflicts(&op) {
                g.stale = true;
            }
            drop(g.apply(op, true))
        }
        Err(e) => undecodable.push((g.offset, e.0)),
    }
    g.offset = base + end as u64;
}

impl FlushTarget for Inner {
    /// The flusher thread's write of the deferred records that waited too long. A failure keeps
    /// them for the next append or a retry; it is reported as a warning when it persists, and
    /// the next call that reads or writes makes the attempt itself (and fails with it).
    fn flush_in_background(&self) {
        let mut g = self.write_replica();
        if g.deferred.is_empty() {
            return;
        }
        let Err(e) = self.write_deferred(&mut g) else { return };
        if g.deferred.is_empty() {
            return;
        }
        if g.deferred.send_failed(&e) {
            self.warn(format!("journal storage: trial parameters could not be written ({e}); still trying"));
        }
    }
}

impl OpLog for JournalStorage {
    fn view<R>(&self, f: impl FnOnce(&MemState) -> Result<R>) -> Result<R> {
        let s = &self.inner;
        let len = s.file.len()?;
        {
            let g = s.replica.read().unwrap_or_else(|e| e.into_inner());
            // The offset counts file bytes only: deferred records leave it alone.
            if !g.stale && g.offset == len && g.deferred.failed.is_none() && !g.deferred.inherited() {
                return f(&g.state);
            }
        }
        let mut g = s.write_replica();
        if g.deferred.failed.is_some() {
            // The flusher could not write the deferred records: try once more, or say why not.
            s.write_deferred(&mut g)?;
        } else {
            s.catch_up(&mut g, false)?;
        }
        f(&g.state)
    }

    fn known<R>(&self, f: impl FnOnce(&MemState) -> R) -> R {
        f(&self.inner.replica.read().unwrap_or_else(|e| e.into_inner()).state)
    }

    /// Under the exclusive file lock: catch up, let `build` choose the operations from the
    /// current state, apply them (rejected unwritten if they do not fit) and append their
    /// records, after the deferred ones, in one write. `build` runs once. A blind parameter
    /// that may wait (see `storage::log::deferred`) is applied without the file lock and written
    /// with the next append.
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

#[cfg(test)]
mod tests;

impl ServedLog for JournalStorage {
    fn describe(&self) -> String {
        format!("journal {}", self.inner.file.path.display())
    }

    /// The complete records after `after` (a byte offset). Damaged bytes stop the read: the
    /// clients of a proxy have no copy of the file to resynchronize on, so the journal must be
    /// repaired first (`repair`).
    fn records_after(&self, after: u64) -> Result<(Vec<RawRecord>, u64)> {
        let file = &self.inner.file;
        let from = after.max(HEADER_LEN as u64);
        let read = |bytes: &[u8]| {
            let mut out = Vec::new();
            let tail = frame::scan(bytes, |end, body| out.push((from + end as u64, body.to_vec())));
            (out, tail)
        };
        let (mut out, mut tail) = read(&file.read_from(from)?);
        if tail != Tail::Clean {
            // Perhaps a write in progress: look again once writers are done.
            let _lock = file.lock_shared()?;
            (out, tail) = read(&file.read_from(from)?);
        }
        if tail != Tail::Clean && out.is_empty() {
            let at = from;
            return Err(Error::Storage(format!(
                "journal {}: the bytes at byte {at} are not a valid record; the gRPC proxy cannot serve past them: \
                 `python -m ferrotune.storages.journal repair` writes a clean journal to serve",
                file.path.display()
            )));
        }
        let end = out.last().map_or(from, |r| r.0);
        Ok((out, end))
    }

    fn position(&self) -> u64 {
        self.inner.replica.read().unwrap_or_else(|e| e.into_inner()).offset
    }

    fn serve_commit(&self, how: Append, build: &mut dyn FnMut(&Replica) -> Result<Vec<Op>>) -> Result<Vec<Applied>> {
        self.inner.commit(how, build)
    }
}

//! Journal file storage: an append-only log of storage operations, shared by any number of
//! processes through advisory file locks.
//!
//! - `frame`: record framing with length and CRC-32; torn or corrupt tails are detected.
//! - `codec`, `record`: the binary encoding of one operation.
//! - `file`: the file itself: header, locks, positional reads, appends.
//! - `replica`: the in-memory state rebuilt from the records (shared with `InMemoryStorage`).
//!
//! Every mutation takes the exclusive file lock, applies the records other processes appended
//! since this process last looked, validates and applies the operation, appends its record and
//! unlocks. Reads check the file length and replay only the new records. The format, locking
//! and durability rules are described in docs/storage.md.

mod codec;
mod file;
mod frame;
pub(crate) mod record;
pub(crate) mod replica;
mod snapshot;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, RwLock, RwLockWriteGuard};

use self::file::JournalFile;
use self::frame::{Tail, HEADER_LEN};
use self::record::Op;
use self::replica::{Applied, Replica};
use super::oplog::{Append, OpLog};
use super::state::MemState;
use crate::error::Result;

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
    file: JournalFile,
    fsync: bool,
    replica: RwLock<Replica>,
    warnings: Mutex<Vec<String>>,
    has_warnings: AtomicBool,
    /// Offset of the last bad tail reported, so a reader polling a damaged file warns once.
    warned_at: Mutex<Option<u64>>,
}

type WriteGuard<'a> = RwLockWriteGuard<'a, Replica>;

impl JournalStorage {
    /// Opens or creates the journal at `path` and replays it. With `fsync`, every append is
    /// flushed to the disk before the call returns (survives an OS crash, not only a kill).
    pub fn open(path: impl AsRef<Path>, fsync: bool) -> Result<Self> {
        let file = JournalFile::open(path.as_ref())?;
        let mut replica = Replica::default();
        replica.reset(HEADER_LEN as u64);
        let s = JournalStorage {
            file,
            fsync,
            replica: RwLock::new(replica),
            warnings: Mutex::new(Vec::new()),
            has_warnings: AtomicBool::new(false),
            warned_at: Mutex::new(None),
        };
        {
            let mut g = s.write_replica();
            let from = s.load_snapshot(&mut g);
            s.catch_up(&mut g, false)?;
            s.auto_snapshot(&g, from);
        }
        Ok(s)
    }

    pub fn path(&self) -> &Path {
        &self.file.path
    }

    fn write_replica(&self) -> WriteGuard<'_> {
        // Each replica change is one applied operation, so a poisoned lock holds a consistent state.
        self.replica.write().unwrap_or_else(|e| e.into_inner())
    }

    fn warn(&self, msg: String) {
        self.warnings.lock().unwrap_or_else(|e| e.into_inner()).push(msg);
        self.has_warnings.store(true, Ordering::Release);
    }

    /// Applies the complete records in `bytes`, which start at the replica's offset.
    fn apply_bytes(&self, g: &mut Replica, bytes: &[u8]) -> Tail {
        let base = g.offset;
        let mut undecodable = Vec::new();
        let tail = frame::scan(bytes, |end, body| {
            match Op::decode(body) {
                // A record that does not fit the state is skipped by every reader alike.
                Ok(op) => drop(g.apply(op, true)),
                Err(e) => undecodable.push((g.offset, e.0)),
            }
            g.offset = base + end as u64;
        });
        for (at, why) in undecodable {
            self.warn(format!(
                "journal {}: skipped a record at byte {at} that could not be decoded ({why}); it may come from a newer ferrotune",
                self.file.path.display()
            ));
        }
        tail
    }

    /// Applies the records appended since the replica's offset. With `exclusive` (the caller
    /// holds the exclusive lock, so no write is in progress) a bad tail is moved aside and cut
    /// off; otherwise it is reported and skipped.
    fn catch_up(&self, g: &mut Replica, exclusive: bool) -> Result<()> {
        let len = self.file.len()?;
        if g.stale || len < g.offset {
            // The file shrank under us (replaced or rewritten) or our replica ran ahead of it.
            g.reset(HEADER_LEN as u64);
        }
        if len == g.offset {
            return Ok(());
        }
        let bytes = self.file.read_from(g.offset)?;
        let mut tail = self.apply_bytes(g, &bytes);
        if tail == Tail::Clean {
            return Ok(());
        }
        if !exclusive {
            // The bad bytes may be a write still in progress: look again once writers are done.
            let _lock = self.file.lock_shared()?;
            let bytes = self.file.read_from(g.offset)?;
            tail = self.apply_bytes(g, &bytes);
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
                "journal {}: ignored {size} bytes at byte {at}: {what}; every record before them is intact; the bytes were moved to {}",
                self.file.path.display(),
                side.display()
            ));
        } else {
            let mut w = self.warned_at.lock().unwrap_or_else(|e| e.into_inner());
            if *w != Some(at) {
                *w = Some(at);
                self.warn(format!(
                    "journal {}: ignored {size} bytes at byte {at}: {what}; every record before them is intact; the next write moves them aside",
                    self.file.path.display()
                ));
            }
        }
        Ok(())
    }
}

impl OpLog for JournalStorage {
    fn view<R>(&self, f: impl FnOnce(&MemState) -> Result<R>) -> Result<R> {
        let len = self.file.len()?;
        {
            let g = self.replica.read().unwrap_or_else(|e| e.into_inner());
            if !g.stale && g.offset == len {
                return f(&g.state);
            }
        }
        let mut g = self.write_replica();
        self.catch_up(&mut g, false)?;
        f(&g.state)
    }

    fn known<R>(&self, f: impl FnOnce(&MemState) -> R) -> R {
        f(&self.replica.read().unwrap_or_else(|e| e.into_inner()).state)
    }

    /// Under the exclusive file lock: catch up, let `build` choose the operations from the
    /// current state, apply them (rejected unwritten if they do not fit) and append their
    /// records in one write. `build` runs once: the lock is held throughout, whatever `how`.
    fn commit(&self, _how: Append, build: &mut dyn FnMut(&Replica) -> Result<Vec<Op>>) -> Result<Vec<Applied>> {
        let mut g = self.write_replica();
        let _lock = self.file.lock_exclusive()?;
        self.catch_up(&mut g, true)?;
        let ops = build(&g)?;
        if ops.is_empty() {
            return Ok(Vec::new());
        }
        let mut buf = Vec::with_capacity(72 * ops.len());
        let mut body = Vec::with_capacity(64);
        for op in &ops {
            body.clear();
            op.encode(&mut body);
            frame::frame(&body, &mut buf);
        }
        let applied = g.apply_all(ops)?;
        if let Err(e) = self.file.append(&buf, self.fsync) {
            // The replica holds operations the file may not: rebuild it from the file.
            g.stale = true;
            return Err(e);
        }
        g.offset += buf.len() as u64;
        Ok(applied)
    }

    fn drain_warnings(&self) -> Vec<String> {
        if !self.has_warnings.swap(false, Ordering::Acquire) {
            return Vec::new();
        }
        std::mem::take(&mut *self.warnings.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

#[cfg(test)]
mod tests;

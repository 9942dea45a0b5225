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
mod record;
mod replica;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, RwLock, RwLockWriteGuard};

use self::file::JournalFile;
use self::frame::{Tail, HEADER_LEN};
use self::record::{Op, Template};
use self::replica::{Applied, Replica};
use super::state::MemState;
use super::{check_grace, now, AttrKind, Claim, Storage, StudyId, StudyInfo, TrialId, TrialRef};
use crate::error::{Error, Result};
use crate::history::{StudyDirection, TrialHistory, TrialState};
use crate::space::Distribution;

pub use self::frame::scan as scan_frames;

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
            s.catch_up(&mut g, false)?;
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

    /// Runs `f` on the up-to-date state.
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

    /// One mutation: under the exclusive file lock, catch up, let `build` choose the operation
    /// from the current state, apply it (it is rejected unwritten if it does not fit) and append
    /// its record. `Ok(None)` when `build` chose nothing.
    fn mutate(&self, build: impl FnOnce(&Replica) -> Result<Option<Op>>) -> Result<Option<Applied>> {
        let mut r = self.mutate_all(|g| Ok(build(g)?.into_iter().collect()))?;
        Ok(r.pop())
    }

    /// Like `mutate` for several operations chosen together: all are applied and appended in
    /// one write under one lock, so other processes see them all or none.
    fn mutate_all(&self, build: impl FnOnce(&Replica) -> Result<Vec<Op>>) -> Result<Vec<Applied>> {
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
        let n = ops.len();
        let mut applied = Vec::with_capacity(n);
        for (i, op) in ops.into_iter().enumerate() {
            match g.apply(op, false) {
                Ok(a) => applied.push(a),
                // Operations already applied are not in the file: rebuild the replica from it.
                Err(e) if i > 0 => {
                    g.stale = true;
                    return Err(e);
                }
                Err(e) => return Err(e),
            }
        }
        if let Err(e) = self.file.append(&buf, self.fsync) {
            // The replica holds operations the file may not: rebuild it from the file.
            g.stale = true;
            return Err(e);
        }
        g.offset += buf.len() as u64;
        Ok(applied)
    }

    fn mutate_done(&self, build: impl FnOnce(&Replica) -> Result<Op>) -> Result<()> {
        self.mutate(|g| build(g).map(Some)).map(|_| ())
    }
}

impl Storage for JournalStorage {
    fn may_block(&self) -> bool {
        true
    }

    fn create_study(&self, name: &str, directions: &[StudyDirection]) -> Result<StudyId> {
        let r = self.mutate(|g| {
            g.state.check_new_study(name)?;
            Ok(Some(Op::CreateStudy { name: name.to_string(), directions: directions.to_vec() }))
        })?;
        match r {
            Some(Applied::Study(id)) => Ok(id),
            _ => Err(Error::Storage("journal: creating a study returned no id".into())),
        }
    }

    fn delete_study(&self, study: StudyId) -> Result<()> {
        self.mutate_done(|g| Ok(Op::DeleteStudy { study: g.index(study)? }))
    }

    fn study_id(&self, name: &str) -> Result<StudyId> {
        self.view(|s| s.study_id(name))
    }

    fn study_info(&self, study: StudyId) -> Result<StudyInfo> {
        self.view(|s| s.study_info(study))
    }

    fn studies(&self) -> Vec<StudyInfo> {
        // An unreadable file shows what was read so far rather than nothing.
        self.view(|s| Ok(s.studies())).unwrap_or_else(|_| self.replica.read().unwrap_or_else(|e| e.into_inner()).state.studies())
    }

    fn set_study_attr(&self, study: StudyId, kind: AttrKind, key: &str, json: &str) -> Result<()> {
        self.mutate_done(|g| {
            Ok(Op::SetStudyAttr { study: g.index(study)?, user: kind == AttrKind::User, key: key.to_string(), json: json.to_string() })
        })
    }

    fn study_attrs(&self, study: StudyId, kind: AttrKind) -> Result<BTreeMap<String, String>> {
        self.view(|s| s.study_attrs(study, kind))
    }

    fn create_trial(&self, study: StudyId, decide: &mut dyn FnMut(&TrialHistory) -> Result<Claim>) -> Result<Option<TrialRef>> {
        let r = self.mutate(|g| {
            let idx = g.index(study)?;
            let time = now();
            Ok(match decide(g.state.history(study)?)? {
                Claim::Skip => None,
                Claim::New(t) => Some(Op::NewTrial { study: idx, time, template: Template(t) }),
                Claim::Waiting { row, system_attrs } => {
                    let row = u32::try_from(row).map_err(|_| Error::Storage(format!("trial {row} is not waiting")))?;
                    Some(Op::ClaimWaiting { study: idx, row, system_attrs, time })
                }
            })
        })?;
        match r {
            None => Ok(None),
            Some(Applied::Trial(t)) => Ok(t),
            Some(_) => Err(Error::Storage("journal: creating a trial returned no trial".into())),
        }
    }

    fn trial_ref(&self, trial_id: TrialId) -> Result<TrialRef> {
        self.view(|s| s.trial_ref(trial_id))
    }

    fn set_trial_param(&self, trial_id: TrialId, name: &str, value: f64, dist: &Distribution) -> Result<()> {
        self.mutate_done(|_| Ok(Op::SetParam { trial: trial_id, name: name.to_string(), value, dist: dist.clone() }))
    }

    fn set_trial_state_values(&self, trial_id: TrialId, state: TrialState, values: Option<&[f64]>) -> Result<()> {
        self.mutate_done(|_| Ok(Op::SetState { trial: trial_id, state, values: values.map(<[f64]>::to_vec), time: now() }))
    }

    fn set_trial_intermediate_value(&self, trial_id: TrialId, step: i64, value: f64) -> Result<bool> {
        match self.mutate(|_| Ok(Some(Op::SetIntermediate { trial: trial_id, step, value })))? {
            Some(Applied::Changed(b)) => Ok(b),
            _ => Ok(false),
        }
    }

    fn set_trial_attr(&self, trial_id: TrialId, kind: AttrKind, key: &str, json: &str) -> Result<()> {
        self.mutate_done(|_| {
            Ok(Op::SetTrialAttr { trial: trial_id, user: kind == AttrKind::User, key: key.to_string(), json: json.to_string() })
        })
    }

    fn record_heartbeat(&self, trial_id: TrialId) -> Result<()> {
        self.mutate_done(|_| Ok(Op::Heartbeat { trial: trial_id, time: now() }))
    }

    fn last_heartbeat(&self, trial_id: TrialId) -> Result<Option<f64>> {
        self.view(|s| s.last_heartbeat(trial_id))
    }

    fn stale_trials(&self, study: StudyId, grace: f64) -> Result<Vec<TrialId>> {
        check_grace(grace)?;
        self.view(|s| s.stale_trials(study, now(), grace))
    }

    fn fail_stale_trials(&self, study: StudyId, grace: f64) -> Result<Vec<TrialId>> {
        check_grace(grace)?;
        let mut stale = Vec::new();
        self.mutate_all(|g| {
            let time = now();
            stale = g.state.stale_trials(study, time, grace)?;
            Ok(stale.iter().map(|&trial| Op::SetState { trial, state: TrialState::Fail, values: None, time }).collect())
        })?;
        Ok(stale)
    }

    fn read(&self, study: StudyId, f: &mut dyn FnMut(&TrialHistory)) -> Result<()> {
        self.view(|s| {
            f(s.history(study)?);
            Ok(())
        })
    }

    fn take_warnings(&self) -> Vec<String> {
        if !self.has_warnings.swap(false, Ordering::Acquire) {
            return Vec::new();
        }
        std::mem::take(&mut *self.warnings.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

#[cfg(test)]
mod tests;

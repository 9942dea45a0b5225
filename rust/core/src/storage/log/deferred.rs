//! Parameter records applied to the replica before they are written: they ride on the
//! process's next write (or the flusher thread sends them), so a trial costs two appends, not
//! seven. Shared by the log backends (PostgreSQL, the journal file).
//!
//! A record may wait only when applying it now or later gives the same state: it sets a
//! parameter whose column already holds an equal distribution (so no column or distribution
//! index depends on when it lands), and nothing another process writes meanwhile touches its
//! trial. The replica is thus the log with the deferred records applied after it, which is
//! where they land when sent. A record of another process that breaks this (`conflicts`) marks
//! the replica stale: it is replayed from the log, then the deferred records that still fit
//! are applied again (those that no longer fit, e.g. on a trial another process failed as
//! stale, would be skipped by every reader, so they are dropped).

use std::ops::{Deref, DerefMut};

use std::sync::Weak;
use std::time::Duration;

use super::flusher::{FlushTarget, Flusher};
use super::record::Op;
use super::replica::{Applied, Replica};
use crate::error::Result;
use crate::storage::TrialId;

/// The replica: the log up to `offset`, then the deferred records.
#[derive(Default)]
pub struct Local {
    pub replica: Replica,
    pub deferred: Deferred,
    /// How many times the replica was rebuilt from the whole log (tests check that it stays put).
    pub rebuilds: u64,
}

impl Local {
    /// Rebuilds a stale replica: `reset` to the log's start, `read` the whole log, then apply
    /// the deferred records that still fit (those on a trial finished meanwhile would be skipped
    /// by every reader, so they are dropped). If the log cannot be read, the replica stays stale
    /// and keeps every record for the next rebuild.
    pub fn rebuild(&mut self, start: u64, read: impl FnOnce(&mut Local) -> Result<()>) -> Result<()> {
        let deferred = self.deferred.take();
        self.rebuilds += 1;
        self.reset(start);
        // Until the log is read again the records are neither applied nor to be applied.
        let r = read(self);
        for op in deferred {
            // Unread log: keep every record unapplied. Read log: keep those that still fit.
            if r.is_err() || (self.check(&op).is_ok() && self.apply(op.clone(), false).is_ok()) {
                self.deferred.push(op);
            }
        }
        if r.is_err() {
            self.stale = true;
            return r;
        }
        if self.deferred.is_empty() {
            // None left to write (a failed background write of dropped records is moot).
            self.deferred.sent();
        }
        Ok(())
    }
}

impl Local {
    /// Keeps `ops` waiting when it is one record that may (see `may_defer`): applies it and
    /// has `target`'s flusher send it within `after` unless a write carries it first. `None`
    /// when the records must be written now, as after a failed background send (the next
    /// write tries, and reports, that itself).
    pub fn defer<T: FlushTarget + 'static>(&mut self, ops: &mut Vec<Op>, target: &Weak<T>, after: Duration) -> Result<Option<Applied>> {
        if ops.len() != 1 || self.deferred.failed.is_some() || !may_defer(self, &ops[0]) {
            return Ok(None);
        }
        let op = ops.pop().expect("one op");
        let applied = self.apply(op.clone(), false)?;
        if self.deferred.push(op) {
            if self.deferred.flusher.is_none() {
                self.deferred.flusher = Flusher::start(target.clone() as Weak<dyn FlushTarget>);
            }
            if let Some(f) = &self.deferred.flusher {
                f.deferred(after);
            }
        }
        Ok(Some(applied))
    }
}

impl Deref for Local {
    type Target = Replica;
    fn deref(&self) -> &Replica {
        &self.replica
    }
}

impl DerefMut for Local {
    fn deref_mut(&mut self) -> &mut Replica {
        &mut self.replica
    }
}

pub struct Deferred {
    ops: Vec<Op>,
    /// The trials the records change (a few at most: one per running trial of this process).
    trials: Vec<TrialId>,
    /// The process the records belong to: a forked child leaves them to its parent.
    pid: u32,
    /// Started with the first deferred record of this process.
    pub flusher: Option<Flusher>,
    /// Failed sends in a row by the flusher thread, and the last error.
    pub failures: u32,
    pub failed: Option<String>,
}

impl Default for Deferred {
    fn default() -> Self {
        Deferred { ops: Vec::new(), trials: Vec::new(), pid: crate::storage::pid::current(), flusher: None, failures: 0, failed: None }
    }
}

/// Whether `op` may be applied now and sent later (see the module comment).
pub fn may_defer(g: &Replica, op: &Op) -> bool {
    let Op::SetParam { trial, name, dist, .. } = op else { return false };
    let Ok((study, _)) = g.state.locate(*trial) else { return false };
    let Ok(h) = g.state.history(study) else { return false };
    h.column(name).is_some_and(|c| c.distributions.contains(dist)) && g.check(op).is_ok()
}

impl Deferred {
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn ops(&self) -> &[Op] {
        &self.ops
    }

    /// Keeps an op already applied to the replica; true when it is the first one waiting.
    pub fn push(&mut self, op: Op) -> bool {
        if let Op::SetParam { trial, .. } = &op {
            if !self.trials.contains(trial) {
                self.trials.push(*trial);
            }
        }
        self.ops.push(op);
        self.ops.len() == 1
    }

    /// The records, now sent (or to be applied again), in log order.
    pub fn take(&mut self) -> Vec<Op> {
        self.trials.clear();
        std::mem::take(&mut self.ops)
    }

    /// Whether a record of another process, applied before the deferred ones although it
    /// lands before them in the log, could leave a different state than the log's order:
    /// it changes the parameters or the state of a trial with deferred records (finishing it
    /// makes them invalid; setting one of its parameters changes their order), or deletes a
    /// study while records wait (the record names the study by its log index, not the trials
    /// it removes). Other records touch other trials or other parts of the trial (intermediate
    /// values, attributes, heartbeats), or add trials, columns and distributions, which the
    /// deferred records' indices do not depend on. With no record waiting nothing conflicts:
    /// the rebuild a conflict causes replays the log with none waiting, so it must not find one.
    pub fn conflicts(&self, op: &Op) -> bool {
        match op {
            Op::SetParam { trial, .. } | Op::SetState { trial, .. } => self.trials.contains(trial),
            Op::DeleteStudy { .. } => !self.ops.is_empty(),
            _ => false,
        }
    }

    /// None wait any more: forgets failed sends and stops the flusher's deadline.
    pub fn sent(&mut self) {
        self.failures = 0;
        self.failed = None;
        if let Some(f) = &self.flusher {
            f.sent();
        }
    }

    /// Records a failed background send of the waiting records: they keep waiting, the flusher
    /// tries again after a growing delay, and the next call of the process sends them itself
    /// (and raises the error). True on the third failure in a row, when the user should hear
    /// of it.
    pub fn send_failed(&mut self, e: &crate::error::Error) -> bool {
        self.failures += 1;
        self.failed = Some(e.to_string());
        if let Some(f) = &self.flusher {
            f.retry(super::flusher::DEADLINE * 2u32.pow(self.failures.min(5)));
        }
        self.failures == 3
    }

    /// Whether records of this process (not a forked child's inherited copy) wait to be sent.
    pub fn waiting_here(&self) -> bool {
        !self.ops.is_empty() && !self.inherited()
    }

    /// True in a forked child, whose copy of the records its parent sends.
    pub fn inherited(&self) -> bool {
        self.pid != crate::storage::pid::current()
    }

    /// Forgets the records and the flusher thread of the parent, in a forked child.
    pub fn disown(&mut self) {
        self.ops.clear();
        self.trials.clear();
        self.failures = 0;
        self.failed = None;
        // The parent's thread was not copied by fork (dropping the handle leaves it alone).
        self.flusher = None;
        self.pid = crate::storage::pid::current();
    }
}

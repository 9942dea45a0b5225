//! Storage: where studies and trials live.
//!
//! `Storage` is the trait every backend implements: `InMemoryStorage`, the journal file
//! (`JournalStorage`), SQLite (`SqliteStorage`) and PostgreSQL (`PostgresStorage`); all keep their studies in the same
//! `MemState` (mem_state.rs). Each backend keeps a `TrialHistory` per study, so samplers read
//! the same columns whatever the backend.
//!
//! The log backends (journal, SQLite, PostgreSQL) share `log`: the records, their encoding, the replica
//! they are replayed into, the `Storage` methods written once over them, the parameter records
//! that wait for the process's next write and the thread that writes them. `url` reads storage
//! URLs (and hides their passwords) for every backend and for Python.

mod export;
#[cfg(feature = "grpc")]
pub mod grpc;
pub mod journal;
pub(crate) mod log;
mod mem_state;
mod memory;
pub(crate) mod pid;
#[cfg(feature = "postgres")]
pub mod postgres;
#[cfg(feature = "redis")]
pub mod redis;
#[cfg(feature = "sqlite")]
pub mod sqlite;
mod template;
#[cfg(test)]
pub(crate) mod test_support;
pub mod url;

pub use export::{copy_study, template_from_row};
pub use journal::JournalStorage;
pub use memory::InMemoryStorage;
#[cfg(feature = "postgres")]
pub use postgres::PostgresStorage;
#[cfg(feature = "redis")]
pub use redis::RedisStorage;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStorage;
pub use template::{Claim, TrialTemplate};

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::error::Result;
use crate::history::{StudyDirection, TrialHistory, TrialState};
use crate::space::Distribution;

pub type StudyId = u32;
pub type TrialId = u64;

/// Which attribute map a call addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrKind {
    User,
    System,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StudyInfo {
    pub id: StudyId,
    pub name: String,
    pub directions: Vec<StudyDirection>,
    pub n_trials: usize,
}

/// Where a trial lives: its study and its number (row) in that study.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrialRef {
    pub trial_id: TrialId,
    pub study: StudyId,
    pub number: usize,
}

pub trait Storage: Send + Sync {
    fn create_study(&self, name: &str, directions: &[StudyDirection]) -> Result<StudyId>;
    fn delete_study(&self, study: StudyId) -> Result<()>;
    fn study_id(&self, name: &str) -> Result<StudyId>;
    fn study_info(&self, study: StudyId) -> Result<StudyInfo>;
    fn studies(&self) -> Vec<StudyInfo>;
    fn set_study_attr(&self, study: StudyId, kind: AttrKind, key: &str, json: &str) -> Result<()>;
    fn study_attrs(&self, study: StudyId, kind: AttrKind) -> Result<BTreeMap<String, String>>;

    /// Creates a trial atomically: `decide` sees the history under the storage's write
    /// lock (or transaction) and either claims a WAITING trial or describes a new one.
    /// This is what lets grid search hand out each point exactly once across workers.
    /// Returns `None` when `decide` answered `Claim::Skip`.
    fn create_trial(&self, study: StudyId, decide: &mut dyn FnMut(&TrialHistory) -> Result<Claim>) -> Result<Option<TrialRef>>;
    /// `create_trial` for a `decide` without side effects (it claims nothing in a sampler's own
    /// state): a backend may run it again when another process wrote while it ran, which lets
    /// PostgreSQL create the trial in one round trip instead of a locked transaction.
    fn create_trial_pure(&self, study: StudyId, decide: &mut dyn FnMut(&TrialHistory) -> Result<Claim>) -> Result<Option<TrialRef>> {
        self.create_trial(study, decide)
    }
    fn trial_ref(&self, trial_id: TrialId) -> Result<TrialRef>;
    fn set_trial_param(&self, trial_id: TrialId, name: &str, value: f64, dist: &Distribution) -> Result<()>;
    /// Moves a trial to a new state; finishing a trial twice is an error.
    fn set_trial_state_values(&self, trial_id: TrialId, state: TrialState, values: Option<&[f64]>) -> Result<()>;
    /// Returns false when the step already had a value (the first one is kept).
    fn set_trial_intermediate_value(&self, trial_id: TrialId, step: i64, value: f64) -> Result<bool>;
    fn set_trial_attr(&self, trial_id: TrialId, kind: AttrKind, key: &str, json: &str) -> Result<()>;

    /// Records that the process running `trial_id` is alive now. Fails when the trial is not
    /// running (it finished, or another worker failed it as stale).
    fn record_heartbeat(&self, trial_id: TrialId) -> Result<()>;
    /// The time of the trial's last heartbeat, `None` when it has none (never recorded, finished).
    fn last_heartbeat(&self, trial_id: TrialId) -> Result<Option<f64>>;
    /// Running trials of `study` whose last heartbeat is more than `grace` seconds old (a
    /// snapshot; `fail_stale_trials` is the atomic check-and-fail).
    fn stale_trials(&self, study: StudyId, grace: f64) -> Result<Vec<TrialId>>;
    /// Moves every running trial of `study` whose last heartbeat is more than `grace` seconds
    /// old to FAIL, all in one atomic step, and returns their ids: of workers checking at the
    /// same time, exactly one fails each stale trial.
    fn fail_stale_trials(&self, study: StudyId, grace: f64) -> Result<Vec<TrialId>>;

    /// Appends finished (or waiting) trials as they are, e.g. copied from another storage.
    /// Backends that can append them in one atomic step do; by default they are created one
    /// at a time.
    fn import_trials(&self, study: StudyId, trials: Vec<TrialTemplate>) -> Result<Vec<TrialRef>> {
        let mut out = Vec::with_capacity(trials.len());
        for t in trials {
            let mut t = Some(t);
            let r = self.create_trial(study, &mut |_| {
                t.take().map(Claim::New).ok_or_else(|| crate::error::Error::Storage("a trial was imported twice".into()))
            })?;
            out.extend(r);
        }
        Ok(out)
    }

    /// Runs `f` on the study's history under a read lock.
    fn read(&self, study: StudyId, f: &mut dyn FnMut(&TrialHistory)) -> Result<()>;

    /// Messages the storage wants shown to the user (a damaged journal tail, ...), drained.
    fn take_warnings(&self) -> Vec<String> {
        Vec::new()
    }

    /// True when a call may wait on I/O or on other processes (a file lock): callers holding
    /// Python's GIL should release it around every call. In memory, the short calls keep it.
    fn may_block(&self) -> bool {
        false
    }

    /// The storage's log as the gRPC proxy serves it (`storage::grpc`); `None` for storages
    /// that keep no log (in memory) or cannot be served (a proxy's client).
    fn served_log(&self) -> Option<ServedRef<'_>> {
        None
    }
}

/// A log backend that the gRPC proxy can serve (opaque outside the crate).
pub struct ServedRef<'a>(#[cfg_attr(not(feature = "grpc"), allow(dead_code))] pub(crate) &'a dyn log::served::ServedLog);

/// Reads a value out of a study's history.
pub fn read_with<R>(storage: &dyn Storage, study: StudyId, f: impl FnOnce(&TrialHistory) -> R) -> Result<R> {
    let mut f = Some(f);
    let mut out = None;
    storage.read(study, &mut |h| {
        if let Some(f) = f.take() {
            out = Some(f(h));
        }
    })?;
    Ok(out.expect("storage read callback was not called"))
}

/// Study ids are unique across every storage of the process, so a sampler shared by studies of
/// different storages never confuses their bookkeeping.
static NEXT_STUDY_ID: AtomicU32 = AtomicU32::new(0);

/// A study id no other study of this process has (also used for the per-bracket histories
/// samplers see under Hyperband, which need their own sampler state).
pub fn new_study_id() -> StudyId {
    NEXT_STUDY_ID.fetch_add(1, Ordering::Relaxed)
}

pub(crate) fn check_grace(grace: f64) -> Result<()> {
    if grace.is_finite() && grace >= 0.0 {
        Ok(())
    } else {
        Err(crate::error::Error::InvalidValue(format!("grace_period must be a non-negative number of seconds, got {grace}")))
    }
}

/// Seconds since the Unix epoch, the timestamp format of every backend.
pub fn now() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

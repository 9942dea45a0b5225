//! Storages kept as a log of operations: the journal file, SQLite and PostgreSQL.
//!
//! All keep a `Replica` (the log's records applied to a `MemState`) and differ only in how
//! they read new records and append their own. `OpLog` is that difference; the `Storage`
//! methods, written once here, turn each call into a read of the replica or into records.

use std::collections::BTreeMap;

use super::record::{Op, Template};
use super::replica::{Applied, Replica};
use super::served::ServedLog;
use crate::error::{Error, Result};
use crate::history::{StudyDirection, TrialHistory, TrialState};
use crate::space::Distribution;
use crate::storage::mem_state::MemState;
use crate::storage::{check_grace, now, AttrKind, Claim, Storage, StudyId, StudyInfo, TrialId, TrialRef, TrialTemplate};

/// What an append needs from the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Append {
    /// `build` has side effects (a sampler claiming a grid point): run it exactly once, on a
    /// state no other process can change before the records are appended.
    Locked,
    /// `build` may run again: append only if nothing was appended since the state it saw.
    Checked,
    /// A trial creation whose `build` may run again: new trials may land after records this
    /// process has not seen (their number is where they land); claiming a waiting trial is
    /// appended only on an up-to-date state, as `Checked`.
    Create,
    /// A change to one trial that only that trial's state can invalidate (a parameter, a
    /// result): it may land after records this process has not seen; if one of them finished
    /// the trial, every reader skips the change alike and the caller gets the error.
    Blind,
}

/// How a backend reads and appends the operation log.
pub(crate) trait OpLog: Send + Sync {
    /// Runs `f` on the state with every record known to be in the log applied.
    fn view<R>(&self, f: impl FnOnce(&MemState) -> Result<R>) -> Result<R>;

    /// Runs `f` on the state as last read, without looking at the log (for answers that
    /// should not fail because the log cannot be read right now).
    fn known<R>(&self, f: impl FnOnce(&MemState) -> R) -> R;

    /// Appends the operations `build` chooses from the up-to-date replica as one atomic unit:
    /// other processes see all of them or none. `how` says what the operations need (a backend
    /// with one lock for everything, like the journal file, may treat all alike).
    fn commit(&self, how: Append, build: &mut dyn FnMut(&Replica) -> Result<Vec<Op>>) -> Result<Vec<Applied>>;

    /// Messages for the user, drained.
    fn drain_warnings(&self) -> Vec<String>;

    /// This log as the gRPC storage proxy serves it, for backends that can be served.
    fn served(&self) -> Option<&dyn ServedLog> {
        None
    }
}

fn commit_one<L: OpLog>(log: &L, how: Append, build: impl Fn(&Replica) -> Result<Op>) -> Result<Applied> {
    let mut r = log.commit(how, &mut |g| Ok(vec![build(g)?]))?;
    r.pop().ok_or_else(|| Error::Storage("storage log: an operation was appended without a result".into()))
}

fn create_trial_with<L: OpLog>(
    log: &L,
    how: Append,
    study: StudyId,
    decide: &mut dyn FnMut(&TrialHistory) -> Result<Claim>,
) -> Result<Option<TrialRef>> {
    let r = log.commit(how, &mut |g| {
        let idx = g.index(study)?;
        let time = now();
        Ok(match decide(g.state.history(study)?)? {
            Claim::Skip => vec![],
            Claim::New(t) => vec![Op::NewTrial { study: idx, time, template: Template(t) }],
            Claim::Waiting { row, system_attrs } => {
                let row = u32::try_from(row).map_err(|_| Error::Storage(format!("trial {row} is not waiting")))?;
                vec![Op::ClaimWaiting { study: idx, row, system_attrs, time }]
            }
        })
    })?;
    match r.into_iter().next() {
        None => Ok(None),
        Some(Applied::Trial(t)) => Ok(t),
        Some(_) => Err(Error::Storage("storage log: creating a trial returned no trial".into())),
    }
}

fn attr_kind_is_user(kind: AttrKind) -> bool {
    kind == AttrKind::User
}

impl<L: OpLog> Storage for L {
    fn may_block(&self) -> bool {
        true
    }

    fn create_study(&self, name: &str, directions: &[StudyDirection]) -> Result<StudyId> {
        let r = commit_one(self, Append::Checked, |g| {
            g.state.check_new_study(name)?;
            Ok(Op::CreateStudy { name: name.to_string(), directions: directions.to_vec() })
        })?;
        match r {
            Applied::Study(id) => Ok(id),
            _ => Err(Error::Storage("storage log: creating a study returned no id".into())),
        }
    }

    fn delete_study(&self, study: StudyId) -> Result<()> {
        commit_one(self, Append::Checked, |g| Ok(Op::DeleteStudy { study: g.index(study)? })).map(drop)
    }

    fn study_id(&self, name: &str) -> Result<StudyId> {
        self.view(|s| s.study_id(name))
    }

    fn study_info(&self, study: StudyId) -> Result<StudyInfo> {
        self.view(|s| s.study_info(study))
    }

    fn studies(&self) -> Vec<StudyInfo> {
        // An unreadable log shows what was read so far rather than nothing.
        self.view(|s| Ok(s.studies())).unwrap_or_else(|_| self.known(MemState::studies))
    }

    fn set_study_attr(&self, study: StudyId, kind: AttrKind, key: &str, json: &str) -> Result<()> {
        commit_one(self, Append::Checked, |g| {
            Ok(Op::SetStudyAttr { study: g.index(study)?, user: attr_kind_is_user(kind), key: key.to_string(), json: json.to_string() })
        })
        .map(drop)
    }

    fn study_attrs(&self, study: StudyId, kind: AttrKind) -> Result<BTreeMap<String, String>> {
        self.view(|s| s.study_attrs(study, kind))
    }

    fn create_trial(&self, study: StudyId, decide: &mut dyn FnMut(&TrialHistory) -> Result<Claim>) -> Result<Option<TrialRef>> {
        create_trial_with(self, Append::Locked, study, decide)
    }

    fn create_trial_pure(&self, study: StudyId, decide: &mut dyn FnMut(&TrialHistory) -> Result<Claim>) -> Result<Option<TrialRef>> {
        create_trial_with(self, Append::Create, study, decide)
    }

    fn import_trials(&self, study: StudyId, trials: Vec<TrialTemplate>) -> Result<Vec<TrialRef>> {
        // One atomic append for the whole batch: a copy is either all there or not at all.
        let applied = self.commit(Append::Create, &mut |g| {
            let idx = g.index(study)?;
            let time = now();
            Ok(trials.iter().map(|t| Op::NewTrial { study: idx, time, template: Template(t.clone()) }).collect())
        });
        applied?
            .into_iter()
            .map(|a| match a {
                Applied::Trial(Some(t)) => Ok(t),
                _ => Err(Error::Storage("storage log: importing a trial returned no trial".into())),
            })
            .collect()
    }

    fn trial_ref(&self, trial_id: TrialId) -> Result<TrialRef> {
        self.view(|s| s.trial_ref(trial_id))
    }

    fn set_trial_param(&self, trial_id: TrialId, name: &str, value: f64, dist: &Distribution) -> Result<()> {
        commit_one(self, Append::Blind, |_| Ok(Op::SetParam { trial: trial_id, name: name.to_string(), value, dist: dist.clone() }))
            .map(drop)
    }

    fn set_trial_state_values(&self, trial_id: TrialId, state: TrialState, values: Option<&[f64]>) -> Result<()> {
        commit_one(self, Append::Blind, |_| Ok(Op::SetState { trial: trial_id, state, values: values.map(<[f64]>::to_vec), time: now() }))
            .map(drop)
    }

    fn set_trial_intermediate_value(&self, trial_id: TrialId, step: i64, value: f64) -> Result<bool> {
        match commit_one(self, Append::Blind, |_| Ok(Op::SetIntermediate { trial: trial_id, step, value }))? {
            Applied::Changed(b) => Ok(b),
            _ => Ok(false),
        }
    }

    fn set_trial_attr(&self, trial_id: TrialId, kind: AttrKind, key: &str, json: &str) -> Result<()> {
        commit_one(self, Append::Blind, |_| {
            Ok(Op::SetTrialAttr { trial: trial_id, user: attr_kind_is_user(kind), key: key.to_string(), json: json.to_string() })
        })
        .map(drop)
    }

    fn record_heartbeat(&self, trial_id: TrialId) -> Result<()> {
        commit_one(self, Append::Blind, |_| Ok(Op::Heartbeat { trial: trial_id, time: now() })).map(drop)
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
        self.commit(Append::Checked, &mut |g| {
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
        self.drain_warnings()
    }

    fn served_log(&self) -> Option<crate::storage::ServedRef<'_>> {
        self.served().map(crate::storage::ServedRef)
    }
}

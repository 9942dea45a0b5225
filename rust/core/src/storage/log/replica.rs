//! The in-memory replica of the log (a journal file or a PostgreSQL table): the shared
//! `MemState`, the map from the log's study indices to this process's study ids, and how far
//! into the log it has applied (a byte offset in a file, a record number in a table).

use std::collections::HashMap;

use super::record::{kind, Op};
use crate::error::{Error, Result};
use crate::storage::mem_state::MemState;
use crate::storage::{new_study_id, Claim, StudyId, TrialRef};

/// What applying an operation produced.
pub enum Applied {
    Study(StudyId),
    Trial(Option<TrialRef>),
    Changed(bool),
    Done,
}

#[derive(Default)]
pub struct Replica {
    pub state: MemState,
    /// File study index -> process study id. Kept across rebuilds so study ids stay valid.
    ids: Vec<StudyId>,
    idx_of: HashMap<StudyId, u32>,
    /// Number of `CreateStudy` records applied (the next study index).
    n_studies: u32,
    /// Bytes of the file applied so far (header included).
    pub offset: u64,
    /// The replica may be ahead of the file (a failed append); rebuild before the next use.
    pub stale: bool,
}

impl Replica {
    /// Forgets all state, keeping the study id map, to replay the file from `header_len`.
    pub fn reset(&mut self, header_len: u64) {
        self.state = MemState::default();
        self.idx_of.clear();
        self.n_studies = 0;
        self.offset = header_len;
        self.stale = false;
    }

    /// For each file study index in order, the study's id here, `None` once it is deleted (or
    /// its creation was rejected).
    pub fn study_slots(&self) -> impl Iterator<Item = Option<StudyId>> + '_ {
        (0..self.n_studies as usize).map(|i| self.ids.get(i).copied().filter(|id| self.idx_of.contains_key(id)))
    }

    /// The file index of a study of this process.
    pub fn index(&self, study: StudyId) -> Result<u32> {
        self.idx_of.get(&study).copied().ok_or_else(|| Error::StudyNotFound(format!("no study with id {study}; it may have been deleted")))
    }

    fn id(&self, idx: u32) -> Result<StudyId> {
        self.ids
            .get(idx as usize)
            .copied()
            .filter(|id| self.idx_of.contains_key(id))
            .ok_or_else(|| Error::StudyNotFound(format!("no study with index {idx} in the journal")))
    }

    /// Applies one operation. Fails without changing anything when the operation does not fit
    /// the state; when `replay`, a rejected trial creation still takes its trial id, as the
    /// writer's process did not count it either way (it never writes rejected operations).
    pub fn apply(&mut self, op: Op, replay: bool) -> Result<Applied> {
        match op {
            Op::CreateStudy { name, directions } => {
                let idx = self.n_studies;
                let id = self.ids.get(idx as usize).copied().unwrap_or_else(new_study_id);
                let r = self.state.create_study(id, &name, &directions);
                if r.is_ok() || replay {
                    // Replay keeps indices aligned with the file even past a rejected record.
                    self.n_studies += 1;
                    if self.ids.len() == idx as usize {
                        self.ids.push(id);
                    }
                }
                r?;
                self.idx_of.insert(id, idx);
                Ok(Applied::Study(id))
            }
            Op::DeleteStudy { study } => {
                let id = self.id(study)?;
                self.state.delete_study(id)?;
                self.idx_of.remove(&id);
                Ok(Applied::Done)
            }
            Op::SetStudyAttr { study, user, key, json } => {
                let id = self.id(study)?;
                self.state.set_study_attr(id, kind(user), &key, &json).map(|_| Applied::Done)
            }
            Op::NewTrial { study, time, template } => {
                let r = self.id(study).and_then(|id| self.state.apply_claim(id, Claim::New(template.0), time));
                match r {
                    Ok(t) => Ok(Applied::Trial(t)),
                    Err(e) => {
                        if replay {
                            self.state.push_dead_trial();
                        }
                        Err(e)
                    }
                }
            }
            Op::ClaimWaiting { study, row, system_attrs, time } => {
                let id = self.id(study)?;
                let claim = Claim::Waiting { row: row as usize, system_attrs };
                self.state.apply_claim(id, claim, time).map(Applied::Trial)
            }
            Op::SetParam { trial, name, value, dist } => self.state.set_trial_param(trial, &name, value, &dist).map(|_| Applied::Done),
            Op::SetState { trial, state, values, time } => {
                self.state.set_trial_state_values(trial, state, values.as_deref(), time).map(|_| Applied::Done)
            }
            Op::SetIntermediate { trial, step, value } => self.state.set_trial_intermediate_value(trial, step, value).map(Applied::Changed),
            Op::SetTrialAttr { trial, user, key, json } => self.state.set_trial_attr(trial, kind(user), &key, &json).map(|_| Applied::Done),
            Op::Heartbeat { trial, time } => self.state.record_heartbeat(trial, time).map(|_| Applied::Done),
        }
    }
    /// Applies operations chosen together. If one after the first does not fit, the replica
    /// already holds the ones before it, which the log does not: it is marked stale.
    pub fn apply_all(&mut self, ops: Vec<Op>) -> Result<Vec<Applied>> {
        let mut applied = Vec::with_capacity(ops.len());
        for (i, op) in ops.into_iter().enumerate() {
            match self.apply(op, false) {
                Ok(a) => applied.push(a),
                Err(e) => {
                    self.stale |= i > 0;
                    return Err(e);
                }
            }
        }
        Ok(applied)
    }

    /// Fails, changing nothing, when `op` would be rejected by `apply` on the current state
    /// (an optimistic writer checks before it appends, and applies only once appended).
    pub fn check(&self, op: &Op) -> Result<()> {
        let st = &self.state;
        match op {
            Op::CreateStudy { name, directions } => {
                st.check_new_study(name)?;
                if directions.is_empty() {
                    return Err(Error::InvalidValue("a study needs at least one direction".into()));
                }
                Ok(())
            }
            Op::DeleteStudy { study } | Op::SetStudyAttr { study, .. } => self.id(*study).map(drop),
            Op::NewTrial { study, template, .. } => st.check_new_trial(self.id(*study)?, template.0.values.as_deref()),
            Op::ClaimWaiting { study, row, .. } => {
                st.check_claim(self.id(*study)?, &Claim::Waiting { row: *row as usize, system_attrs: Default::default() })
            }
            Op::SetParam { trial, .. } | Op::SetIntermediate { trial, .. } | Op::SetTrialAttr { trial, .. } => st.check_live(*trial, None),
            Op::SetState { trial, values, .. } => st.check_values_of(*trial, values.as_deref()),
            Op::Heartbeat { trial, .. } => st.check_live(*trial, Some(crate::history::TrialState::Running)),
        }
    }
}

//! The state every backend keeps in memory: studies, their histories and the trial index.
//!
//! `MemState` validates and applies one mutation at a time; a call either fails without
//! changing anything or applies fully. Timestamps come in as arguments, so the journal can
//! replay an operation with the time it was first applied and rebuild the same state.

use std::collections::{BTreeMap, HashMap};

use super::{AttrKind, Claim, StudyId, StudyInfo, TrialId, TrialRef, TrialTemplate};
use crate::error::{Error, Result};
use crate::history::{StudyDirection, TrialHistory, TrialMeta, TrialState};
use crate::space::Distribution;

/// Study of a trial slot whose creation was rejected on replay (keeps later trial ids aligned).
const DEAD: StudyId = StudyId::MAX;

pub(crate) struct StudyRecord {
    pub name: String,
    pub user_attrs: BTreeMap<String, String>,
    pub system_attrs: BTreeMap<String, String>,
    pub history: TrialHistory,
}

#[derive(Default)]
pub(crate) struct MemState {
    pub studies: BTreeMap<StudyId, StudyRecord>,
    names: HashMap<String, StudyId>,
    /// trial id -> (study, row)
    trials: Vec<(StudyId, u32)>,
    /// Last heartbeat time of each running trial that recorded one; dropped when it finishes.
    heartbeats: HashMap<TrialId, f64>,
}

fn no_study(id: StudyId) -> Error {
    Error::StudyNotFound(format!("no study with id {id}; it may have been deleted"))
}

/// Appends a trial described by `t` to `h`; returns its row. Timestamps the template leaves
/// open are `now`.
pub(crate) fn append_trial(h: &mut TrialHistory, trial_id: TrialId, t: TrialTemplate, now: f64) -> usize {
    let start = match t.state {
        TrialState::Waiting => None,
        _ => Some(t.datetime_start.unwrap_or(now)),
    };
    let complete = if t.state.is_finished() { Some(t.datetime_complete.unwrap_or(now)) } else { None };
    let meta = TrialMeta {
        trial_id,
        datetime_start: start,
        datetime_complete: complete,
        user_attrs: t.user_attrs,
        system_attrs: t.system_attrs,
        fixed_params: t.fixed_params,
        intermediate: Vec::new(),
        param_order: Vec::new(),
    };
    let row = h.push_trial(TrialState::Running, meta);
    for (name, v, d) in &t.params {
        h.set_param(row, name, *v, d);
    }
    for (step, v) in &t.intermediate {
        h.set_intermediate(row, *step, *v);
    }
    h.set_state(row, t.state, t.values.as_deref());
    row
}

fn check_unfinished(h: &TrialHistory, row: usize) -> Result<()> {
    let state = h.states[row];
    if state.is_finished() {
        return Err(Error::UpdateFinishedTrial(format!(
            "trial {row} is already finished ({}); a finished trial cannot be changed",
            state.name()
        )));
    }
    Ok(())
}

fn check_values(h: &TrialHistory, row: usize, values: Option<&[f64]>) -> Result<()> {
    if let Some(v) = values {
        if v.len() != h.directions.len() {
            return Err(Error::InvalidValue(format!(
                "trial {row} got {} values but the study has {} objectives",
                v.len(),
                h.directions.len()
            )));
        }
    }
    Ok(())
}

impl MemState {
    pub fn study(&self, id: StudyId) -> Result<&StudyRecord> {
        self.studies.get(&id).ok_or_else(|| no_study(id))
    }

    fn study_mut(&mut self, id: StudyId) -> Result<&mut StudyRecord> {
        self.studies.get_mut(&id).ok_or_else(|| no_study(id))
    }

    pub fn history(&self, id: StudyId) -> Result<&TrialHistory> {
        Ok(&self.study(id)?.history)
    }

    /// The id the next new trial gets.
    pub fn next_trial_id(&self) -> TrialId {
        self.trials.len() as TrialId
    }

    /// The study and row of every trial id, in id order; a slot whose study is gone (deleted,
    /// or a rejected creation) names no existing study.
    pub fn trial_slots(&self) -> &[(StudyId, u32)] {
        &self.trials
    }

    /// Last heartbeat of each running trial that recorded one, by trial id.
    pub fn heartbeats(&self) -> Vec<(TrialId, f64)> {
        let mut v: Vec<_> = self.heartbeats.iter().map(|(t, h)| (*t, *h)).collect();
        v.sort_unstable_by_key(|e| e.0);
        v
    }

    /// Takes a trial id without a trial (a replayed creation that was rejected).
    pub fn push_dead_trial(&mut self) {
        self.trials.push((DEAD, 0));
    }

    pub fn locate(&self, trial_id: TrialId) -> Result<(StudyId, usize)> {
        let (s, r) = *self.trials.get(trial_id as usize).ok_or_else(|| Error::TrialNotFound(format!("no trial with id {trial_id}")))?;
        if !self.studies.contains_key(&s) {
            return Err(Error::TrialNotFound(format!("trial {trial_id} belonged to a deleted study")));
        }
        Ok((s, r as usize))
    }

    /// The history and row of a trial that may still change.
    fn live_trial(&mut self, trial_id: TrialId) -> Result<(&mut TrialHistory, usize)> {
        let (s, row) = self.locate(trial_id)?;
        let h = &mut self.study_mut(s)?.history;
        check_unfinished(h, row)?;
        Ok((h, row))
    }

    /// Fails as a change to trial `trial_id` would: it is missing or finished, or (with
    /// `state`) not in that state.
    pub fn check_live(&self, trial_id: TrialId, state: Option<TrialState>) -> Result<()> {
        let (s, row) = self.locate(trial_id)?;
        let h = self.history(s)?;
        check_unfinished(h, row)?;
        match state {
            Some(st) if h.states[row] != st => {
                Err(Error::Storage(format!("trial {row} is not {}; only a {} trial records heartbeats", st.name(), st.name())))
            }
            _ => Ok(()),
        }
    }

    /// Fails as finishing trial `trial_id` with `values` would.
    pub fn check_values_of(&self, trial_id: TrialId, values: Option<&[f64]>) -> Result<()> {
        self.check_live(trial_id, None)?;
        let (s, row) = self.locate(trial_id)?;
        check_values(self.history(s)?, row, values)
    }

    /// Fails as appending a trial with `values` to `study` would.
    pub fn check_new_trial(&self, study: StudyId, values: Option<&[f64]>) -> Result<()> {
        let h = self.history(study)?;
        check_values(h, h.n_trials(), values)
    }

    pub fn check_new_study(&self, name: &str) -> Result<()> {
        if self.names.contains_key(name) {
            return Err(Error::DuplicatedStudy(format!(
                "a study named '{name}' already exists; pick another study_name or pass load_if_exists=True"
            )));
        }
        Ok(())
    }

    pub fn create_study(&mut self, id: StudyId, name: &str, directions: &[StudyDirection]) -> Result<()> {
        self.check_new_study(name)?;
        if directions.is_empty() {
            return Err(Error::InvalidValue("a study needs at least one direction".into()));
        }
        self.names.insert(name.to_string(), id);
        let history = TrialHistory::new(directions.to_vec());
        self.studies
            .insert(id, StudyRecord { name: name.to_string(), user_attrs: BTreeMap::new(), system_attrs: BTreeMap::new(), history });
        Ok(())
    }

    pub fn delete_study(&mut self, id: StudyId) -> Result<()> {
        let rec = self.studies.remove(&id).ok_or_else(|| Error::StudyNotFound(format!("no study with id {id}")))?;
        self.names.remove(&rec.name);
        let ids: Vec<TrialId> = rec.history.meta.iter().map(|m| m.trial_id).collect();
        for t in ids {
            self.heartbeats.remove(&t);
        }
        Ok(())
    }

    pub fn study_id(&self, name: &str) -> Result<StudyId> {
        self.names.get(name).copied().ok_or_else(|| {
            Error::StudyNotFound(format!("no study named '{name}' in this storage; check the name with get_all_study_names() or create it"))
        })
    }

    fn info(id: StudyId, s: &StudyRecord) -> StudyInfo {
        StudyInfo { id, name: s.name.clone(), directions: s.history.directions.clone(), n_trials: s.history.n_trials() }
    }

    pub fn study_info(&self, id: StudyId) -> Result<StudyInfo> {
        Ok(Self::info(id, self.study(id)?))
    }

    pub fn studies(&self) -> Vec<StudyInfo> {
        self.studies.iter().map(|(id, s)| Self::info(*id, s)).collect()
    }

    pub fn set_study_attr(&mut self, id: StudyId, kind: AttrKind, key: &str, json: &str) -> Result<()> {
        let s = self.study_mut(id)?;
        let m = match kind {
            AttrKind::User => &mut s.user_attrs,
            AttrKind::System => &mut s.system_attrs,
        };
        m.insert(key.to_string(), json.to_string());
        Ok(())
    }

    pub fn study_attrs(&self, id: StudyId, kind: AttrKind) -> Result<BTreeMap<String, String>> {
        let s = self.study(id)?;
        Ok(match kind {
            AttrKind::User => s.user_attrs.clone(),
            AttrKind::System => s.system_attrs.clone(),
        })
    }

    /// Checks that `claim` can be applied to `study` without applying it.
    pub fn check_claim(&self, study: StudyId, claim: &Claim) -> Result<()> {
        let h = self.history(study)?;
        match claim {
            Claim::Waiting { row, .. } => {
                if h.states.get(*row) != Some(&TrialState::Waiting) {
                    return Err(Error::Storage(format!("trial {row} is not waiting")));
                }
            }
            Claim::New(t) => check_values(h, h.n_trials(), t.values.as_deref())?,
            Claim::Skip => {}
        }
        Ok(())
    }

    /// Applies what `Storage::create_trial`'s callback decided.
    pub fn apply_claim(&mut self, study: StudyId, claim: Claim, now: f64) -> Result<Option<TrialRef>> {
        self.check_claim(study, &claim)?;
        let trial_id = self.next_trial_id();
        let h = &mut self.study_mut(study)?.history;
        match claim {
            Claim::Waiting { row, system_attrs } => {
                h.set_state(row, TrialState::Running, None);
                let m = &mut h.meta[row];
                m.datetime_start = Some(now);
                m.system_attrs.extend(system_attrs);
                Ok(Some(TrialRef { trial_id: m.trial_id, study, number: row }))
            }
            Claim::New(t) => {
                let row = append_trial(h, trial_id, t, now);
                self.trials.push((study, row as u32));
                Ok(Some(TrialRef { trial_id, study, number: row }))
            }
            Claim::Skip => Ok(None),
        }
    }

    pub fn trial_ref(&self, trial_id: TrialId) -> Result<TrialRef> {
        let (study, row) = self.locate(trial_id)?;
        Ok(TrialRef { trial_id, study, number: row })
    }

    pub fn set_trial_param(&mut self, trial_id: TrialId, name: &str, value: f64, dist: &Distribution) -> Result<()> {
        let (h, row) = self.live_trial(trial_id)?;
        h.set_param(row, name, value, dist);
        Ok(())
    }

    pub fn set_trial_state_values(&mut self, trial_id: TrialId, state: TrialState, values: Option<&[f64]>, now: f64) -> Result<()> {
        let (h, row) = self.live_trial(trial_id)?;
        check_values(h, row, values)?;
        if state.is_finished() {
            h.meta[row].datetime_complete = Some(now);
        }
        if state == TrialState::Running && h.meta[row].datetime_start.is_none() {
            h.meta[row].datetime_start = Some(now);
        }
        h.set_state(row, state, values);
        if state.is_finished() {
            self.heartbeats.remove(&trial_id);
        }
        Ok(())
    }

    /// Records that the process running `trial_id` was alive at `time`.
    pub fn record_heartbeat(&mut self, trial_id: TrialId, time: f64) -> Result<()> {
        let (h, row) = self.live_trial(trial_id)?;
        if h.states[row] != TrialState::Running {
            return Err(Error::Storage(format!("trial {row} is not running; only a running trial records heartbeats")));
        }
        self.heartbeats.insert(trial_id, time);
        Ok(())
    }

    pub fn last_heartbeat(&self, trial_id: TrialId) -> Result<Option<f64>> {
        self.locate(trial_id)?;
        Ok(self.heartbeats.get(&trial_id).copied())
    }

    /// Running trials of `study` whose last heartbeat is older than `now - grace`; trials that
    /// never recorded one are not judged (they may run without heartbeats).
    pub fn stale_trials(&self, study: StudyId, now: f64, grace: f64) -> Result<Vec<TrialId>> {
        let h = self.history(study)?;
        let mut out: Vec<TrialId> = h
            .rows_in(TrialState::Running)
            .map(|row| h.meta[row].trial_id)
            .filter(|id| self.heartbeats.get(id).is_some_and(|t| now - t > grace))
            .collect();
        out.sort_unstable();
        Ok(out)
    }

    pub fn set_trial_intermediate_value(&mut self, trial_id: TrialId, step: i64, value: f64) -> Result<bool> {
        let (h, row) = self.live_trial(trial_id)?;
        Ok(h.set_intermediate(row, step, value))
    }

    pub fn set_trial_attr(&mut self, trial_id: TrialId, kind: AttrKind, key: &str, json: &str) -> Result<()> {
        let (h, row) = self.live_trial(trial_id)?;
        let m = &mut h.meta[row];
        let map = match kind {
            AttrKind::User => &mut m.user_attrs,
            AttrKind::System => &mut m.system_attrs,
        };
        map.insert(key.to_string(), json.to_string());
        Ok(())
    }
}

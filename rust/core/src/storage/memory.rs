//! In-memory storage: the default when no storage is given. One `RwLock` guards all studies;
//! samplers read under the read lock, so concurrent suggestions do not serialize.

use std::collections::{BTreeMap, HashMap};
use std::sync::RwLock;

use super::{new_study_id, now, AttrKind, Claim, Storage, StudyId, StudyInfo, TrialId, TrialRef};
use crate::error::{Error, Result};
use crate::history::{StudyDirection, TrialHistory, TrialMeta, TrialState};
use crate::space::Distribution;

struct StudyRecord {
    name: String,
    user_attrs: BTreeMap<String, String>,
    system_attrs: BTreeMap<String, String>,
    history: TrialHistory,
}

#[derive(Default)]
struct Inner {
    studies: BTreeMap<StudyId, StudyRecord>,
    names: HashMap<String, StudyId>,
    /// trial id -> (study, row)
    trials: Vec<(StudyId, u32)>,
}

impl Inner {
    fn study(&self, id: StudyId) -> Result<&StudyRecord> {
        self.studies.get(&id).ok_or_else(|| Error::StudyNotFound(format!("no study with id {id}; it may have been deleted")))
    }

    fn locate(&self, trial_id: TrialId) -> Result<(StudyId, usize)> {
        let (s, r) = *self.trials.get(trial_id as usize).ok_or_else(|| Error::TrialNotFound(format!("no trial with id {trial_id}")))?;
        if !self.studies.contains_key(&s) {
            return Err(Error::TrialNotFound(format!("trial {trial_id} belonged to a deleted study")));
        }
        Ok((s, r as usize))
    }

    /// The history and row of a trial that may still change.
    fn live_trial(&mut self, trial_id: TrialId) -> Result<(&mut TrialHistory, usize)> {
        let (s, row) = self.locate(trial_id)?;
        let h = &mut self.studies.get_mut(&s).expect("located study exists").history;
        let state = h.states[row];
        if state.is_finished() {
            return Err(Error::UpdateFinishedTrial(format!(
                "trial {row} is already finished ({}); a finished trial cannot be changed",
                state.name()
            )));
        }
        Ok((h, row))
    }
}

#[derive(Default)]
pub struct InMemoryStorage {
    inner: RwLock<Inner>,
}

impl InMemoryStorage {
    pub fn new() -> Self {
        Self::default()
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        // A panic while holding the lock cannot leave a half-written trial behind (every
        // mutation below is a single step), so a poisoned lock is safe to keep using.
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }

    fn read_lock(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }
}

/// Appends a trial described by `t` to `h`; returns its row.
pub(crate) fn append_trial(h: &mut TrialHistory, trial_id: TrialId, t: super::TrialTemplate) -> usize {
    let start = match t.state {
        TrialState::Waiting => None,
        _ => Some(t.datetime_start.unwrap_or_else(now)),
    };
    let complete = if t.state.is_finished() { Some(t.datetime_complete.unwrap_or_else(now)) } else { None };
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

impl Storage for InMemoryStorage {
    fn create_study(&self, name: &str, directions: &[StudyDirection]) -> Result<StudyId> {
        let mut g = self.write();
        if g.names.contains_key(name) {
            return Err(Error::DuplicatedStudy(format!(
                "a study named '{name}' already exists; pick another study_name or pass load_if_exists=True"
            )));
        }
        let id = new_study_id();
        g.names.insert(name.to_string(), id);
        g.studies.insert(
            id,
            StudyRecord {
                name: name.to_string(),
                user_attrs: BTreeMap::new(),
                system_attrs: BTreeMap::new(),
                history: TrialHistory::new(directions.to_vec()),
            },
        );
        Ok(id)
    }

    fn delete_study(&self, study: StudyId) -> Result<()> {
        let mut g = self.write();
        let rec = g.studies.remove(&study).ok_or_else(|| Error::StudyNotFound(format!("no study with id {study}")))?;
        g.names.remove(&rec.name);
        Ok(())
    }

    fn study_id(&self, name: &str) -> Result<StudyId> {
        self.read_lock().names.get(name).copied().ok_or_else(|| {
            Error::StudyNotFound(format!("no study named '{name}' in this storage; check the name with get_all_study_names() or create it"))
        })
    }

    fn study_info(&self, study: StudyId) -> Result<StudyInfo> {
        let g = self.read_lock();
        let s = g.study(study)?;
        Ok(StudyInfo { id: study, name: s.name.clone(), directions: s.history.directions.clone(), n_trials: s.history.n_trials() })
    }

    fn studies(&self) -> Vec<StudyInfo> {
        let g = self.read_lock();
        g.studies
            .iter()
            .map(|(id, s)| StudyInfo {
                id: *id,
                name: s.name.clone(),
                directions: s.history.directions.clone(),
                n_trials: s.history.n_trials(),
            })
            .collect()
    }

    fn set_study_attr(&self, study: StudyId, kind: AttrKind, key: &str, json: &str) -> Result<()> {
        let mut g = self.write();
        let s = g.studies.get_mut(&study).ok_or_else(|| Error::StudyNotFound(format!("no study with id {study}")))?;
        let m = match kind {
            AttrKind::User => &mut s.user_attrs,
            AttrKind::System => &mut s.system_attrs,
        };
        m.insert(key.to_string(), json.to_string());
        Ok(())
    }

    fn study_attrs(&self, study: StudyId, kind: AttrKind) -> Result<BTreeMap<String, String>> {
        let g = self.read_lock();
        let s = g.study(study)?;
        Ok(match kind {
            AttrKind::User => s.user_attrs.clone(),
            AttrKind::System => s.system_attrs.clone(),
        })
    }

    fn create_trial(&self, study: StudyId, decide: &mut dyn FnMut(&TrialHistory) -> Result<Claim>) -> Result<Option<TrialRef>> {
        let mut g = self.write();
        let trial_id = g.trials.len() as TrialId;
        let rec = g.studies.get_mut(&study).ok_or_else(|| Error::StudyNotFound(format!("no study with id {study}")))?;
        let claim = decide(&rec.history)?;
        let h = &mut rec.history;
        match claim {
            Claim::Waiting { row, system_attrs } => {
                if h.states.get(row) != Some(&TrialState::Waiting) {
                    return Err(Error::Storage(format!("trial {row} is not waiting")));
                }
                h.set_state(row, TrialState::Running, None);
                let m = &mut h.meta[row];
                m.datetime_start = Some(now());
                m.system_attrs.extend(system_attrs);
                Ok(Some(TrialRef { trial_id: m.trial_id, study, number: row }))
            }
            Claim::New(t) => {
                let row = append_trial(h, trial_id, t);
                g.trials.push((study, row as u32));
                Ok(Some(TrialRef { trial_id, study, number: row }))
            }
            Claim::Skip => Ok(None),
        }
    }

    fn trial_ref(&self, trial_id: TrialId) -> Result<TrialRef> {
        let (study, row) = self.read_lock().locate(trial_id)?;
        Ok(TrialRef { trial_id, study, number: row })
    }

    fn set_trial_param(&self, trial_id: TrialId, name: &str, value: f64, dist: &Distribution) -> Result<()> {
        let mut g = self.write();
        let (h, row) = g.live_trial(trial_id)?;
        h.set_param(row, name, value, dist);
        Ok(())
    }

    fn set_trial_state_values(&self, trial_id: TrialId, state: TrialState, values: Option<&[f64]>) -> Result<()> {
        let mut g = self.write();
        let (h, row) = g.live_trial(trial_id)?;
        if let Some(v) = values {
            if v.len() != h.directions.len() {
                return Err(Error::InvalidValue(format!(
                    "trial {row} got {} values but the study has {} objectives",
                    v.len(),
                    h.directions.len()
                )));
            }
        }
        if state.is_finished() {
            h.meta[row].datetime_complete = Some(now());
        }
        if state == TrialState::Running && h.meta[row].datetime_start.is_none() {
            h.meta[row].datetime_start = Some(now());
        }
        h.set_state(row, state, values);
        Ok(())
    }

    fn set_trial_intermediate_value(&self, trial_id: TrialId, step: i64, value: f64) -> Result<bool> {
        let mut g = self.write();
        let (h, row) = g.live_trial(trial_id)?;
        Ok(h.set_intermediate(row, step, value))
    }

    fn set_trial_attr(&self, trial_id: TrialId, kind: AttrKind, key: &str, json: &str) -> Result<()> {
        let mut g = self.write();
        let (h, row) = g.live_trial(trial_id)?;
        let m = &mut h.meta[row];
        let map = match kind {
            AttrKind::User => &mut m.user_attrs,
            AttrKind::System => &mut m.system_attrs,
        };
        map.insert(key.to_string(), json.to_string());
        Ok(())
    }

    fn read(&self, study: StudyId, f: &mut dyn FnMut(&TrialHistory)) -> Result<()> {
        let g = self.read_lock();
        f(&g.study(study)?.history);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{read_with, TrialTemplate};

    #[test]
    fn lifecycle_and_errors() {
        let s = InMemoryStorage::new();
        let id = s.create_study("a", &[StudyDirection::Minimize]).unwrap();
        assert!(matches!(s.create_study("a", &[StudyDirection::Minimize]), Err(Error::DuplicatedStudy(_))));
        let t = s.create_trial(id, &mut |_| Ok(Claim::New(TrialTemplate::default()))).unwrap().unwrap();
        assert_eq!(s.create_trial(id, &mut |_| Ok(Claim::Skip)).unwrap(), None);
        assert_eq!(t.number, 0);
        s.set_trial_state_values(t.trial_id, TrialState::Complete, Some(&[1.0])).unwrap();
        assert!(matches!(s.set_trial_state_values(t.trial_id, TrialState::Complete, Some(&[1.0])), Err(Error::UpdateFinishedTrial(_))));
        let best = read_with(&s, id, |h| h.best_row()).unwrap();
        assert_eq!(best, Some(0));
        s.delete_study(id).unwrap();
        assert!(matches!(s.study_id("a"), Err(Error::StudyNotFound(_))));
        assert!(matches!(s.trial_ref(t.trial_id), Err(Error::TrialNotFound(_))));
    }

    #[test]
    fn waiting_trials_are_claimed() {
        let s = InMemoryStorage::new();
        let id = s.create_study("w", &[StudyDirection::Minimize]).unwrap();
        let w = s
            .create_trial(id, &mut |_| Ok(Claim::New(TrialTemplate { state: TrialState::Waiting, ..Default::default() })))
            .unwrap()
            .unwrap();
        let c = s
            .create_trial(id, &mut |h| {
                let row = h.rows_in(TrialState::Waiting).next().unwrap();
                Ok(Claim::Waiting { row, system_attrs: Default::default() })
            })
            .unwrap()
            .unwrap();
        assert_eq!(w.trial_id, c.trial_id);
        assert_eq!(read_with(&s, id, |h| h.states[0]).unwrap(), TrialState::Running);
    }
}

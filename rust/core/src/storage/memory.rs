//! In-memory storage: the default when no storage is given. One `RwLock` guards all studies;
//! samplers read under the read lock, so concurrent suggestions do not serialize.

use std::collections::BTreeMap;
use std::sync::RwLock;

use super::mem_state::MemState;
use super::{check_grace, new_study_id, now, AttrKind, Claim, Storage, StudyId, StudyInfo, TrialId, TrialRef};
use crate::error::Result;
use crate::history::{StudyDirection, TrialHistory, TrialState};
use crate::space::Distribution;

#[derive(Default)]
pub struct InMemoryStorage {
    inner: RwLock<MemState>,
}

impl InMemoryStorage {
    pub fn new() -> Self {
        Self::default()
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, MemState> {
        // A panic while holding the lock cannot leave a half-written trial behind (every
        // mutation is a single step), so a poisoned lock is safe to keep using.
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }

    fn read_lock(&self) -> std::sync::RwLockReadGuard<'_, MemState> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }
}

impl Storage for InMemoryStorage {
    fn create_study(&self, name: &str, directions: &[StudyDirection]) -> Result<StudyId> {
        let mut g = self.write();
        g.check_new_study(name)?;
        let id = new_study_id();
        g.create_study(id, name, directions)?;
        Ok(id)
    }

    fn delete_study(&self, study: StudyId) -> Result<()> {
        self.write().delete_study(study)
    }

    fn study_id(&self, name: &str) -> Result<StudyId> {
        self.read_lock().study_id(name)
    }

    fn study_info(&self, study: StudyId) -> Result<StudyInfo> {
        self.read_lock().study_info(study)
    }

    fn studies(&self) -> Vec<StudyInfo> {
        self.read_lock().studies()
    }

    fn set_study_attr(&self, study: StudyId, kind: AttrKind, key: &str, json: &str) -> Result<()> {
        self.write().set_study_attr(study, kind, key, json)
    }

    fn study_attrs(&self, study: StudyId, kind: AttrKind) -> Result<BTreeMap<String, String>> {
        self.read_lock().study_attrs(study, kind)
    }

    fn create_trial(&self, study: StudyId, decide: &mut dyn FnMut(&TrialHistory) -> Result<Claim>) -> Result<Option<TrialRef>> {
        let mut g = self.write();
        let claim = decide(g.history(study)?)?;
        g.apply_claim(study, claim, now())
    }

    fn trial_ref(&self, trial_id: TrialId) -> Result<TrialRef> {
        self.read_lock().trial_ref(trial_id)
    }

    fn set_trial_param(&self, trial_id: TrialId, name: &str, value: f64, dist: &Distribution) -> Result<()> {
        self.write().set_trial_param(trial_id, name, value, dist)
    }

    fn set_trial_state_values(&self, trial_id: TrialId, state: TrialState, values: Option<&[f64]>) -> Result<()> {
        self.write().set_trial_state_values(trial_id, state, values, now())
    }

    fn set_trial_intermediate_value(&self, trial_id: TrialId, step: i64, value: f64) -> Result<bool> {
        self.write().set_trial_intermediate_value(trial_id, step, value)
    }

    fn set_trial_attr(&self, trial_id: TrialId, kind: AttrKind, key: &str, json: &str) -> Result<()> {
        self.write().set_trial_attr(trial_id, kind, key, json)
    }

    fn record_heartbeat(&self, trial_id: TrialId) -> Result<()> {
        self.write().record_heartbeat(trial_id, now())
    }

    fn last_heartbeat(&self, trial_id: TrialId) -> Result<Option<f64>> {
        self.read_lock().last_heartbeat(trial_id)
    }

    fn stale_trials(&self, study: StudyId, grace: f64) -> Result<Vec<TrialId>> {
        check_grace(grace)?;
        self.read_lock().stale_trials(study, now(), grace)
    }

    fn fail_stale_trials(&self, study: StudyId, grace: f64) -> Result<Vec<TrialId>> {
        check_grace(grace)?;
        let mut g = self.write();
        let t = now();
        let stale = g.stale_trials(study, t, grace)?;
        for id in &stale {
            g.set_trial_state_values(*id, TrialState::Fail, None, t)?;
        }
        Ok(stale)
    }

    fn read(&self, study: StudyId, f: &mut dyn FnMut(&TrialHistory)) -> Result<()> {
        let g = self.read_lock();
        f(g.history(study)?);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
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
    fn stale_trials_fail() {
        let s = InMemoryStorage::new();
        let id = s.create_study("h", &[StudyDirection::Minimize]).unwrap();
        let t = s.create_trial(id, &mut |_| Ok(Claim::New(TrialTemplate::default()))).unwrap().unwrap();
        s.record_heartbeat(t.trial_id).unwrap();
        assert!(s.fail_stale_trials(id, 60.0).unwrap().is_empty());
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert_eq!(s.fail_stale_trials(id, 0.001).unwrap(), vec![t.trial_id]);
        assert!(s.fail_stale_trials(id, 0.0).unwrap().is_empty());
        assert_eq!(read_with(&s, id, |h| h.states[0]).unwrap(), TrialState::Fail);
        assert!(s.record_heartbeat(t.trial_id).is_err());
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

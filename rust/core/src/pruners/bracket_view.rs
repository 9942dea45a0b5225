//! The history a model-based sampler sees under Hyperband: the trials of one bracket.
//!
//! It keeps the study's row numbers (a trial's number is the same in both), so samplers that
//! key their draws by trial number behave as usual; trials of other brackets appear as FAIL
//! rows without parameters, values or attributes, which every sampler ignores. It has its own
//! study id, so a sampler keeps separate state per bracket. Finished rows are copied once;
//! running ones are refreshed on each sync (new parameters, reports, state).

use crate::history::{RowScan, TrialHistory, TrialMeta, TrialState, Visit};
use crate::storage::{new_study_id, StudyId};

pub(crate) struct BracketHistory {
    pub id: StudyId,
    pub history: TrialHistory,
    scan: RowScan,
}

impl BracketHistory {
    pub fn new(main: &TrialHistory) -> Self {
        BracketHistory { id: new_study_id(), history: TrialHistory::new(main.directions.clone()), scan: RowScan::default() }
    }

    /// Brings the view up to date with `main`, keeping the rows for which `member` is true.
    pub fn sync(&mut self, main: &TrialHistory, member: impl Fn(usize) -> bool) {
        if self.scan.is_stale(main.n_trials()) || self.history.directions != main.directions {
            // Not the history this view was built from: start over, under a new id so the
            // sampler does not mix its state for the old one with the new one.
            *self = BracketHistory::new(main);
        }
        let h = &mut self.history;
        self.scan.scan(main.n_trials(), |r| {
            let m = &main.meta[r];
            if r == h.n_trials() {
                if !member(r) {
                    h.push_trial(TrialState::Fail, TrialMeta { trial_id: m.trial_id, ..Default::default() });
                    return Visit::Done;
                }
                let start = if main.states[r] == TrialState::Waiting { TrialState::Waiting } else { TrialState::Running };
                h.push_trial(
                    start,
                    TrialMeta {
                        trial_id: m.trial_id,
                        datetime_start: m.datetime_start,
                        user_attrs: m.user_attrs.clone(),
                        system_attrs: m.system_attrs.clone(),
                        fixed_params: m.fixed_params.clone(),
                        ..Default::default()
                    },
                );
            }
            for ci in &m.param_order {
                let c = &main.columns[*ci as usize];
                if let Some(v) = c.get(r) {
                    if h.param(r, &c.name).is_none() {
                        h.set_param(r, &c.name, v, c.distribution(r));
                    }
                }
            }
            if h.meta[r].intermediate.len() != m.intermediate.len() {
                for &(s, v) in &m.intermediate {
                    h.set_intermediate(r, s, v);
                }
            }
            let state = main.states[r];
            if state.is_finished() || h.meta[r].system_attrs.len() != m.system_attrs.len() {
                h.meta[r].system_attrs.clone_from(&m.system_attrs);
                h.meta[r].user_attrs.clone_from(&m.user_attrs);
            }
            h.meta[r].datetime_start = m.datetime_start;
            if state.is_finished() {
                h.meta[r].datetime_complete = m.datetime_complete;
                h.set_state(r, state, main.values_of(r).as_deref());
                Visit::Done
            } else {
                if h.states[r] != state {
                    h.set_state(r, state, None);
                }
                Visit::Later
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::StudyDirection;
    use crate::space::Distribution;

    #[test]
    fn keeps_members_hides_others_and_follows_running_trials() {
        let d = Distribution::Float { low: 0.0, high: 1.0, log: false, step: None };
        let mut main = TrialHistory::new(vec![StudyDirection::Minimize]);
        for i in 0..4 {
            let r = main.push_trial(TrialState::Running, TrialMeta { trial_id: 10 + i, ..Default::default() });
            main.set_param(r, "x", 0.1 * i as f64, &d);
            if i < 3 {
                main.set_intermediate(r, 0, i as f64);
                main.set_state(r, TrialState::Complete, Some(&[i as f64]));
            }
        }
        let even = |r: usize| r.is_multiple_of(2);
        let mut v = BracketHistory::new(&main);
        v.sync(&main, even);
        let h = &v.history;
        assert_eq!(h.n_trials(), 4);
        assert_eq!(h.states, vec![TrialState::Complete, TrialState::Fail, TrialState::Complete, TrialState::Fail]);
        assert_eq!(h.param(2, "x").unwrap().0, 0.2);
        assert!(h.param(1, "x").is_none() && h.values_of(1).is_none());
        assert_eq!(h.best_row(), Some(0));
        assert_eq!(h.meta[3].trial_id, 13);
        assert_eq!(h.steps[&0].entries, vec![(0, 0.0), (2, 2.0)]);

        // a running member trial gets new parameters, reports and its final state
        let r = main.push_trial(TrialState::Running, TrialMeta::default());
        v.sync(&main, even);
        assert_eq!(v.history.states[r], TrialState::Running);
        main.set_param(r, "y", 0.5, &d);
        main.set_intermediate(r, 3, 0.25);
        main.set_state(r, TrialState::Pruned, Some(&[0.25]));
        v.sync(&main, even);
        let h = &v.history;
        assert_eq!(h.param(r, "y").unwrap().0, 0.5);
        assert_eq!(h.meta[r].intermediate, vec![(3, 0.25)]);
        assert_eq!(h.states[r], TrialState::Pruned);
        assert_eq!(h.values_of(r), Some(vec![0.25]));
    }

    #[test]
    fn a_shorter_history_starts_over_with_a_new_id() {
        let mut main = TrialHistory::new(vec![StudyDirection::Minimize]);
        main.push_trial(TrialState::Running, TrialMeta::default());
        main.push_trial(TrialState::Running, TrialMeta::default());
        let mut v = BracketHistory::new(&main);
        v.sync(&main, |_| true);
        let id = v.id;
        let other = TrialHistory::new(vec![StudyDirection::Minimize]);
        v.sync(&other, |_| true);
        assert_ne!(v.id, id);
        assert_eq!(v.history.n_trials(), 0);
    }
}

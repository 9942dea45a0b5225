//! `TrialHistory`: all trials of one study, stored by column.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::columns::{ParamColumn, StepColumn};
use super::trial_state::{StudyDirection, TrialState};
use crate::space::{Choice, Distribution};

/// Per-trial data that samplers do not scan: identity, timestamps, attributes.
/// Attribute values are JSON text, so every backend can store them as they are.
#[derive(Debug, Clone, Default)]
pub struct TrialMeta {
    pub trial_id: u64,
    pub datetime_start: Option<f64>,
    pub datetime_complete: Option<f64>,
    pub user_attrs: BTreeMap<String, String>,
    pub system_attrs: BTreeMap<String, String>,
    /// Parameters fixed in advance (`enqueue_trial`), as user values.
    pub fixed_params: Vec<(String, Choice)>,
    /// Intermediate values reported by this trial, sorted by step.
    pub intermediate: Vec<(i64, f64)>,
    /// Columns this trial set, in suggestion order (so `params` keeps the user's order).
    pub param_order: Vec<u32>,
}

#[derive(Debug, Clone, Default)]
pub struct TrialHistory {
    pub directions: Vec<StudyDirection>,
    pub states: Vec<TrialState>,
    /// `values[k][row]`: objective `k` of trial `row`, NaN when the trial has no values.
    pub values: Vec<Vec<f64>>,
    pub columns: Vec<ParamColumn>,
    column_index: HashMap<String, usize>,
    /// Intermediate values by step, for pruners.
    pub steps: BTreeMap<i64, StepColumn>,
    pub meta: Vec<TrialMeta>,
    /// Row of the best complete trial (single-objective studies), kept up to date on each tell.
    best: Option<usize>,
    n_complete: usize,
    /// Rows in WAITING state, so `ask` finds the oldest enqueued trial without a scan.
    waiting: BTreeSet<usize>,
}

impl TrialHistory {
    pub fn new(directions: Vec<StudyDirection>) -> Self {
        let values = vec![Vec::new(); directions.len()];
        TrialHistory { directions, values, ..Default::default() }
    }

    pub fn n_trials(&self) -> usize {
        self.states.len()
    }

    pub fn n_complete(&self) -> usize {
        self.n_complete
    }

    /// Appends a trial in `state`; returns its row, which is also its number in the study.
    pub fn push_trial(&mut self, state: TrialState, meta: TrialMeta) -> usize {
        let row = self.states.len();
        self.states.push(state);
        if state == TrialState::Waiting {
            self.waiting.insert(row);
        }
        for v in &mut self.values {
            v.push(f64::NAN);
        }
        self.meta.push(meta);
        row
    }

    pub fn column(&self, name: &str) -> Option<&ParamColumn> {
        self.column_index.get(name).map(|i| &self.columns[*i])
    }

    /// The internal value and distribution of parameter `name` in trial `row`, if set.
    pub fn param(&self, row: usize, name: &str) -> Option<(f64, &Distribution)> {
        let c = self.column(name)?;
        c.get(row).map(|v| (v, c.distribution(row)))
    }

    pub fn set_param(&mut self, row: usize, name: &str, value: f64, dist: &Distribution) {
        let ci = match self.column_index.get(name) {
            Some(i) => *i,
            None => {
                self.columns.push(ParamColumn::new(name));
                self.column_index.insert(name.to_string(), self.columns.len() - 1);
                self.columns.len() - 1
            }
        };
        let fresh = self.columns[ci].get(row).is_none();
        self.columns[ci].set(row, value, dist);
        if fresh {
            self.meta[row].param_order.push(ci as u32);
        }
    }

    /// Adds an empty column for `name` unless it exists. A rebuilt history declares its
    /// columns first, so they keep the order in which the live one created them.
    pub fn declare_column(&mut self, name: &str) {
        if !self.column_index.contains_key(name) {
            self.columns.push(ParamColumn::new(name));
            self.column_index.insert(name.to_string(), self.columns.len() - 1);
        }
    }

    /// Sets the best row of a rebuilt history: among equal values the live one keeps the trial
    /// that completed first, which row order alone cannot tell. Ignored unless `row` is a
    /// complete trial of a single-objective study.
    pub fn restore_best_row(&mut self, row: usize) {
        if self.directions.len() == 1 && self.states.get(row) == Some(&TrialState::Complete) {
            self.best = Some(row);
        }
    }

    /// The parameters of a trial in suggestion order: (name, internal value, distribution).
    pub fn params_of(&self, row: usize) -> Vec<(&str, f64, &Distribution)> {
        self.meta[row]
            .param_order
            .iter()
            .filter_map(|ci| {
                let c = &self.columns[*ci as usize];
                c.get(row).map(|v| (c.name.as_str(), v, c.distribution(row)))
            })
            .collect()
    }

    pub fn values_of(&self, row: usize) -> Option<Vec<f64>> {
        if self.has_values(row) {
            Some(self.values.iter().map(|v| v[row]).collect())
        } else {
            None
        }
    }

    /// Complete trials always have values; so do pruned trials told with a value.
    fn has_values(&self, row: usize) -> bool {
        self.values.iter().any(|v| !v[row].is_nan())
    }

    /// Moves a trial to `state`, with its objective values if it has any.
    pub fn set_state(&mut self, row: usize, state: TrialState, values: Option<&[f64]>) {
        let was_complete = self.states[row] == TrialState::Complete;
        if self.states[row] == TrialState::Waiting {
            self.waiting.remove(&row);
        }
        if state == TrialState::Waiting {
            self.waiting.insert(row);
        }
        self.states[row] = state;
        if let Some(vals) = values {
            for (k, v) in vals.iter().enumerate() {
                self.values[k][row] = *v;
            }
        }
        if state == TrialState::Complete && !was_complete {
            self.n_complete += 1;
            // As in Optuna, the best trial is a feasible one (constraints are stored before
            // the trial is told, so they are known here).
            if self.directions.len() == 1 && super::constraints::feasible(&self.meta[row].system_attrs) {
                let v = self.values[0][row];
                let better = match self.best {
                    None => true,
                    Some(b) => self.directions[0].better(v, self.values[0][b]),
                };
                if better {
                    self.best = Some(row);
                }
            }
        }
    }

    /// Records an intermediate value; a second report for the same step replaces nothing
    /// (the first one wins, as in Optuna) and returns false.
    pub fn set_intermediate(&mut self, row: usize, step: i64, value: f64) -> bool {
        let iv = &mut self.meta[row].intermediate;
        match iv.binary_search_by_key(&step, |e| e.0) {
            Ok(_) => false,
            Err(i) => {
                iv.insert(i, (step, value));
                self.steps.entry(step).or_default().set(row as u32, value);
                true
            }
        }
    }

    /// The oldest WAITING (enqueued) trial.
    pub fn first_waiting(&self) -> Option<usize> {
        self.waiting.first().copied()
    }

    /// Row of the best complete trial of a single-objective study.
    pub fn best_row(&self) -> Option<usize> {
        self.best
    }

    /// Rows in `state`.
    pub fn rows_in(&self, state: TrialState) -> impl Iterator<Item = usize> + '_ {
        self.states.iter().enumerate().filter(move |(_, s)| **s == state).map(|(i, _)| i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn best_row_tracks_direction() {
        let mut h = TrialHistory::new(vec![StudyDirection::Maximize]);
        for (i, v) in [1.0, 5.0, 3.0].iter().enumerate() {
            let r = h.push_trial(TrialState::Running, TrialMeta::default());
            assert_eq!(r, i);
            h.set_state(r, TrialState::Complete, Some(&[*v]));
        }
        assert_eq!(h.best_row(), Some(1));
        assert_eq!(h.n_complete(), 3);
    }

    #[test]
    fn columns_grow_lazily_and_keep_order() {
        let mut h = TrialHistory::new(vec![StudyDirection::Minimize]);
        let d = Distribution::Float { low: 0.0, high: 1.0, log: false, step: None };
        for _ in 0..5 {
            h.push_trial(TrialState::Running, TrialMeta::default());
        }
        h.set_param(3, "b", 0.5, &d);
        h.set_param(3, "a", 0.25, &d);
        assert_eq!(h.column("b").unwrap().get(0), None);
        assert_eq!(h.column("b").unwrap().get(4), None);
        let names: Vec<_> = h.params_of(3).iter().map(|p| p.0).collect();
        assert_eq!(names, ["b", "a"]);
        assert_eq!(h.param(3, "a").unwrap().0, 0.25);
    }

    #[test]
    fn first_report_wins() {
        let mut h = TrialHistory::new(vec![StudyDirection::Minimize]);
        h.push_trial(TrialState::Running, TrialMeta::default());
        assert!(h.set_intermediate(0, 2, 1.0));
        assert!(!h.set_intermediate(0, 2, 9.0));
        assert!(h.set_intermediate(0, 1, 3.0));
        assert_eq!(h.meta[0].intermediate, vec![(1, 3.0), (2, 1.0)]);
        assert_eq!(h.steps[&2].entries, vec![(0, 1.0)]);
    }
}

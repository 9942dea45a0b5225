//! The search spaces TPE models jointly, maintained incrementally from the history.
//!
//! The intersection space holds the parameters every finished (complete or pruned) trial has,
//! with one distribution; the group decomposition splits parameters into groups that always
//! appear together. Each finished row is folded in once; rows still running or waiting are
//! re-checked until they finish.

use std::collections::HashMap;

use super::columns::Bits;
use crate::history::constraints;
use crate::history::StudyDirection;
use crate::history::{RowScan, TrialHistory, TrialState, Visit};
use crate::space::Distribution;

#[derive(Default)]
pub struct SpaceCache {
    /// Running and waiting rows are rescanned until they finish.
    scan: RowScan,
    /// Number of complete or pruned trials folded in.
    pub n_finished: usize,
    /// `None` before the first finished trial.
    inter: Option<Vec<(String, Distribution)>>,
    groups: Vec<Vec<String>>,
    latest: HashMap<String, Distribution>,
    /// Total constraint violation of each finished row (0 when feasible or unconstrained).
    pub violations: Vec<f64>,
    /// Complete and pruned rows.
    pub finished: Bits,
    /// Single-objective studies: feasible complete rows sorted by (loss, row), best first.
    pub ranked: Vec<(f64, u32)>,
}

impl SpaceCache {
    pub fn new() -> Self {
        SpaceCache::default()
    }

    /// Rows seen running or waiting at the last update (the only rows that can be running).
    pub fn unsettled(&self) -> &[usize] {
        self.scan.pending()
    }

    pub fn update(&mut self, h: &TrialHistory) {
        if self.scan.is_stale(h.n_trials()) {
            *self = SpaceCache::new();
        }
        let mut scan = std::mem::take(&mut self.scan);
        scan.scan(h.n_trials(), |r| match h.states[r] {
            TrialState::Complete | TrialState::Pruned => {
                self.add(h, r);
                Visit::Done
            }
            TrialState::Running | TrialState::Waiting => Visit::Later,
            TrialState::Fail => Visit::Done,
        });
        self.scan = scan;
    }

    fn add(&mut self, h: &TrialHistory, r: usize) {
        self.n_finished += 1;
        self.finished.insert(r);
        // Either format (`constraints_func`'s list, `Trial.set_constraint`'s values); an
        // unknown value counts as a violation, and a trial without any values is feasible, as
        // in Optuna 5 (also under a `constraints_func`: a trial added or told before it).
        let violation = constraints::violation(&h.meta[r].system_attrs).unwrap_or(0.0);
        if violation != 0.0 {
            if self.violations.len() <= r {
                self.violations.resize(r + 1, 0.0);
            }
            self.violations[r] = violation;
        } else if h.directions.len() == 1 && h.states[r] == TrialState::Complete {
            let v = h.values[0][r];
            let loss = if h.directions[0] == StudyDirection::Maximize { -v } else { v };
            let at = self.ranked.partition_point(|&(l, q)| l.total_cmp(&loss).then(q.cmp(&(r as u32))).is_lt());
            self.ranked.insert(at, (loss, r as u32));
        }
        let mut params: Vec<(String, Distribution)> = h.params_of(r).into_iter().map(|(n, _, d)| (n.to_string(), d.clone())).collect();
        params.sort_by(|a, b| a.0.cmp(&b.0));
        self.inter = Some(match self.inter.take() {
            None => params.clone(),
            Some(cur) => cur.into_iter().filter(|(n, d)| params.iter().any(|(pn, pd)| pn == n && pd == d)).collect(),
        });
        // Group decomposition: split every group by membership in this trial, then the
        // trial's remaining parameters form a new group.
        let names: Vec<&String> = params.iter().map(|(n, _)| n).collect();
        let mut next = Vec::with_capacity(self.groups.len() + 1);
        for g in self.groups.drain(..) {
            let (inside, outside): (Vec<String>, Vec<String>) = g.into_iter().partition(|n| names.contains(&n));
            next.extend([inside, outside].into_iter().filter(|v| !v.is_empty()));
        }
        let rest: Vec<String> = names.iter().filter(|n| !next.iter().any(|g: &Vec<String>| g.contains(n))).map(|n| n.to_string()).collect();
        if !rest.is_empty() {
            next.push(rest);
        }
        self.groups = next;
        for (n, d) in params {
            self.latest.insert(n, d);
        }
    }

    /// The intersection space, without single-value parameters, sorted by name.
    pub fn intersection(&self) -> Vec<(String, Distribution)> {
        self.inter.as_ref().map(|v| v.iter().filter(|(_, d)| !d.single()).cloned().collect()).unwrap_or_default()
    }

    /// One space per group, without single-value parameters, each sorted by name.
    pub fn groups(&self) -> Vec<Vec<(String, Distribution)>> {
        self.groups
            .iter()
            .map(|g| {
                let mut v: Vec<(String, Distribution)> =
                    g.iter().filter_map(|n| self.latest.get(n).filter(|d| !d.single()).map(|d| (n.clone(), d.clone()))).collect();
                v.sort_by(|a, b| a.0.cmp(&b.0));
                v
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{StudyDirection, TrialMeta};

    #[test]
    fn conditional_spaces_split_into_groups() {
        let mut h = TrialHistory::new(vec![StudyDirection::Minimize]);
        let f = Distribution::Float { low: 0.0, high: 1.0, log: false, step: None };
        let trials: [&[&str]; 3] = [&["opt", "lr", "mom"], &["opt", "lr", "beta"], &["opt", "lr", "mom"]];
        for ps in trials {
            let r = h.push_trial(TrialState::Running, TrialMeta::default());
            for p in ps {
                h.set_param(r, p, 0.5, &f);
            }
            h.set_state(r, TrialState::Complete, Some(&[0.0]));
        }
        let mut c = SpaceCache::default();
        c.update(&h);
        assert_eq!(c.n_finished, 3);
        let names = |v: Vec<(String, Distribution)>| v.into_iter().map(|x| x.0).collect::<Vec<_>>();
        assert_eq!(names(c.intersection()), vec!["lr", "opt"]);
        let mut groups: Vec<Vec<String>> = c.groups().into_iter().map(names).collect();
        groups.sort();
        assert_eq!(groups, vec![vec!["beta".to_string()], vec!["lr".to_string(), "opt".to_string()], vec!["mom".to_string()]]);
    }
}

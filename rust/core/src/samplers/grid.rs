//! Grid search: every point of a Cartesian grid exactly once.
//!
//! Points are numbered in mixed radix over the parameters sorted by name, visited in an order
//! shuffled by the seed. A point is claimed inside the storage's atomic trial creation
//! (`before_trial`), so threads and processes never get the same point while unclaimed ones remain.

use std::collections::HashMap;
use std::sync::Mutex;

use super::{NewTrial, Sampler};
use crate::error::{Error, Result};
use crate::history::{RowScan, TrialHistory, TrialState, Visit};
use crate::rng::{below, os_seed, stream};
use crate::space::{Choice, Distribution};
use crate::storage::log::warnings::Warnings;
use crate::storage::StudyId;

/// The system attribute that records a trial's grid point.
pub const GRID_ID_ATTR: &str = "grid_id";

/// Grids larger than this are refused: the visit order is materialized.
pub const MAX_GRID_POINTS: u64 = 1 << 31;

pub struct GridSampler {
    /// Parameters sorted by name, each with its values.
    space: Vec<(String, Vec<Choice>)>,
    n_points: u64,
    /// Visit order: `order[k]` is the k-th grid id to hand out.
    order: Vec<u32>,
    seed: u64,
    state: Mutex<HashMap<StudyId, Claimed>>,
    /// Grid values used outside the suggested range, to warn about.
    warnings: Warnings,
}

/// Which grid ids a study has used, synced incrementally from the history.
#[derive(Default)]
struct Claimed {
    /// Rows still WAITING (enqueued, no grid point yet) are rescanned: another worker may
    /// claim them later.
    scan: RowScan,
    taken: Vec<bool>,
    n_taken: u64,
    /// Every order position before this one is taken.
    cursor: usize,
}

impl Claimed {
    fn sync(&mut self, h: &TrialHistory, n_points: u64) {
        if self.scan.is_stale(h.n_trials()) {
            *self = Claimed::default();
        }
        if self.taken.len() as u64 != n_points {
            self.taken = vec![false; n_points as usize];
        }
        let mut scan = std::mem::take(&mut self.scan);
        scan.scan(h.n_trials(), |row| match h.meta[row].system_attrs.get(GRID_ID_ATTR).and_then(|s| s.parse::<u64>().ok()) {
            Some(id) if id < n_points => {
                if !self.taken[id as usize] {
                    self.taken[id as usize] = true;
                    self.n_taken += 1;
                }
                Visit::Done
            }
            _ if h.states[row] == TrialState::Waiting => Visit::Later,
            _ => Visit::Done,
        });
        self.scan = scan;
    }
}

impl GridSampler {
    pub fn new(mut space: Vec<(String, Vec<Choice>)>, seed: Option<u64>) -> Result<Self> {
        if space.is_empty() {
            return Err(Error::InvalidValue("search_space is empty; give at least one parameter with its values".into()));
        }
        space.sort_by(|a, b| a.0.cmp(&b.0));
        let mut n_points: u64 = 1;
        for (name, values) in &space {
            if values.is_empty() {
                return Err(Error::InvalidValue(format!("search_space['{name}'] has no values; give at least one value per parameter")));
            }
            n_points = n_points.saturating_mul(values.len() as u64);
        }
        if n_points > MAX_GRID_POINTS {
            return Err(Error::InvalidValue(format!(
                "the grid has {n_points} points, more than the {MAX_GRID_POINTS} supported; use fewer values or a RandomSampler"
            )));
        }
        let seed = seed.unwrap_or_else(os_seed);
        // Fisher-Yates with the seeded stream: a portable, seed-determined visit order.
        let mut order: Vec<u32> = (0..n_points as u32).collect();
        let mut rng = stream(seed, 0, "grid-order");
        for i in (1..order.len()).rev() {
            let j = below(&mut rng, i as u64 + 1) as usize;
            order.swap(i, j);
        }
        Ok(GridSampler { space, n_points, order, seed, state: Mutex::new(HashMap::new()), warnings: Warnings::default() })
    }

    pub fn n_points(&self) -> u64 {
        self.n_points
    }

    /// The value of each parameter at grid id `id`, in name order.
    pub fn point(&self, id: u64) -> Vec<(&str, &Choice)> {
        let mut rest = id;
        let mut out = Vec::with_capacity(self.space.len());
        for (name, values) in self.space.iter().rev() {
            let n = values.len() as u64;
            out.push((name.as_str(), &values[(rest % n) as usize]));
            rest /= n;
        }
        out.reverse();
        out
    }

    fn id_of(&self, fixed: &[(String, Choice)]) -> Option<u64> {
        let mut id = 0u64;
        for (name, values) in &self.space {
            let v = &fixed.iter().find(|(n, _)| n == name)?.1;
            let i = values.iter().position(|c| c == v || c.as_f64().is_some() && c.as_f64() == v.as_f64())?;
            id = id * values.len() as u64 + i as u64;
        }
        Some(id)
    }

    /// Returns the grid's value of `name` for trial `row`.
    fn value_for(&self, h: &TrialHistory, row: usize, name: &str) -> Result<&Choice> {
        let id: u64 = h.meta[row].system_attrs.get(GRID_ID_ATTR).and_then(|s| s.parse().ok()).ok_or_else(|| {
            Error::InvalidValue(format!(
                "trial {row} has no grid point, so '{name}' has no value: it was enqueued with values that are no point of the grid \
                     (or was not created by this GridSampler); enqueue a value for every grid parameter ({})",
                self.space.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")
            ))
        })?;
        let k = self.space.iter().position(|(n, _)| n == name).ok_or_else(|| {
            Error::InvalidValue(format!(
                "parameter '{name}' is not in the GridSampler's search_space ({}); add it to the grid",
                self.space.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")
            ))
        })?;
        Ok(self.point(id)[k].1)
    }
}

impl Sampler for GridSampler {
    fn before_trial_claims(&self) -> bool {
        true
    }

    fn before_trial(&self, study: StudyId, h: &TrialHistory, trial: &mut NewTrial) -> Result<()> {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let c = st.entry(study).or_default();
        c.sync(h, self.n_points);
        let id = match self.id_of(trial.fixed_params) {
            Some(id) if !trial.fixed_params.is_empty() => id,
            // Enqueued values that are no grid point (off the grid, or not every grid parameter):
            // the trial runs them and leaves the grid's points to others, as in Optuna.
            None if !trial.fixed_params.is_empty() => return Ok(()),
            _ => {
                while c.cursor < self.order.len() && c.taken[self.order[c.cursor] as usize] {
                    c.cursor += 1;
                }
                if c.cursor < self.order.len() {
                    self.order[c.cursor] as u64
                } else {
                    trial.warnings.push("every grid point has already been evaluated or is running; re-evaluating a random point".into());
                    below(&mut stream(self.seed, trial.number as u64, "grid-repeat"), self.n_points)
                }
            }
        };
        trial.system_attrs.insert(GRID_ID_ATTR.into(), id.to_string());
        // Count the claim now so a second ask under the same lock sees it.
        if !c.taken[id as usize] {
            c.taken[id as usize] = true;
            c.n_taken += 1;
        }
        Ok(())
    }

    fn is_exhausted(&self, study: StudyId, h: &TrialHistory) -> bool {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let c = st.entry(study).or_default();
        c.sync(h, self.n_points);
        c.n_taken >= self.n_points
    }

    /// Each grid point goes to one trial of the study, whatever its Hyperband bracket.
    fn per_bracket(&self) -> bool {
        false
    }

    fn sample_independent(&self, _study: StudyId, h: &TrialHistory, row: usize, name: &str, dist: &Distribution) -> Result<f64> {
        let v = self.value_for(h, row, name)?;
        let (internal, inside) = dist.to_internal_fixed(v).ok_or_else(|| {
            Error::InvalidValue(format!(
                "grid value {} of parameter '{name}' cannot be a value of the suggested distribution {}; fix the grid or the suggest call",
                v.repr(),
                dist.repr()
            ))
        })?;
        if !inside {
            // As in Optuna: the grid decides, and the user hears that the range disagrees.
            self.warnings.push(format!(
                "grid value {} of parameter '{name}' is outside the suggested distribution {}; it is used as given",
                v.repr(),
                dist.repr()
            ));
        }
        Ok(internal)
    }

    fn take_warnings(&self) -> Vec<String> {
        self.warnings.drain()
    }

    fn proposes_fixed_values(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{StudyDirection, TrialMeta};
    use std::collections::BTreeMap;

    fn sampler(seed: u64) -> GridSampler {
        GridSampler::new(
            vec![
                ("y".into(), vec![Choice::Str("a".into()), Choice::Str("b".into())]),
                ("x".into(), vec![Choice::Int(1), Choice::Int(2), Choice::Int(3)]),
            ],
            Some(seed),
        )
        .unwrap()
    }

    #[test]
    fn claims_each_point_once_then_reports_exhaustion() {
        let g = sampler(0);
        let mut h = TrialHistory::new(vec![StudyDirection::Minimize]);
        let mut seen = std::collections::HashSet::new();
        for n in 0..6 {
            assert!(!g.is_exhausted(0, &h));
            let mut attrs = BTreeMap::new();
            let mut warnings = Vec::new();
            g.before_trial(0, &h, &mut NewTrial { number: n, fixed_params: &[], system_attrs: &mut attrs, warnings: &mut warnings })
                .unwrap();
            assert!(warnings.is_empty());
            let id = attrs[GRID_ID_ATTR].clone();
            assert!(seen.insert(id));
            h.push_trial(TrialState::Running, TrialMeta { system_attrs: attrs, ..Default::default() });
        }
        assert!(g.is_exhausted(0, &h));
        let d = Distribution::Int { low: 1, high: 3, log: false, step: 1 };
        let xs: std::collections::BTreeSet<i64> = (0..6).map(|r| g.sample_independent(0, &h, r, "x", &d).unwrap() as i64).collect();
        assert_eq!(xs.into_iter().collect::<Vec<_>>(), vec![1, 2, 3]);
        assert!(g.sample_independent(0, &h, 0, "z", &d).is_err());
    }

    #[test]
    fn point_decoding_is_mixed_radix_by_name() {
        let g = sampler(0);
        // sorted names: x (3 values), y (2 values); id = ix * 2 + iy
        let p = g.point(5);
        assert_eq!(p[0], ("x", &Choice::Int(3)));
        assert_eq!(p[1], ("y", &Choice::Str("b".into())));
        assert_eq!(g.id_of(&[("x".into(), Choice::Int(2)), ("y".into(), Choice::Str("a".into()))]), Some(2));
    }

    #[test]
    fn a_queued_row_claimed_later_is_counted() {
        let g = sampler(0);
        let mut h = TrialHistory::new(vec![StudyDirection::Minimize]);
        h.push_trial(TrialState::Waiting, TrialMeta::default());
        assert!(!g.is_exhausted(0, &h)); // scans the row while it is still waiting
                                         // another worker claims it with grid point 3
        h.set_state(0, TrialState::Running, None);
        h.meta[0].system_attrs.insert(GRID_ID_ATTR.into(), "3".into());
        g.is_exhausted(0, &h);
        let st = g.state.lock().unwrap();
        assert!(st[&0].taken[3]);
        assert_eq!(st[&0].n_taken, 1);
        assert_eq!(st[&0].scan.n_pending(), 0);
    }

    #[test]
    fn enqueued_values_that_are_no_grid_point_take_no_point() {
        let g = sampler(0);
        let h = TrialHistory::new(vec![StudyDirection::Minimize]);
        let off_grid = [("x".to_string(), Choice::Int(100)), ("y".to_string(), Choice::Str("a".into()))];
        let partial = [("x".to_string(), Choice::Int(1))];
        for fixed in [&off_grid[..], &partial[..]] {
            let mut attrs = BTreeMap::new();
            let mut warnings = Vec::new();
            g.before_trial(0, &h, &mut NewTrial { number: 0, fixed_params: fixed, system_attrs: &mut attrs, warnings: &mut warnings })
                .unwrap();
            assert!(!attrs.contains_key(GRID_ID_ATTR));
        }
        assert_eq!(g.state.lock().unwrap()[&0].n_taken, 0);
        let mut h = TrialHistory::new(vec![StudyDirection::Minimize]);
        h.push_trial(TrialState::Running, TrialMeta::default());
        let d = Distribution::Categorical { choices: vec![Choice::Str("a".into()), Choice::Str("b".into())] };
        let e = g.sample_independent(0, &h, 0, "y", &d).unwrap_err();
        assert!(e.to_string().contains("enqueue a value for every grid parameter (x, y)"), "{e}");
    }

    #[test]
    fn seed_changes_order_deterministically() {
        assert_eq!(sampler(1).order, sampler(1).order);
        assert_ne!(sampler(1).order, sampler(2).order);
    }
}

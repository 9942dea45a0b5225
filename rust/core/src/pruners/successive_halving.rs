//! `SuccessiveHalvingPruner`: asynchronous successive halving (ASHA).
//!
//! Rung `k` ends at step `min_resource * reduction_factor^(min_early_stopping_rate + k)`. A trial
//! that reaches the end of its current rung records its value there (the system attribute
//! `completed_rung_<k>`) and goes on only if that value is among the best
//! `max(1, floor(n / reduction_factor))` of the `n` values recorded for the rung so far,
//! itself included; otherwise it is pruned. Decisions are made as results arrive, never
//! waiting for a rung to fill.
//!
//! The recorded values are kept per rung, sorted, and updated as trials record new rungs, so a
//! decision is a binary search per rung.

use std::collections::HashMap;
use std::sync::Mutex;

use super::{reported, single_direction, PruneCx, Pruner, Verdict};
use crate::error::{Error, Result};
use crate::history::{RowScan, StudyDirection, TrialHistory, Visit};
use crate::storage::StudyId;

const RUNG_PREFIX: &str = "completed_rung_";

/// The system attribute recording a trial's value at the end of rung `k`.
pub fn rung_key(k: usize) -> String {
    format!("{RUNG_PREFIX}{k}")
}

/// A float as JSON text Python's `json` reads back to the same value.
pub(crate) fn json_f64(v: f64) -> String {
    if v.is_infinite() {
        if v > 0.0 { "Infinity" } else { "-Infinity" }.to_string()
    } else if v.is_nan() {
        "NaN".to_string()
    } else {
        format!("{v:?}")
    }
}

pub struct SuccessiveHalvingPruner {
    /// `None`: estimated from the first complete trials ("auto").
    min_resource: Option<i64>,
    reduction_factor: i64,
    min_early_stopping_rate: i64,
    bootstrap_count: usize,
    studies: Mutex<HashMap<StudyId, ShaStudy>>,
}

#[derive(Default)]
struct ShaStudy {
    rungs: Rungs,
    /// The estimated `min_resource`, fixed once known.
    min_resource: Option<i64>,
}

impl SuccessiveHalvingPruner {
    pub fn new(min_resource: Option<i64>, reduction_factor: i64, min_early_stopping_rate: i64, bootstrap_count: i64) -> Result<Self> {
        let p = AshaParams::new(min_resource.unwrap_or(1), reduction_factor, min_early_stopping_rate, bootstrap_count)?;
        if bootstrap_count > 0 && min_resource.is_none() {
            return Err(Error::InvalidValue(format!(
                "bootstrap_count={bootstrap_count} needs an explicit min_resource; min_resource='auto' cannot be combined with bootstrap_count > 0"
            )));
        }
        Ok(SuccessiveHalvingPruner {
            min_resource,
            reduction_factor: p.reduction_factor,
            min_early_stopping_rate: p.rate,
            bootstrap_count: p.bootstrap_count,
            studies: Mutex::new(HashMap::new()),
        })
    }
}

impl Pruner for SuccessiveHalvingPruner {
    fn prune(&self, cx: &PruneCx) -> Result<Verdict> {
        let direction = single_direction(cx.history)?;
        if reported(cx).is_empty() {
            return Ok(Verdict::keep());
        }
        let mut g = self.studies.lock().unwrap_or_else(|e| e.into_inner());
        let st = g.entry(cx.study).or_default();
        st.rungs.update(cx.history, 1, |_| 0);
        let min_resource = match (self.min_resource, st.min_resource) {
            (Some(m), _) | (None, Some(m)) => m,
            (None, None) => {
                // Optuna's heuristic: a hundredth of the longest complete trial, at least 1.
                let Some(last) = st.rungs.max_complete_last_step else { return Ok(Verdict::keep()) };
                let m = (last / 100).max(1);
                st.min_resource = Some(m);
                m
            }
        };
        let p = AshaParams {
            min_resource,
            reduction_factor: self.reduction_factor,
            rate: self.min_early_stopping_rate,
            bootstrap_count: self.bootstrap_count,
        };
        Ok(p.decide(cx, direction, &st.rungs.tables[0]))
    }
}

/// The arguments of one successive-halving run (a bracket, for Hyperband).
#[derive(Debug, Clone, Copy)]
pub(crate) struct AshaParams {
    pub min_resource: i64,
    pub reduction_factor: i64,
    pub rate: i64,
    pub bootstrap_count: usize,
}

impl AshaParams {
    pub fn new(min_resource: i64, reduction_factor: i64, rate: i64, bootstrap_count: i64) -> Result<Self> {
        if min_resource < 1 {
            return Err(Error::InvalidValue(format!(
                "min_resource must be >= 1 or 'auto', got {min_resource}; it is the step at which the first rung ends"
            )));
        }
        if reduction_factor < 2 {
            return Err(Error::InvalidValue(format!(
                "reduction_factor must be >= 2, got {reduction_factor}; 1/reduction_factor of the trials go on at each rung"
            )));
        }
        if rate < 0 {
            return Err(Error::InvalidValue(format!(
                "min_early_stopping_rate must be >= 0, got {rate}; use 0 for the first rung at min_resource"
            )));
        }
        if bootstrap_count < 0 {
            return Err(Error::InvalidValue(format!(
                "bootstrap_count must be >= 0, got {bootstrap_count}; it is the number of trials a rung needs before any promotion"
            )));
        }
        Ok(AshaParams { min_resource, reduction_factor, rate, bootstrap_count: bootstrap_count as usize })
    }

    /// The step at which rung `rung` ends, or `None` beyond any reportable step.
    pub fn rung_step(&self, rung: usize) -> Option<i64> {
        let e = u32::try_from(self.rate as u64 + rung as u64).ok()?;
        self.reduction_factor.checked_pow(e)?.checked_mul(self.min_resource)
    }

    /// The ASHA decision for the trial at `cx.row`, given the other trials' rung values
    /// (`tables[k]`, sorted; the trial's own values for rungs it has not recorded are absent).
    pub fn decide(&self, cx: &PruneCx, direction: StudyDirection, tables: &[Vec<f64>]) -> Verdict {
        let Some(meta) = cx.history.meta.get(cx.row) else { return Verdict::keep() };
        let Some(&(step, value)) = meta.intermediate.last() else { return Verdict::keep() };
        let mut rung = 0;
        while meta.system_attrs.contains_key(&rung_key(rung)) {
            rung += 1;
        }
        let mut verdict = Verdict::keep();
        loop {
            match self.rung_step(rung) {
                Some(end) if step >= end => {}
                end => {
                    // the next decision is at the end of this rung (never, past the last one)
                    verdict.quiet_until = Some(end.unwrap_or(i64::MAX));
                    return verdict;
                }
            }
            if value.is_nan() {
                verdict.prune = true;
                return verdict;
            }
            verdict.system_attrs.push((rung_key(rung), json_f64(value)));
            let others: &[f64] = tables.get(rung).map(|v| v.as_slice()).unwrap_or(&[]);
            // the rung holds others plus this value: bootstrap_count or fewer -> pruned
            if others.len() < self.bootstrap_count || !promotable(value, others, self.reduction_factor, direction) {
                verdict.prune = true;
                return verdict;
            }
            rung += 1;
        }
    }
}

/// Whether `value` is among the best `max(1, floor(n / eta))` of `others` plus itself.
pub(crate) fn promotable(value: f64, others: &[f64], eta: i64, direction: StudyDirection) -> bool {
    let n = others.len() + 1;
    let idx = (n / eta as usize).saturating_sub(1);
    // the k-th smallest of others + [value], others sorted ascending
    let pos = others.partition_point(|x| *x < value);
    let kth = |k: usize| {
        if k < pos {
            others[k]
        } else if k == pos {
            value
        } else {
            others[k - 1]
        }
    };
    match direction {
        StudyDirection::Maximize => value >= kth(n - 1 - idx),
        _ => value <= kth(idx),
    }
}

/// The values recorded for each rung by the trials of each group (Hyperband's brackets; one
/// group for plain successive halving), sorted ascending. Finished trials are folded in once;
/// running ones are revisited until they finish, since they record new rungs as they go.
#[derive(Debug, Default)]
pub(crate) struct Rungs {
    scan: RowScan,
    /// `tables[group][rung]`
    pub tables: Vec<Vec<Vec<f64>>>,
    /// Rungs already counted for each unfinished row (bit k: rung k), and the row's group.
    counted: HashMap<usize, (usize, u64)>,
    /// The largest last step of a complete trial (successive halving's "auto" resource).
    pub max_complete_last_step: Option<i64>,
}

impl Rungs {
    pub fn update(&mut self, h: &TrialHistory, n_groups: usize, group_of: impl Fn(usize) -> usize) {
        if self.scan.is_stale(h.n_trials()) || self.tables.len() != n_groups {
            *self = Rungs { tables: vec![Vec::new(); n_groups], ..Default::default() };
        }
        let mut scan = std::mem::take(&mut self.scan);
        scan.scan(h.n_trials(), |r| {
            let (group, mut bits) = self.counted.remove(&r).unwrap_or_else(|| (group_of(r), 0));
            let m = &h.meta[r];
            for (key, json) in m.system_attrs.range(RUNG_PREFIX.to_string()..) {
                let Some(suffix) = key.strip_prefix(RUNG_PREFIX) else { break };
                // only canonical numbers name a rung ("completed_rung_01" does not)
                let Ok(k) = suffix.parse::<u32>() else { continue };
                if k >= 64 || k.to_string() != suffix || bits & (1 << k) != 0 {
                    continue;
                }
                bits |= 1 << k;
                let Ok(v) = json.trim().parse::<f64>() else { continue };
                if v.is_nan() {
                    continue;
                }
                let table = &mut self.tables[group];
                if table.len() <= k as usize {
                    table.resize(k as usize + 1, Vec::new());
                }
                let t = &mut table[k as usize];
                let at = t.partition_point(|x| x.total_cmp(&v).is_lt());
                t.insert(at, v);
            }
            if h.states[r].is_finished() {
                if h.states[r] == crate::history::TrialState::Complete {
                    if let Some(&(s, _)) = m.intermediate.last() {
                        self.max_complete_last_step = Some(self.max_complete_last_step.map_or(s, |x| x.max(s)));
                    }
                }
                Visit::Done
            } else {
                self.counted.insert(r, (group, bits));
                Visit::Later
            }
        });
        self.scan = scan;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::TrialState::{Complete, Running};
    use crate::pruners::testing::{add, history};

    /// Runs trials one after the other through `p`, storing its attributes as the engine does;
    /// returns the step at which each was pruned (None: ran to the end).
    fn run(p: &dyn Pruner, h: &mut TrialHistory, curves: &[Vec<f64>]) -> Vec<Option<usize>> {
        let mut out = Vec::new();
        for c in curves {
            let row = add(h, &[], Running);
            let mut pruned = None;
            for (s, v) in c.iter().enumerate() {
                h.set_intermediate(row, s as i64, *v);
                let verdict = p.prune(&PruneCx { study: 0, study_name: "s", history: h, row }).unwrap();
                for (k, v) in verdict.system_attrs {
                    h.meta[row].system_attrs.insert(k, v);
                }
                if verdict.prune {
                    pruned = Some(s);
                    break;
                }
            }
            match pruned {
                Some(_) => h.set_state(row, crate::history::TrialState::Pruned, None),
                None => h.set_state(row, Complete, Some(&[*c.last().unwrap()])),
            }
            out.push(pruned);
        }
        out
    }

    #[test]
    fn rung_schedule() {
        let p = AshaParams::new(2, 3, 1, 0).unwrap();
        assert_eq!((0..3).map(|k| p.rung_step(k).unwrap()).collect::<Vec<_>>(), vec![6, 18, 54]);
        assert_eq!(AshaParams::new(1, 2, 0, 0).unwrap().rung_step(70), None);
    }

    #[test]
    fn promotes_the_top_fraction_hand_worked() {
        // eta = 2, rung 0 ends at step 1. Values at step 1 arrive as 5, 3, 4, 1, 6, 2.
        // n=1: idx 0 -> 5 is the best of {5}: go on. n=2: idx 0 -> 3 <= 3: go on.
        // n=3: idx 0 -> 4 vs 3: prune. n=4: idx 1 -> 1 <= 3: go on.
        // n=5: idx 1 -> 6 vs 3: prune. n=6: idx 2 -> 2 <= 3: go on.
        let p = SuccessiveHalvingPruner::new(Some(1), 2, 0, 0).unwrap();
        let mut h = history(StudyDirection::Minimize);
        let curves: Vec<Vec<f64>> = [5.0, 3.0, 4.0, 1.0, 6.0, 2.0].iter().map(|v| vec![0.0, *v]).collect();
        let got = run(&p, &mut h, &curves);
        assert_eq!(got, vec![None, None, Some(1), None, Some(1), None]);
        assert_eq!(h.meta[2].system_attrs.get("completed_rung_0").map(String::as_str), Some("4.0"));
    }

    #[test]
    fn later_rungs_and_maximize() {
        // eta = 2, rungs end at steps 1, 2, 4
        let p = SuccessiveHalvingPruner::new(Some(1), 2, 0, 0).unwrap();
        let mut h = history(StudyDirection::Maximize);
        let curves = vec![
            vec![0.0, 1.0, 1.0, 1.0, 1.0],
            vec![0.0, 2.0, 2.0, 2.0, 2.0],
            vec![0.0, 3.0, 0.5, 0.5, 0.5], // best at rung 0, worst at rung 1
        ];
        let got = run(&p, &mut h, &curves);
        // trial 2 passes rung 0 (3 >= best of 3) and fails rung 1 (0.5 < 1, n=3 -> top 1)
        assert_eq!(got, vec![None, None, Some(2)]);
        assert!(h.meta[2].system_attrs.contains_key("completed_rung_1"));
    }

    #[test]
    fn bootstrap_and_nan() {
        let p = SuccessiveHalvingPruner::new(Some(1), 2, 0, 2).unwrap();
        let mut h = history(StudyDirection::Minimize);
        // the first two trials find fewer than bootstrap_count + 1 values at rung 0
        let got = run(&p, &mut h, &[vec![0.0, 1.0], vec![0.0, 1.0], vec![0.0, 0.5]]);
        assert_eq!(got, vec![Some(1), Some(1), None]);
        let p = SuccessiveHalvingPruner::new(Some(1), 2, 0, 0).unwrap();
        let mut h = history(StudyDirection::Minimize);
        let got = run(&p, &mut h, &[vec![f64::NAN, f64::NAN, 1.0]]);
        assert_eq!(got, vec![Some(1)]);
        assert!(h.meta[0].system_attrs.is_empty(), "NaN is not recorded");
    }

    #[test]
    fn auto_min_resource_waits_for_a_complete_trial() {
        let p = SuccessiveHalvingPruner::new(None, 2, 0, 0).unwrap();
        let mut h = history(StudyDirection::Minimize);
        add(&mut h, &vec![1.0; 300], Complete); // last step 299 -> min_resource 2
        let got = run(&p, &mut h, &[vec![5.0; 3], vec![9.0; 3]]);
        assert_eq!(got, vec![None, Some(2)]);
        assert_eq!(p.studies.lock().unwrap()[&0].min_resource, Some(2));
    }

    #[test]
    fn json_floats_read_back() {
        for v in [0.1, 1e-7, 1e300, -0.0, 3.0, f64::INFINITY, f64::NEG_INFINITY] {
            let s = json_f64(v);
            assert_eq!(s.parse::<f64>().unwrap(), v, "{s}");
        }
        assert_eq!(json_f64(f64::INFINITY), "Infinity");
    }

    #[test]
    fn rung_tables_skip_odd_keys_and_count_running_trials_once() {
        let mut h = history(StudyDirection::Minimize);
        let r = add(&mut h, &[1.0], Running);
        h.meta[r].system_attrs.insert("completed_rung_0".into(), "2.5".into());
        h.meta[r].system_attrs.insert("completed_rung_01".into(), "1.0".into());
        h.meta[r].system_attrs.insert("completed_rung_x".into(), "1.0".into());
        let mut t = Rungs::default();
        t.update(&h, 1, |_| 0);
        t.update(&h, 1, |_| 0);
        assert_eq!(t.tables[0], vec![vec![2.5]]);
        h.meta[r].system_attrs.insert("completed_rung_1".into(), "Infinity".into());
        t.update(&h, 1, |_| 0);
        assert_eq!(t.tables[0], vec![vec![2.5], vec![f64::INFINITY]]);
    }

    #[test]
    fn bad_arguments() {
        assert!(SuccessiveHalvingPruner::new(Some(0), 4, 0, 0).is_err());
        assert!(SuccessiveHalvingPruner::new(Some(1), 1, 0, 0).is_err());
        assert!(SuccessiveHalvingPruner::new(Some(1), 4, -1, 0).is_err());
        assert!(SuccessiveHalvingPruner::new(Some(1), 4, 0, -1).is_err());
        assert!(SuccessiveHalvingPruner::new(None, 4, 0, 1).is_err());
    }
}

//! `PercentilePruner`: prune a trial whose best intermediate value is worse than a percentile
//! of the complete trials' values at its current step.
//!
//! The complete trials' values are kept per step, sorted, and updated as trials complete (a
//! complete trial never changes), so a decision is a hash lookup and an interpolation. A study
//! loaded at once is read from the history's step columns.

use std::collections::HashMap;
use std::sync::Mutex;

use super::{check_min, first_in_interval, nan_best, reported, single_direction, PruneCx, Pruner, Verdict};
use crate::error::{Error, Result};
use crate::history::{RowScan, StudyDirection, TrialHistory, TrialState, Visit};
use crate::storage::StudyId;

pub struct PercentilePruner {
    percentile: f64,
    n_startup_trials: usize,
    n_warmup_steps: i64,
    interval_steps: i64,
    n_min_trials: usize,
    studies: Mutex<HashMap<StudyId, StepStats>>,
}

impl PercentilePruner {
    pub fn new(percentile: f64, n_startup_trials: i64, n_warmup_steps: i64, interval_steps: i64, n_min_trials: i64) -> Result<Self> {
        if !(0.0..=100.0).contains(&percentile) {
            return Err(Error::InvalidValue(format!(
                "percentile must be between 0 and 100 inclusive, got {percentile}; 25.0 keeps the top quarter of the trials"
            )));
        }
        check_min("n_startup_trials", n_startup_trials, 0, "use 0 to prune from the first complete trial on")?;
        check_min("n_warmup_steps", n_warmup_steps, 0, "use 0 to allow pruning from the first step")?;
        check_min("interval_steps", interval_steps, 1, "use 1 to check at every step")?;
        check_min("n_min_trials", n_min_trials, 1, "use 1 to compare with a single complete trial")?;
        Ok(PercentilePruner {
            percentile,
            n_startup_trials: n_startup_trials as usize,
            n_warmup_steps,
            interval_steps,
            n_min_trials: n_min_trials as usize,
            studies: Mutex::new(HashMap::new()),
        })
    }

    pub fn percentile(&self) -> f64 {
        self.percentile
    }
}

impl Pruner for PercentilePruner {
    fn prune(&self, cx: &PruneCx) -> Result<Verdict> {
        let direction = single_direction(cx.history)?;
        let iv = reported(cx);
        let Some(&(step, _)) = iv.last() else { return Ok(Verdict::keep()) };
        if step < self.n_warmup_steps || !first_in_interval(iv, self.n_warmup_steps, self.interval_steps) {
            return Ok(Verdict::keep());
        }
        let mut g = self.studies.lock().unwrap_or_else(|e| e.into_inner());
        let stats = g.entry(cx.study).or_default();
        stats.update(cx.history);
        if stats.n_complete == 0 || stats.n_complete < self.n_startup_trials {
            return Ok(Verdict::keep());
        }
        let best = nan_best(iv.iter().map(|e| e.1), direction);
        if best.is_nan() {
            return Ok(Verdict::prune());
        }
        let q = if direction == StudyDirection::Maximize { 100.0 - self.percentile } else { self.percentile };
        let Some(p) = stats.percentile(step, q, self.n_min_trials) else { return Ok(Verdict::keep()) };
        Ok(Verdict::of(if direction == StudyDirection::Maximize { best < p } else { best > p }))
    }
}

/// The values complete trials reported at one step.
#[derive(Debug, Default)]
struct StepValues {
    /// Complete trials with a value at this step, NaN included (what `n_min_trials` counts).
    n: usize,
    /// The non-NaN values, ascending.
    sorted: Vec<f64>,
}

/// Per-step values of a study's complete trials, folded in as trials complete.
#[derive(Debug, Default)]
pub(crate) struct StepStats {
    scan: RowScan,
    n_complete: usize,
    steps: HashMap<i64, StepValues>,
}

impl StepStats {
    pub(crate) fn update(&mut self, h: &TrialHistory) {
        if self.scan.is_stale(h.n_trials()) {
            *self = StepStats::default();
        }
        let mut fresh: Vec<usize> = Vec::new();
        self.scan.scan(h.n_trials(), |r| match h.states[r] {
            TrialState::Complete => {
                fresh.push(r);
                Visit::Done
            }
            TrialState::Running | TrialState::Waiting => Visit::Later,
            TrialState::Pruned | TrialState::Fail => Visit::Done,
        });
        if fresh.is_empty() {
            return;
        }
        self.n_complete += fresh.len();
        let mut added: HashMap<i64, Vec<f64>> = HashMap::new();
        let mut add = |s: i64, v: f64| {
            self.steps.entry(s).or_default().n += 1;
            if !v.is_nan() {
                added.entry(s).or_default().push(v);
            }
        };
        if fresh.len() >= 64 && fresh.len() * 4 >= self.n_complete {
            // Many trials at once (a study loaded from storage): read the step columns.
            let mut is_fresh = vec![false; h.n_trials()];
            for r in fresh {
                is_fresh[r] = true;
            }
            for (s, col) in &h.steps {
                for &(_, v) in col.entries.iter().filter(|e| is_fresh[e.0 as usize]) {
                    add(*s, v);
                }
            }
        } else {
            for r in fresh {
                for &(s, v) in &h.meta[r].intermediate {
                    add(s, v);
                }
            }
        }
        for (s, mut vals) in added {
            let sorted = &mut self.steps.get_mut(&s).expect("counted above").sorted;
            // One trial at a time: insert; a study loaded at once: append and sort.
            if vals.len() * 8 < sorted.len() {
                for v in vals {
                    let at = sorted.partition_point(|x| x.total_cmp(&v).is_lt());
                    sorted.insert(at, v);
                }
            } else {
                sorted.append(&mut vals);
                sorted.sort_unstable_by(f64::total_cmp);
            }
        }
    }

    /// `np.nanpercentile` of the complete trials' values at `step` ("linear" method), or `None`
    /// when fewer than `n_min` complete trials reported the step or the result is NaN.
    fn percentile(&self, step: i64, q: f64, n_min: usize) -> Option<f64> {
        let s = self.steps.get(&step)?;
        if s.n < n_min {
            return None;
        }
        let p = numpy_percentile(&s.sorted, q)?;
        (!p.is_nan()).then_some(p)
    }
}

/// numpy's "linear" percentile of ascending `sorted` values, with numpy's own index and
/// interpolation arithmetic so results agree to the bit (NaN where numpy gives NaN, e.g.
/// between two infinities). `None` for no values.
pub(crate) fn numpy_percentile(sorted: &[f64], percentile: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let q = percentile / 100.0;
    let virtual_index = (n - 1) as f64 * q;
    let (lo, hi, gamma) = if virtual_index >= (n - 1) as f64 {
        // numpy takes the last element for both neighbours, with gamma = index - (-1)
        (n - 1, n - 1, virtual_index + 1.0)
    } else {
        let lo = virtual_index.floor();
        (lo as usize, lo as usize + 1, virtual_index - lo)
    };
    let (a, b) = (sorted[lo], sorted[hi]);
    let diff = b - a;
    Some(if gamma >= 0.5 { b - diff * (1.0 - gamma) } else { a + diff * gamma })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::TrialState::{Complete, Pruned, Running};
    use crate::pruners::testing::{add, history, judge};

    #[test]
    fn numpy_percentile_matches_reference_values() {
        // np.percentile([1, 2, 3, 4], q) for q = 0, 25, 50, 75, 100
        let v = [1.0, 2.0, 3.0, 4.0];
        let got: Vec<f64> = [0.0, 25.0, 50.0, 75.0, 100.0].iter().map(|q| numpy_percentile(&v, *q).unwrap()).collect();
        assert_eq!(got, vec![1.0, 1.75, 2.5, 3.25, 4.0]);
        assert_eq!(numpy_percentile(&[7.0], 30.0), Some(7.0));
        assert_eq!(numpy_percentile(&[], 30.0), None);
        // np.percentile([1, inf], q) is nan for q = 0 and 100 (inf * 0 and inf - inf)
        assert!(numpy_percentile(&[1.0, f64::INFINITY], 100.0).unwrap().is_nan());
        assert!(numpy_percentile(&[1.0, f64::INFINITY], 0.0).unwrap().is_nan());
        assert!(numpy_percentile(&[f64::INFINITY, f64::INFINITY], 50.0).unwrap().is_nan());
        assert_eq!(numpy_percentile(&[1.0, 2.0, f64::INFINITY], 0.0), Some(1.0));
    }

    #[test]
    fn median_rule_hand_worked() {
        // complete curves at step 1: 1, 2, 3, 10 -> median 2.5
        let mut h = history(StudyDirection::Minimize);
        for last in [1.0, 2.0, 3.0, 10.0] {
            add(&mut h, &[5.0, last], Complete);
        }
        add(&mut h, &[0.0, 100.0], Pruned); // pruned trials do not count
        let p = PercentilePruner::new(50.0, 0, 0, 1, 1).unwrap();
        let r = add(&mut h, &[3.0, 2.4], Running);
        assert!(!judge(&p, &h, r).prune, "2.4 < 2.5");
        let r = add(&mut h, &[3.0, 2.6], Running);
        assert!(judge(&p, &h, r).prune, "2.6 > 2.5");
        // the best value over the steps is what counts: 0.5 at step 0 keeps it
        let r = add(&mut h, &[0.5, 9.0], Running);
        assert!(!judge(&p, &h, r).prune);
    }

    #[test]
    fn maximize_uses_the_mirrored_percentile() {
        let mut h = history(StudyDirection::Maximize);
        for v in [1.0, 2.0, 3.0, 4.0, 5.0] {
            add(&mut h, &[v], Complete);
        }
        // keep the top 25%: np.percentile(..., 75) = 4.0
        let p = PercentilePruner::new(25.0, 0, 0, 1, 1).unwrap();
        let r = add(&mut h, &[3.9], Running);
        assert!(judge(&p, &h, r).prune);
        let r = add(&mut h, &[4.0], Running);
        assert!(!judge(&p, &h, r).prune);
    }

    #[test]
    fn startup_warmup_min_trials_and_nan() {
        let mut h = history(StudyDirection::Minimize);
        add(&mut h, &[1.0, 1.0, 1.0], Complete);
        let bad = add(&mut h, &[9.0, 9.0, 9.0], Running);
        assert!(!judge(&PercentilePruner::new(50.0, 2, 0, 1, 1).unwrap(), &h, bad).prune, "one complete trial < 2 start-up");
        assert!(!judge(&PercentilePruner::new(50.0, 0, 3, 1, 1).unwrap(), &h, bad).prune, "step 2 < 3 warm-up steps");
        assert!(!judge(&PercentilePruner::new(50.0, 0, 0, 1, 2).unwrap(), &h, bad).prune, "one value < n_min_trials");
        assert!(judge(&PercentilePruner::new(50.0, 1, 2, 1, 1).unwrap(), &h, bad).prune);
        // all-NaN curves are pruned; NaN values of complete trials are ignored
        let nan = add(&mut h, &[f64::NAN], Running);
        assert!(judge(&PercentilePruner::new(50.0, 0, 0, 1, 1).unwrap(), &h, nan).prune);
        add(&mut h, &[f64::NAN, f64::NAN, f64::NAN], Complete);
        let ok = add(&mut h, &[1.0, 1.0, 0.5], Running);
        assert!(!judge(&PercentilePruner::new(50.0, 0, 0, 1, 1).unwrap(), &h, ok).prune);
    }

    #[test]
    fn state_follows_new_trials_and_bulk_loads() {
        let p = PercentilePruner::new(50.0, 0, 0, 1, 1).unwrap();
        let mut h = history(StudyDirection::Minimize);
        // 200 trials folded in at once, then one at a time
        for i in 0..200 {
            add(&mut h, &[i as f64], Complete);
        }
        let r = add(&mut h, &[99.6], Running);
        assert!(judge(&p, &h, r).prune, "median of 0..199 is 99.5");
        for _ in 0..2 {
            add(&mut h, &[-1.0], Complete);
        }
        // median of {-1, -1, 0, ..., 199} is 98.5
        assert!(judge(&p, &h, r).prune);
        let r2 = add(&mut h, &[98.5], Running);
        assert!(!judge(&p, &h, r2).prune);
        let stats = p.studies.lock().unwrap();
        let s = &stats[&0].steps[&0];
        assert_eq!(s.n, 202);
        assert!(s.sorted.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn bad_arguments_name_the_parameter() {
        for (r, name) in [
            (PercentilePruner::new(101.0, 5, 0, 1, 1), "percentile"),
            (PercentilePruner::new(f64::NAN, 5, 0, 1, 1), "percentile"),
            (PercentilePruner::new(50.0, -1, 0, 1, 1), "n_startup_trials"),
            (PercentilePruner::new(50.0, 5, -1, 1, 1), "n_warmup_steps"),
            (PercentilePruner::new(50.0, 5, 0, 0, 1), "interval_steps"),
            (PercentilePruner::new(50.0, 5, 0, 1, 0), "n_min_trials"),
        ] {
            match r {
                Err(Error::InvalidValue(m)) => assert!(m.starts_with(name), "{m}"),
                _ => panic!("{name} accepted"),
            }
        }
    }
}

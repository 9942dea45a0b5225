//! Pruners: which running trials to stop early.
//!
//! A pruner judges one trial from its intermediate values (`TrialMeta::intermediate`) and the
//! rest of the study's history, and answers with a [`Verdict`]. Pruners that compare trials keep
//! incremental state per study (per-step sorted values, per-rung sorted values), folded in as
//! trials settle, so one decision costs a few lookups instead of a pass over every trial.
//! Decisions follow Optuna's pruners of the same names.
//!
//! Successive halving and Hyperband record each rung a trial completes as the system attribute
//! `completed_rung_<k>` (the trial's value there), as Optuna does: the rung bookkeeping lives in
//! the storage, so every worker on it competes against the same rungs.

mod bracket_view;
mod hyperband;
mod median;
mod nop;
mod patient;
mod percentile;
mod successive_halving;
mod threshold;
mod wilcoxon;

pub use hyperband::{bracket_budgets, n_brackets, HyperbandPruner};
pub use nop::NopPruner;
pub use patient::PatientPruner;
pub use percentile::PercentilePruner;
pub use successive_halving::{rung_key, SuccessiveHalvingPruner};
pub use threshold::ThresholdPruner;
pub use wilcoxon::{signed_rank_pvalue, Alternative, WilcoxonPruner};

use crate::error::{Error, Result};
use crate::history::{StudyDirection, TrialHistory};
use crate::storage::StudyId;

/// What a pruner sees: the study, its name (Hyperband assigns brackets by hashing it with the
/// trial number, as Optuna does) and its history. `row` is the trial being judged; for
/// [`Pruner::bracket_of`] it may be one past the last row (a trial being created).
pub struct PruneCx<'a> {
    pub study: StudyId,
    pub study_name: &'a str,
    pub history: &'a TrialHistory,
    pub row: usize,
}

/// A pruner's answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Verdict {
    pub prune: bool,
    /// System attributes to store on the judged trial (the rungs successive halving records).
    pub system_attrs: Vec<(String, String)>,
    /// Messages for the user (raised as warnings by the Python layer).
    pub warnings: Vec<String>,
    /// Kept, and no decision can stop the trial before it reports this step: only its own
    /// reports move it towards the end of its rung (successive halving, Hyperband). Lets the
    /// caller answer the steps in between without asking (`None`: ask every time).
    pub quiet_until: Option<i64>,
}

impl Verdict {
    pub fn keep() -> Self {
        Verdict::default()
    }

    pub fn prune() -> Self {
        Verdict { prune: true, ..Default::default() }
    }

    pub fn of(prune: bool) -> Self {
        Verdict { prune, ..Default::default() }
    }
}

pub trait Pruner: Send + Sync {
    /// Whether the trial at `cx.row` should stop now.
    fn prune(&self, cx: &PruneCx) -> Result<Verdict>;

    /// The bracket of trial `cx.row`, for pruners that split trials into brackets the sampler
    /// must keep apart (Hyperband, once its brackets are known); `None` otherwise.
    fn bracket_of(&self, _cx: &PruneCx) -> Option<usize> {
        None
    }

    /// Runs `f` with the history a model-based sampler may see for trial `cx.row` (the trials of
    /// its bracket) and that history's own study id, so the sampler keeps separate state per
    /// bracket. Returns false, without calling `f`, when the pruner does not split trials.
    fn with_bracket_history(&self, _cx: &PruneCx, _f: &mut dyn FnMut(StudyId, &TrialHistory)) -> bool {
        false
    }
}

/// The direction of a single-objective study; pruning is undefined with several objectives.
pub(crate) fn single_direction(h: &TrialHistory) -> Result<StudyDirection> {
    match h.directions.as_slice() {
        [d] => Ok(*d),
        _ => Err(Error::InvalidValue(format!(
            "pruning needs a single objective, this study has {}; drop the pruner or optimize one objective",
            h.directions.len()
        ))),
    }
}

/// The intermediate values of the trial at `row`, sorted by step.
pub(crate) fn reported<'a>(cx: &PruneCx<'a>) -> &'a [(i64, f64)] {
    cx.history.meta.get(cx.row).map(|m| m.intermediate.as_slice()).unwrap_or(&[])
}

/// Optuna's interval rule: with `iv` ending at the last step, the check happens only at the
/// first report at or after each `n_warmup_steps + k * interval_steps`.
pub(crate) fn first_in_interval(iv: &[(i64, f64)], n_warmup_steps: i64, interval_steps: i64) -> bool {
    let Some(&(step, _)) = iv.last() else { return false };
    let nearest = (step - n_warmup_steps).div_euclid(interval_steps) * interval_steps + n_warmup_steps;
    let second_last = if iv.len() >= 2 { iv[iv.len() - 2].0 } else { -1 };
    second_last < nearest
}

/// The best of `values` in `direction`, ignoring NaN (NaN when there is no number), as
/// `np.nanmin` / `np.nanmax`.
pub(crate) fn nan_best(values: impl Iterator<Item = f64>, direction: StudyDirection) -> f64 {
    let mut best = f64::NAN;
    for v in values.filter(|v| !v.is_nan()) {
        if best.is_nan() || direction.better(v, best) {
            best = v;
        }
    }
    best
}

pub(crate) fn check_min(name: &str, value: i64, min: i64, fix: &str) -> Result<()> {
    if value < min {
        return Err(Error::InvalidValue(format!("{name} must be >= {min}, got {value}; {fix}")));
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod testing {
    //! Histories built by hand for the pruners' tests.

    use crate::history::{StudyDirection, TrialHistory, TrialMeta, TrialState};

    use super::{PruneCx, Pruner, Verdict};

    /// Adds a trial with `curve` reported at steps 0, 1, ... (NaN entries are reported as NaN);
    /// finished trials complete with their last value.
    pub fn add(h: &mut TrialHistory, curve: &[f64], state: TrialState) -> usize {
        let row = h.push_trial(TrialState::Running, TrialMeta::default());
        for (s, v) in curve.iter().enumerate() {
            h.set_intermediate(row, s as i64, *v);
        }
        match state {
            TrialState::Complete => h.set_state(row, state, Some(&[*curve.last().unwrap_or(&0.0)])),
            _ => h.set_state(row, state, None),
        }
        row
    }

    pub fn history(direction: StudyDirection) -> TrialHistory {
        TrialHistory::new(vec![direction])
    }

    pub fn judge(p: &dyn Pruner, h: &TrialHistory, row: usize) -> Verdict {
        p.prune(&PruneCx { study: 0, study_name: "s", history: h, row }).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(steps: &[i64]) -> Vec<(i64, f64)> {
        steps.iter().map(|s| (*s, 0.0)).collect()
    }

    #[test]
    fn interval_rule_matches_optuna() {
        // warm-up 2, interval 3: checks at the first report at or after steps 2, 5, 8, ...
        assert!(first_in_interval(&iv(&[0, 1, 2]), 2, 3));
        assert!(!first_in_interval(&iv(&[0, 1, 2, 3]), 2, 3));
        assert!(!first_in_interval(&iv(&[0, 1, 2, 3, 4]), 2, 3));
        assert!(first_in_interval(&iv(&[0, 1, 2, 3, 4, 5]), 2, 3));
        // a skipped check is made at the next report
        assert!(first_in_interval(&iv(&[0, 4, 7]), 2, 3));
        assert!(first_in_interval(&iv(&[7]), 2, 3));
        assert!(!first_in_interval(&[], 0, 1));
    }

    #[test]
    fn nan_best_ignores_nan() {
        let v = [f64::NAN, 3.0, 1.0, f64::NAN];
        assert_eq!(nan_best(v.iter().copied(), StudyDirection::Minimize), 1.0);
        assert_eq!(nan_best(v.iter().copied(), StudyDirection::Maximize), 3.0);
        assert!(nan_best([f64::NAN].into_iter(), StudyDirection::Minimize).is_nan());
    }

    #[test]
    fn several_objectives_are_refused() {
        let h = TrialHistory::new(vec![StudyDirection::Minimize, StudyDirection::Maximize]);
        assert!(matches!(single_direction(&h), Err(Error::InvalidValue(m)) if m.contains("single objective")));
    }
}

//! `PatientPruner`: early stopping with patience, optionally confirmed by a wrapped pruner.
//!
//! A trial may be pruned once its best value over the last `patience + 1` steps is no better
//! (by more than `min_delta`) than its best value before them; the wrapped pruner, when there
//! is one, then decides.

use std::sync::Arc;

use super::{nan_best, reported, single_direction, PruneCx, Pruner, Verdict};
use crate::error::{Error, Result};
use crate::history::StudyDirection;

pub struct PatientPruner {
    wrapped: Option<Arc<dyn Pruner>>,
    patience: usize,
    min_delta: f64,
}

impl PatientPruner {
    pub fn new(wrapped: Option<Arc<dyn Pruner>>, patience: i64, min_delta: f64) -> Result<Self> {
        if patience < 0 {
            return Err(Error::InvalidValue(format!("patience must be >= 0, got {patience}; it counts steps without improvement")));
        }
        if !min_delta.is_finite() || min_delta < 0.0 {
            return Err(Error::InvalidValue(format!(
                "min_delta must be a finite number >= 0, got {min_delta}; it is the improvement that counts as progress"
            )));
        }
        Ok(PatientPruner { wrapped, patience: patience as usize, min_delta })
    }

    /// True when the trial has not improved for `patience` steps.
    fn stalled(&self, cx: &PruneCx) -> Result<bool> {
        let direction = single_direction(cx.history)?;
        let iv = reported(cx);
        if iv.len() <= self.patience + 1 {
            return Ok(false);
        }
        let split = iv.len() - self.patience - 1;
        let before = nan_best(iv[..split].iter().map(|e| e.1), direction);
        let after = nan_best(iv[split..].iter().map(|e| e.1), direction);
        // NaN on either side compares false: no decision without numbers
        Ok(match direction {
            StudyDirection::Maximize => before - self.min_delta > after,
            _ => before + self.min_delta < after,
        })
    }
}

impl Pruner for PatientPruner {
    fn prune(&self, cx: &PruneCx) -> Result<Verdict> {
        if !self.stalled(cx)? {
            return Ok(Verdict::keep());
        }
        match &self.wrapped {
            Some(p) => p.prune(cx),
            None => Ok(Verdict::prune()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::TrialState::{Complete, Running};
    use crate::pruners::testing::{add, history, judge};
    use crate::pruners::PercentilePruner;

    #[test]
    fn patience_hand_worked() {
        let mut h = history(StudyDirection::Minimize);
        let p = PatientPruner::new(None, 2, 0.0).unwrap();
        for (curve, want) in [
            (vec![1.0, 2.0, 3.0], false),      // 3 steps <= patience + 1
            (vec![1.0, 2.0, 3.0, 4.0], true),  // best of the last 3 (2.0) is worse than 1.0
            (vec![1.0, 2.0, 3.0, 1.0], false), // 1.0 is not worse than 1.0
            (vec![f64::NAN, 2.0, 3.0, 4.0], false),
            (vec![1.0, f64::NAN, 3.0, f64::NAN], true),
        ] {
            let r = add(&mut h, &curve, Running);
            assert_eq!(judge(&p, &h, r).prune, want, "{curve:?}");
        }
        // min_delta: 1.0 + 1.5 < 2.0 is false
        let r = add(&mut h, &[1.0, 2.0, 3.0, 4.0], Running);
        assert!(!judge(&PatientPruner::new(None, 2, 1.5).unwrap(), &h, r).prune);
    }

    #[test]
    fn maximize_and_wrapped() {
        let mut h = history(StudyDirection::Maximize);
        let r = add(&mut h, &[5.0, 4.0, 3.0], Running);
        assert!(judge(&PatientPruner::new(None, 1, 0.0).unwrap(), &h, r).prune);
        // the wrapped median pruner has the last word: no complete trial, no pruning
        let median: Arc<dyn Pruner> = Arc::new(PercentilePruner::median(0, 0, 1, 1).unwrap());
        let p = PatientPruner::new(Some(median), 1, 0.0).unwrap();
        assert!(!judge(&p, &h, r).prune);
        add(&mut h, &[9.0, 9.0, 9.0], Complete);
        assert!(judge(&p, &h, r).prune);
    }

    #[test]
    fn bad_arguments() {
        assert!(PatientPruner::new(None, -1, 0.0).is_err());
        assert!(PatientPruner::new(None, 1, -0.5).is_err());
        assert!(PatientPruner::new(None, 1, f64::NAN).is_err());
    }
}

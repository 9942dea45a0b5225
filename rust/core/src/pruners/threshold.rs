//! `ThresholdPruner`: prune a trial whose last intermediate value leaves `[lower, upper]` or
//! is NaN.

use super::{check_min, first_in_interval, reported, PruneCx, Pruner, Verdict};
use crate::error::{Error, Result};

#[derive(Debug, Clone)]
pub struct ThresholdPruner {
    lower: f64,
    upper: f64,
    n_warmup_steps: i64,
    interval_steps: i64,
}

impl ThresholdPruner {
    /// `None` bounds are open (minus or plus infinity); at least one must be given.
    pub fn new(lower: Option<f64>, upper: Option<f64>, n_warmup_steps: i64, interval_steps: i64) -> Result<Self> {
        if lower.is_none() && upper.is_none() {
            return Err(Error::InvalidValue("lower or upper must be given; pass lower=..., upper=... or both".into()));
        }
        for (name, v) in [("lower", lower), ("upper", upper)] {
            if v.is_some_and(f64::is_nan) {
                return Err(Error::InvalidValue(format!("{name} must be a number, got nan; pass a finite bound or None")));
            }
        }
        let lower = lower.unwrap_or(f64::NEG_INFINITY);
        let upper = upper.unwrap_or(f64::INFINITY);
        if lower > upper {
            return Err(Error::InvalidValue(format!("lower must be <= upper, got lower={lower}, upper={upper}; swap them")));
        }
        check_min("n_warmup_steps", n_warmup_steps, 0, "use 0 to allow pruning from the first step")?;
        check_min("interval_steps", interval_steps, 1, "use 1 to check at every step")?;
        Ok(ThresholdPruner { lower, upper, n_warmup_steps, interval_steps })
    }
}

impl Pruner for ThresholdPruner {
    fn prune(&self, cx: &PruneCx) -> Result<Verdict> {
        let iv = reported(cx);
        let Some(&(step, v)) = iv.last() else { return Ok(Verdict::keep()) };
        if step < self.n_warmup_steps || !first_in_interval(iv, self.n_warmup_steps, self.interval_steps) {
            return Ok(Verdict::keep());
        }
        Ok(Verdict::of(v.is_nan() || v < self.lower || v > self.upper))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::StudyDirection;
    use crate::history::TrialState::Running;
    use crate::pruners::testing::{add, history, judge};

    #[test]
    fn bounds_warmup_interval_and_nan() {
        let mut h = history(StudyDirection::Minimize);
        let p = ThresholdPruner::new(Some(0.0), Some(1.0), 0, 1).unwrap();
        for (curve, want) in [
            (vec![0.5], false),
            (vec![0.5, 1.5], true),
            (vec![0.5, -0.1], true),
            (vec![2.0, 0.5], false), // only the last value counts
            (vec![f64::NAN], true),
            (vec![0.0, 1.0], false), // bounds are inclusive
        ] {
            let r = add(&mut h, &curve, Running);
            assert_eq!(judge(&p, &h, r).prune, want, "{curve:?}");
        }
        let r = add(&mut h, &[5.0, 5.0], Running);
        assert!(!judge(&ThresholdPruner::new(None, Some(1.0), 2, 1).unwrap(), &h, r).prune, "step 1 < warm-up 2");
        let r = add(&mut h, &[5.0, 5.0, 5.0, 5.0], Running);
        // warm-up 0, interval 2: step 3 is not a check step (step 2 was)
        assert!(!judge(&ThresholdPruner::new(None, Some(1.0), 0, 2).unwrap(), &h, r).prune);
        assert!(judge(&ThresholdPruner::new(None, Some(1.0), 0, 1).unwrap(), &h, r).prune);
    }

    #[test]
    fn bad_arguments() {
        assert!(ThresholdPruner::new(None, None, 0, 1).is_err());
        assert!(ThresholdPruner::new(Some(2.0), Some(1.0), 0, 1).is_err());
        assert!(ThresholdPruner::new(Some(f64::NAN), None, 0, 1).is_err());
        assert!(ThresholdPruner::new(Some(0.0), None, -1, 1).is_err());
        assert!(ThresholdPruner::new(Some(0.0), None, 0, 0).is_err());
    }
}

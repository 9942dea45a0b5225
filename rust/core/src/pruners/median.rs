//! `MedianPruner`: the median stopping rule, the 50th percentile of [`PercentilePruner`].

use super::PercentilePruner;
use crate::error::Result;

impl PercentilePruner {
    /// Prunes a trial whose best intermediate value is worse than the median of the complete
    /// trials' values at the same step.
    pub fn median(n_startup_trials: i64, n_warmup_steps: i64, interval_steps: i64, n_min_trials: i64) -> Result<Self> {
        PercentilePruner::new(50.0, n_startup_trials, n_warmup_steps, interval_steps, n_min_trials)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::StudyDirection;
    use crate::history::TrialState::{Complete, Running};
    use crate::pruners::testing::{add, history, judge};

    #[test]
    fn median_of_an_odd_count_is_the_middle_value() {
        let p = PercentilePruner::median(0, 0, 1, 1).unwrap();
        assert_eq!(p.percentile(), 50.0);
        let mut h = history(StudyDirection::Minimize);
        for v in [3.0, 1.0, 2.0] {
            add(&mut h, &[v], Complete);
        }
        let at = add(&mut h, &[2.0], Running);
        assert!(!judge(&p, &h, at).prune);
        let above = add(&mut h, &[2.0 + 1e-12], Running);
        assert!(judge(&p, &h, above).prune);
    }
}

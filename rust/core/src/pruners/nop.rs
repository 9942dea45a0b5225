//! `NopPruner`: never prunes.

use super::{PruneCx, Pruner, Verdict};
use crate::error::Result;

#[derive(Debug, Default, Clone, Copy)]
pub struct NopPruner;

impl Pruner for NopPruner {
    fn prune(&self, _cx: &PruneCx) -> Result<Verdict> {
        Ok(Verdict::keep())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{StudyDirection, TrialState};
    use crate::pruners::testing::{add, history, judge};

    #[test]
    fn never_prunes() {
        let mut h = history(StudyDirection::Minimize);
        add(&mut h, &[0.0, 1.0], TrialState::Complete);
        let r = add(&mut h, &[f64::NAN, 1e9], TrialState::Running);
        assert!(!judge(&NopPruner, &h, r).prune);
    }
}

//! Partially fixed sampling: some parameters take values the user fixed, the rest come from
//! a base sampler, as Optuna's `PartialFixedSampler` does.

use std::sync::Arc;

use super::{NewTrial, Sampler};
use crate::error::{Error, Result};
use crate::history::TrialHistory;
use crate::space::{Choice, Distribution};
use crate::storage::log::warnings::Warnings;
use crate::storage::StudyId;

pub struct PartialFixedSampler {
    fixed: Vec<(String, Choice)>,
    base: Arc<dyn Sampler>,
    warnings: Warnings,
}

impl PartialFixedSampler {
    pub fn new(fixed: Vec<(String, Choice)>, base: Arc<dyn Sampler>) -> Result<Self> {
        for (i, (name, _)) in fixed.iter().enumerate() {
            if fixed[..i].iter().any(|(n, _)| n == name) {
                return Err(Error::InvalidValue(format!("fixed_params names '{name}' twice; give each parameter one value")));
            }
        }
        Ok(PartialFixedSampler { fixed, base, warnings: Warnings::default() })
    }

    fn fixed(&self, name: &str) -> Option<&Choice> {
        self.fixed.iter().find(|(n, _)| n == name).map(|(_, c)| c)
    }

    /// The internal value of fixed value `c` of `name`, taken as Optuna takes it: a number
    /// outside a numeric range (or a float for an int, truncated) is used with a warning; a
    /// value that is no choice of a categorical, or of the wrong type, is an error.
    fn internal(&self, name: &str, c: &Choice, dist: &Distribution) -> Result<f64> {
        let truncated = match (dist, c.as_f64()) {
            (Distribution::Int { .. }, Some(v)) if v.is_finite() && v != v.trunc() => Some(Choice::Int(v.trunc() as i64)),
            _ => None,
        };
        let (v, inside) = dist.to_internal_fixed(truncated.as_ref().unwrap_or(c)).ok_or_else(|| {
            Error::InvalidValue(format!(
                "fixed value {} of parameter '{name}' cannot be a value of {}; fix fixed_params['{name}']",
                c.repr(),
                dist.repr()
            ))
        })?;
        if !inside || truncated.is_some() {
            self.warnings.push(format!(
                "Fixed parameter '{name}' with value {} is out of range for distribution {}.",
                c.repr(),
                dist.repr()
            ));
        }
        Ok(v)
    }
}

impl Sampler for PartialFixedSampler {
    fn before_trial(&self, study: StudyId, h: &TrialHistory, trial: &mut NewTrial) -> Result<()> {
        self.base.before_trial(study, h, trial)
    }

    fn before_trial_claims(&self) -> bool {
        self.base.before_trial_claims()
    }

    fn is_exhausted(&self, study: StudyId, h: &TrialHistory) -> bool {
        self.base.is_exhausted(study, h)
    }

    /// The base sampler's joint parameters, less the fixed ones.
    fn relative_search_space(&self, study: StudyId, h: &TrialHistory) -> Vec<(String, Distribution)> {
        let mut space = self.base.relative_search_space(study, h);
        space.retain(|(n, _)| self.fixed(n).is_none());
        space
    }

    fn sample_relative(&self, study: StudyId, h: &TrialHistory, row: usize) -> Result<Vec<(String, f64, Distribution)>> {
        let mut rel = self.base.sample_relative(study, h, row)?;
        rel.retain(|(n, _, _)| self.fixed(n).is_none());
        Ok(rel)
    }

    fn sample_independent(&self, study: StudyId, h: &TrialHistory, row: usize, name: &str, dist: &Distribution) -> Result<f64> {
        match self.fixed(name) {
            Some(c) => self.internal(name, c, dist),
            None => self.base.sample_independent(study, h, row, name, dist),
        }
    }

    fn take_warnings(&self) -> Vec<String> {
        let mut w = self.warnings.drain();
        w.extend(self.base.take_warnings());
        w
    }

    /// Fixed values may lie outside the suggested range, as in Optuna (with a warning).
    fn proposes_fixed_values(&self) -> bool {
        true
    }

    fn after_trial(&self, study: StudyId, h: &TrialHistory, row: usize) {
        self.base.after_trial(study, h, row)
    }

    fn per_bracket(&self) -> bool {
        self.base.per_bracket()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{StudyDirection, TrialMeta, TrialState};
    use crate::samplers::RandomSampler;

    #[test]
    fn fixed_values_win_and_the_rest_come_from_the_base() {
        let base = Arc::new(RandomSampler::new(Some(7)));
        let s = PartialFixedSampler::new(vec![("y".into(), Choice::Int(5)), ("c".into(), Choice::Str("b".into()))], base.clone()).unwrap();
        let mut h = TrialHistory::new(vec![StudyDirection::Minimize]);
        h.push_trial(TrialState::Running, TrialMeta::default());
        let x = Distribution::Float { low: 0.0, high: 1.0, log: false, step: None };
        let y = Distribution::Int { low: 0, high: 3, log: false, step: 1 };
        let c = Distribution::Categorical { choices: vec![Choice::Str("a".into()), Choice::Str("b".into())] };
        assert_eq!(s.sample_independent(0, &h, 0, "x", &x).unwrap(), base.sample_independent(0, &h, 0, "x", &x).unwrap());
        assert_eq!(s.sample_independent(0, &h, 0, "c", &c).unwrap(), 1.0);
        assert!(s.take_warnings().is_empty());
        // outside the range: used, with a warning
        assert_eq!(s.sample_independent(0, &h, 0, "y", &y).unwrap(), 5.0);
        assert_eq!(s.take_warnings().len(), 1);
        // no choice of the categorical: refused, naming the parameter
        let other = Distribution::Categorical { choices: vec![Choice::Str("a".into())] };
        let e = s.sample_independent(0, &h, 0, "c", &other).unwrap_err();
        assert!(e.to_string().contains("fixed_params['c']"), "{e}");
        // a float fixed for an int is truncated, with a warning
        let s = PartialFixedSampler::new(vec![("y".into(), Choice::Float(0.5))], base).unwrap();
        assert_eq!(s.sample_independent(0, &h, 0, "y", &y).unwrap(), 0.0);
        assert_eq!(s.take_warnings().len(), 1);
    }
}

//! PED-ANOVA (Watanabe et al., IJCAI 2023) with conditional parameters handled by regimes
//! (conditional PED-ANOVA, KDD 2026), as Optuna 5's `PedAnovaImportanceEvaluator` computes it.
//!
//! A parameter's importance is the Pearson divergence between the Parzen estimator of its values
//! in the best `target_quantile` of the trials and in the best `region_quantile` (or the uniform
//! density over its grid), summed over the regimes the parameter lives in (one per distribution
//! it was drawn from; trials without it form the inactive regime, which adds nothing).

use super::select::{complete_rows, resolve_params, score, top_quantile};
use super::{grid, sort_descending, Importances};
use crate::history::{ParamColumn, TrialHistory};
use crate::{Error, Result};

/// The evaluator's settings (Optuna's constructor arguments and its fixed advanced settings).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PedAnova {
    pub target_quantile: f64,
    pub region_quantile: f64,
    pub evaluate_on_local: bool,
    /// Points of a numerical parameter's grid.
    pub n_steps: usize,
    /// Weight of the Parzen estimator's prior kernel.
    pub prior_weight: f64,
    /// Regimes with fewer trials are left out (with a warning).
    pub min_n_trials_in_regime: usize,
}

impl PedAnova {
    /// Checks `0 < target_quantile < region_quantile <= 1`; the second value is the warning
    /// Optuna gives when `region_quantile` has no effect.
    pub fn new(target_quantile: f64, region_quantile: f64, evaluate_on_local: bool) -> Result<(Self, Option<String>)> {
        if !(0.0 < target_quantile && target_quantile < region_quantile && region_quantile <= 1.0) {
            return Err(Error::InvalidValue(format!(
                "target_quantile={target_quantile}, region_quantile={region_quantile}: PED-ANOVA needs \
                 0 < target_quantile < region_quantile <= 1; pass quantiles in that order (defaults 0.1 and 1.0)"
            )));
        }
        let warning = (region_quantile != 1.0 && !evaluate_on_local)
            .then(|| "If `evaluate_on_local` is False, `region_quantile` has no effect.".to_string());
        let e = PedAnova { target_quantile, region_quantile, evaluate_on_local, n_steps: 50, prior_weight: 1.0, min_n_trials_in_regime: 2 };
        Ok((e, warning))
    }

    /// Importances of `params` (default: every parameter a complete trial used). `target`, when
    /// given, is `(trial number, value)` of the complete trials, lower being better; without it
    /// a single objective is read in its direction and several objectives rank trials by
    /// Pareto front.
    pub fn evaluate(&self, h: &TrialHistory, params: Option<&[String]>, target: Option<&[(usize, f64)]>) -> Result<Importances> {
        let complete = complete_rows(h);
        let columns = resolve_params(h, &complete, params)?;
        let names: Vec<String> = columns.iter().map(|c| c.name.clone()).collect();
        let zeros = |warnings: Vec<String>| Importances { values: names.iter().map(|n| (n.clone(), 0.0)).collect(), warnings };
        let scored = score(h, &complete, target);
        let mut warnings = Vec::new();
        if scored.rows.len() <= 1 {
            warnings.push("The number of trials is too small to compute importances. Parameter importances will be equal.".into());
            return Ok(zeros(warnings));
        }
        if target.is_some() && self.target_quantile < 1.0 {
            warnings.push(
                "PedAnovaImportanceEvaluator computes the importances of params to achieve low `target` values. \
                 If this is not what you want, please modify target, e.g., by multiplying the output by -1."
                    .into(),
            );
        }
        let top = top_quantile(h, &scored, self.target_quantile);
        let region = top_quantile(h, &scored, self.region_quantile);
        if top.len() == region.len() {
            warnings.push("Target and region quantiles select the same set of trials. Parameter importances will be equal.".into());
        }
        if top.is_empty() {
            return Ok(zeros(warnings));
        }
        let mut in_top = vec![false; h.n_trials()];
        for &r in &top {
            in_top[r] = true;
        }
        let quantile = top.len() as f64 / region.len() as f64;
        let mut values = Vec::with_capacity(columns.len());
        for col in columns {
            let v = self.importance(col, &region, &in_top, top.len(), &mut warnings);
            values.push((col.name.clone(), v * quantile * quantile));
        }
        sort_descending(&mut values);
        Ok(Importances { values, warnings })
    }

    /// One parameter's importance before the final `(|top| / |region|)^2` factor.
    fn importance(&self, col: &ParamColumn, region: &[usize], in_top: &[bool], n_top: usize, warnings: &mut Vec<String>) -> f64 {
        // Regimes in order of first appearance: `None` is the inactive one.
        let mut regimes: Vec<(Option<u32>, Vec<usize>)> = Vec::new();
        for &r in region {
            let key = col.get(r).map(|_| col.dist_idx[r]);
            match regimes.iter_mut().find(|(k, _)| *k == key) {
                Some((_, rows)) => rows.push(r),
                None => regimes.push((key, vec![r])),
            }
        }
        if regimes.iter().any(|(_, rows)| rows.len() < self.min_n_trials_in_regime) {
            warnings.push(format!(
                "Some regimes for parameter `{}` have less than {} trials. The importance of the parameter may be inaccurate.",
                col.name, self.min_n_trials_in_regime
            ));
        }
        let mut total = 0.0;
        for (key, rows) in regimes {
            let Some(d) = key else { continue };
            let dist = &col.distributions[d as usize];
            let n_top_regime = rows.iter().filter(|&&r| in_top[r]).count();
            if rows.len() < self.min_n_trials_in_regime || dist.single() || n_top_regime == 0 {
                continue;
            }
            let alpha = n_top_regime as f64 / n_top as f64;
            let beta = rows.len() as f64 / region.len() as f64;
            let top_counts = grid::counts(dist, rows.iter().filter(|&&r| in_top[r]).map(|&r| col.values[r]), self.n_steps);
            let p_top: Vec<f64> = grid::pdf(dist, &top_counts, self.prior_weight).into_iter().map(|p| p + 1e-12).collect();
            let p_local: Vec<f64> = if self.evaluate_on_local {
                let c = grid::counts(dist, rows.iter().map(|&r| col.values[r]), self.n_steps);
                grid::pdf(dist, &c, self.prior_weight).into_iter().map(|p| p + 1e-12).collect()
            } else {
                vec![1.0 / p_top.len() as f64; p_top.len()]
            };
            let divergence: f64 = p_top.iter().zip(&p_local).map(|(t, l)| l * (t / l - 1.0).powi(2)).sum();
            total += alpha * alpha / beta * divergence;
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{StudyDirection, TrialMeta, TrialState};
    use crate::space::Distribution;

    /// y = 10 x + 0.1 z on a grid of trials: x carries the importance, z next to none.
    fn study(n: usize) -> TrialHistory {
        let mut h = TrialHistory::new(vec![StudyDirection::Minimize]);
        let d = Distribution::Float { low: 0.0, high: 1.0, log: false, step: None };
        for i in 0..n {
            let r = h.push_trial(TrialState::Running, TrialMeta::default());
            let x = (i % 17) as f64 / 16.0;
            let z = (i % 13) as f64 / 12.0;
            h.set_param(r, "x", x, &d);
            h.set_param(r, "z", z, &d);
            h.set_state(r, TrialState::Complete, Some(&[10.0 * x + 0.1 * z]));
        }
        h
    }

    #[test]
    fn the_parameter_that_decides_the_value_is_the_most_important() {
        let (e, _) = PedAnova::new(0.1, 1.0, true).unwrap();
        let r = e.evaluate(&study(221), None, None).unwrap();
        assert_eq!(r.values[0].0, "x");
        assert!(r.values[0].1 > 20.0 * r.values[1].1, "{:?}", r.values);
    }

    #[test]
    fn quantiles_out_of_order_are_refused() {
        for (t, g) in [(0.0, 1.0), (0.5, 0.5), (0.1, 1.1), (f64::NAN, 1.0)] {
            assert!(matches!(PedAnova::new(t, g, true), Err(Error::InvalidValue(_))));
        }
        assert!(PedAnova::new(0.1, 0.5, false).unwrap().1.is_some());
    }

    #[test]
    fn unknown_params_are_named() {
        let (e, _) = PedAnova::new(0.1, 1.0, true).unwrap();
        let err = e.evaluate(&study(10), Some(&["x".into(), "w".into()]), None).unwrap_err().to_string();
        assert!(err.contains("['w']"), "{err}");
    }
}

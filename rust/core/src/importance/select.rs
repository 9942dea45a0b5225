//! Which trials and parameters an importance evaluation reads, and the trials' scores.

use std::collections::HashMap;

use crate::history::{ParamColumn, StudyDirection, TrialHistory, TrialState};
use crate::samplers::tpe::split::best_complete;
use crate::space::Distribution;
use crate::{Error, Result};

/// Rows of the study's COMPLETE trials, in trial order.
pub fn complete_rows(h: &TrialHistory) -> Vec<usize> {
    h.rows_in(TrialState::Complete).collect()
}

/// The parameters to assess: `params` when given (each must appear in a complete trial), else
/// every parameter some complete trial used, conditional ones included.
pub fn resolve_params<'h>(h: &'h TrialHistory, complete: &[usize], params: Option<&[String]>) -> Result<Vec<&'h ParamColumn>> {
    let used = |c: &ParamColumn| complete.iter().any(|&r| c.get(r).is_some());
    match params {
        None => Ok(h.columns.iter().filter(|c| used(c)).collect()),
        Some(names) => {
            let found: Vec<Option<&ParamColumn>> = names.iter().map(|n| h.column(n).filter(|c| used(c))).collect();
            let missing: Vec<String> = names.iter().zip(&found).filter(|(_, c)| c.is_none()).map(|(n, _)| format!("'{n}'")).collect();
            if !missing.is_empty() {
                let missing = missing.join(", ");
                return Err(Error::InvalidValue(format!(
                    "params: [{missing}] appear in no completed trial of this study, so their importance cannot be assessed; \
                     pass names of parameters that completed trials used, or params=None to assess them all"
                )));
            }
            Ok(found.into_iter().flatten().collect())
        }
    }
}

/// The trials that count and their losses (lower is better).
pub struct Scored {
    /// Complete rows whose target (or, without one, every objective) is finite, in trial order.
    pub rows: Vec<usize>,
    /// `loss[i]` of `rows[i]`: the target, or the single objective signed so that lower is
    /// better; empty for a multi-objective study without a target (ranked by Pareto fronts).
    pub loss: Vec<f64>,
}

/// Scores the complete trials. `target` holds `(trial number, target value)` for the trials the
/// caller evaluated its target on; a complete trial it did not see (it finished since) is left out.
pub fn score(h: &TrialHistory, complete: &[usize], target: Option<&[(usize, f64)]>) -> Scored {
    match target {
        Some(t) => {
            let by_row: HashMap<usize, f64> = t.iter().copied().collect();
            let (rows, loss) = complete.iter().filter_map(|&r| by_row.get(&r).filter(|v| v.is_finite()).map(|&v| (r, v))).unzip();
            Scored { rows, loss }
        }
        None => {
            let rows: Vec<usize> =
                complete.iter().copied().filter(|&r| h.values.iter().all(|col| col.get(r).is_some_and(|v| v.is_finite()))).collect();
            let loss = if h.directions.len() == 1 {
                let sign = if h.directions[0] == StudyDirection::Maximize { -1.0 } else { 1.0 };
                rows.iter().map(|&r| sign * h.values[0][r]).collect()
            } else {
                Vec::new()
            };
            Scored { rows, loss }
        }
    }
}

/// The best `quantile` of the scored trials, in trial order: every trial whose loss is at most
/// the `ceil(quantile * n)`-th smallest (ties kept, as Optuna's filter does), or for several
/// objectives without a target the best `ceil(quantile * n)` by non-domination rank and
/// hypervolume, as TPE splits them.
pub fn top_quantile(h: &TrialHistory, s: &Scored, quantile: f64) -> Vec<usize> {
    if quantile >= 1.0 {
        return s.rows.clone();
    }
    let k = ((quantile * s.rows.len() as f64).ceil() as usize).max(1);
    if s.loss.is_empty() {
        let mut top = best_complete(h, &s.rows, k);
        top.sort_unstable();
        return top;
    }
    let mut sorted = s.loss.clone();
    let (_, cutoff, _) = sorted.select_nth_unstable_by(k - 1, f64::total_cmp);
    let cutoff = *cutoff;
    s.rows.iter().zip(&s.loss).filter(|(_, l)| **l <= cutoff).map(|(r, _)| *r).collect()
}

/// The parameters a forest-based evaluator assesses, with their one distribution, sorted by
/// name: `params` (each complete trial that has them all must have drawn each from the same
/// distribution, and at least one must have them all), else every parameter that every
/// complete trial drew from one same distribution (Optuna's intersection search space).
pub fn forest_space<'h>(
    h: &'h TrialHistory,
    complete: &[usize],
    params: Option<&[String]>,
) -> Result<Vec<(&'h ParamColumn, &'h Distribution)>> {
    let mut out: Vec<(&ParamColumn, &Distribution)> = Vec::new();
    match params {
        None => {
            for c in &h.columns {
                let mut dist: Option<u32> = None;
                let ok = !complete.is_empty()
                    && complete.iter().all(|&r| match c.get(r) {
                        None => false,
                        Some(_) => *dist.get_or_insert(c.dist_idx[r]) == c.dist_idx[r],
                    });
                if ok {
                    out.push((c, &c.distributions[dist.unwrap_or(0) as usize]));
                }
            }
        }
        Some(names) => {
            if names.is_empty() {
                return Ok(out);
            }
            let cols: Vec<Option<&ParamColumn>> = names.iter().map(|n| h.column(n)).collect();
            let with_all: Vec<usize> =
                complete.iter().copied().filter(|&r| cols.iter().all(|c| c.is_some_and(|c| c.get(r).is_some()))).collect();
            let Some(&first) = with_all.first() else {
                return Err(Error::InvalidValue(format!(
                    "params: no completed trial has all of {names:?}; pass parameters that completed trials used together, or params=None"
                )));
            };
            for (n, c) in names.iter().zip(cols) {
                let c = c.expect("checked above");
                if with_all.iter().any(|&r| c.dist_idx[r] != c.dist_idx[first]) {
                    return Err(Error::InvalidValue(format!(
                        "params: '{n}' was drawn from different distributions in the completed trials (a dynamic search space), \
                         which this evaluator cannot assess; use PedAnovaImportanceEvaluator, or params without '{n}'"
                    )));
                }
                if !out.iter().any(|(o, _)| o.name == c.name) {
                    out.push((c, c.distribution(first)));
                }
            }
        }
    }
    out.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    Ok(out)
}

//! The forest-based evaluators, `FanovaImportanceEvaluator` and
//! `MeanDecreaseImpurityImportanceEvaluator`: a random forest fitted to the trials' parameters
//! (numerical ones as they are, categoricals one-hot) and targets, read by fANOVA or by the
//! impurity each parameter's splits remove.

use super::fanova::FanovaTree;
use super::forest::{self, Data, Tree};
use super::select::{complete_rows, forest_space};
use super::{sort_descending, Importances};
use crate::history::TrialHistory;
use crate::space::Distribution;
use crate::{Error, Result};

/// Which reading of the forest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Fanova,
    MeanDecreaseImpurity,
}

/// The forest's settings (Optuna's constructor arguments).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ForestImportance {
    pub method: Method,
    pub n_trees: usize,
    pub max_depth: usize,
    pub seed: u64,
}

impl ForestImportance {
    pub fn new(method: Method, n_trees: i64, max_depth: i64, seed: u64) -> Result<Self> {
        if n_trees < 1 || max_depth < 1 {
            return Err(Error::InvalidValue(format!(
                "n_trees={n_trees}, max_depth={max_depth}: the forest needs at least one tree of depth at least 1; pass positive values (defaults 64 and 64)"
            )));
        }
        Ok(ForestImportance { method, n_trees: n_trees as usize, max_depth: max_depth as usize, seed })
    }

    /// Importances of `params` (default: the parameters every complete trial used with one
    /// distribution). `target` is `(trial number, value)` of the complete trials; a study with
    /// several objectives needs one.
    pub fn evaluate(&self, h: &TrialHistory, params: Option<&[String]>, target: Option<&[(usize, f64)]>) -> Result<Importances> {
        if target.is_none() && h.directions.len() > 1 {
            return Err(Error::InvalidValue(
                "target: this study has several objectives; pass target=lambda t: t.values[0] (or another objective's index) to assess one of them".into(),
            ));
        }
        let complete = complete_rows(h);
        let space = forest_space(h, &complete, params)?;
        let zeros = |names: &[&str]| Importances { values: names.iter().map(|n| (n.to_string(), 0.0)).collect(), warnings: Vec::new() };
        let names: Vec<&str> = space.iter().map(|(c, _)| c.name.as_str()).collect();
        // fANOVA leaves out parameters with a single value (their importance is 0).
        let assessed: Vec<usize> =
            (0..space.len()).filter(|&i| self.method == Method::MeanDecreaseImpurity || !space[i].1.single()).collect();
        if names.is_empty() || assessed.is_empty() {
            return Ok(zeros(&names));
        }
        // The trials: complete, with every assessed parameter, and a finite target.
        let by_row: Option<std::collections::HashMap<usize, f64>> = target.map(|t| t.iter().copied().collect());
        let mut rows = Vec::new();
        let mut y = Vec::new();
        for &r in &complete {
            if !space.iter().all(|(c, _)| c.get(r).is_some()) {
                continue;
            }
            let v = match &by_row {
                Some(m) => match m.get(&r) {
                    Some(v) => *v,
                    None => continue,
                },
                None => h.values[0][r],
            };
            if v.is_finite() {
                rows.push(r);
                y.push(v);
            }
        }
        if rows.len() <= 1 {
            return Ok(zeros(&names));
        }
        // Encoded columns, their bounds, and the parameter each belongs to.
        let (mut x, mut bounds, mut owner) = (Vec::new(), Vec::new(), Vec::new());
        for &i in &assessed {
            let (col, dist) = space[i];
            match dist {
                Distribution::Categorical { choices } => {
                    for c in 0..choices.len() {
                        x.push(rows.iter().map(|&r| if col.values[r] as usize == c { 1.0 } else { 0.0 }).collect());
                        bounds.push([0.0, 1.0]);
                        owner.push(i);
                    }
                }
                Distribution::Float { low, high, .. } => {
                    x.push(rows.iter().map(|&r| col.values[r]).collect());
                    bounds.push([*low, *high]);
                    owner.push(i);
                }
                Distribution::Int { low, high, .. } => {
                    x.push(rows.iter().map(|&r| col.values[r]).collect());
                    bounds.push([*low as f64, *high as f64]);
                    owner.push(i);
                }
            }
        }
        let trees = forest::fit(&Data { x: &x, y: &y }, self.n_trees, self.max_depth, self.seed);
        let per_param = match self.method {
            Method::Fanova => fanova(&trees, &bounds, &owner, &assessed)?,
            Method::MeanDecreaseImpurity => mean_decrease_impurity(&trees, bounds.len(), &owner, &assessed),
        };
        let mut values: Vec<(String, f64)> = assessed.iter().zip(per_param).map(|(&i, v)| (names[i].to_string(), v)).collect();
        values.extend((0..space.len()).filter(|i| !assessed.contains(i)).map(|i| (names[i].to_string(), 0.0)));
        sort_descending(&mut values);
        Ok(Importances { values, warnings: Vec::new() })
    }
}

/// Each parameter's mean share of a tree's variance explained by its marginal, over the trees
/// with any variance.
fn fanova(trees: &[Tree], bounds: &[[f64; 2]], owner: &[usize], assessed: &[usize]) -> Result<Vec<f64>> {
    let prepared: Vec<FanovaTree> = trees.iter().map(|t| FanovaTree::new(t, bounds)).filter(|t| t.variance > 0.0).collect();
    if prepared.is_empty() {
        return Err(Error::InvalidValue(
            "the target is the same in every trial assessed, so no parameter explains any of its variance; \
             assess a study whose target varies (or another target)"
                .into(),
        ));
    }
    let groups: Vec<Vec<usize>> = assessed.iter().map(|&p| (0..owner.len()).filter(|&f| owner[f] == p).collect()).collect();
    let shares = crate::gp::parallel::map(prepared.len(), |t| {
        let tree = &prepared[t];
        groups.iter().map(|g| tree.marginal_variance(g) / tree.variance).collect::<Vec<f64>>()
    });
    Ok((0..groups.len()).map(|g| shares.iter().map(|s| s[g]).sum::<f64>() / shares.len() as f64).collect())
}

/// scikit-learn's `feature_importances_` (each tree's impurity decrease per feature, weighted
/// by samples and normalized, averaged over the trees and normalized), summed per parameter.
fn mean_decrease_impurity(trees: &[Tree], d: usize, owner: &[usize], assessed: &[usize]) -> Vec<f64> {
    let mut total = vec![0.0; d];
    let mut n_used = 0usize;
    for t in trees {
        if t.nodes.len() <= 1 {
            continue;
        }
        n_used += 1;
        let mut imp = vec![0.0; d];
        for n in &t.nodes {
            if n.feature >= 0 {
                let (l, r) = (&t.nodes[n.left as usize], &t.nodes[n.right as usize]);
                imp[n.feature as usize] += n.n * n.impurity - l.n * l.impurity - r.n * r.impurity;
            }
        }
        let s: f64 = imp.iter().sum();
        if s > 0.0 {
            for (a, v) in total.iter_mut().zip(&imp) {
                *a += v / s;
            }
        }
    }
    if n_used > 0 {
        let s: f64 = total.iter().sum();
        if s > 0.0 {
            total.iter_mut().for_each(|v| *v /= s);
        }
    }
    assessed.iter().map(|&p| (0..d).filter(|&f| owner[f] == p).map(|f| total[f]).sum()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{StudyDirection, TrialMeta, TrialState};

    /// y = 10 x + z on a grid: x explains most of the variance, w none.
    fn study() -> TrialHistory {
        let mut h = TrialHistory::new(vec![StudyDirection::Minimize]);
        let d = Distribution::Float { low: 0.0, high: 1.0, log: false, step: None };
        for i in 0..200 {
            let r = h.push_trial(TrialState::Running, TrialMeta::default());
            let (x, z, w) = ((i % 17) as f64 / 16.0, (i % 13) as f64 / 12.0, (i % 7) as f64 / 6.0);
            h.set_param(r, "x", x, &d);
            h.set_param(r, "z", z, &d);
            h.set_param(r, "w", w, &d);
            h.set_state(r, TrialState::Complete, Some(&[10.0 * x + z]));
        }
        h
    }

    #[test]
    fn both_readings_rank_the_parameters_by_their_effect() {
        for method in [Method::Fanova, Method::MeanDecreaseImpurity] {
            let e = ForestImportance::new(method, 16, 64, 7).unwrap();
            let r = e.evaluate(&study(), None, None).unwrap();
            let names: Vec<&str> = r.values.iter().map(|v| v.0.as_str()).collect();
            assert_eq!(names, ["x", "z", "w"], "{method:?}: {:?}", r.values);
            assert!(r.values[2].1 < 0.01, "{method:?}: {:?}", r.values);
            assert_eq!(r, e.evaluate(&study(), None, None).unwrap(), "same seed, same forest");
        }
    }

    #[test]
    fn fanova_of_a_single_split_is_exact() {
        // One split at 0.5 of a uniform feature: the marginal is the whole variance.
        let x = vec![vec![0.0, 0.25, 0.75, 1.0]];
        let y = vec![0.0, 0.0, 1.0, 1.0];
        let tree = forest::grow_all(&Data { x: &x, y: &y }, 1);
        let t = FanovaTree::new(&tree, &[[0.0, 1.0]]);
        assert!((t.variance - 0.25).abs() < 1e-12);
        assert!((t.marginal_variance(&[0]) - 0.25).abs() < 1e-12);
    }
}

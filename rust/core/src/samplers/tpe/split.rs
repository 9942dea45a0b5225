//! Observations of a search space and their split into the "below" and "above" groups.

use super::hypervolume::{greedy_subset, nondomination_ranks};
use crate::history::{StudyDirection, TrialHistory, TrialState};
use crate::space::Distribution;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Complete,
    Pruned,
    Infeasible,
    Running,
}

/// The trials usable for one space: those with every parameter of it, in row order.
pub struct Observations {
    pub rows: Vec<usize>,
    pub kinds: Vec<Kind>,
    /// Row-major (observation, dimension) internal values.
    xs: Vec<f64>,
    dims: usize,
    violations: Vec<f64>,
}

impl Observations {
    pub fn value(&self, i: usize, d: usize) -> f64 {
        self.xs[i * self.dims + d]
    }

    /// Observations that count in `gamma(n)`: all but running trials.
    pub fn n_finished(&self) -> usize {
        self.kinds.iter().filter(|k| **k != Kind::Running).count()
    }
}

pub fn observations(h: &TrialHistory, current: usize, space: &[(String, Distribution)], liar: bool, violations: &[f64]) -> Observations {
    // Per dimension: the column and which of its distributions are the one asked for
    // (categorical indices are only comparable under the same choices).
    let cols: Vec<Option<(&crate::history::ParamColumn, Vec<bool>)>> = space
        .iter()
        .map(|(n, d)| h.column(n).map(|c| (c, c.distributions.iter().map(|cd| cd == d).collect())))
        .collect();
    let dims = space.len();
    let mut out = Observations { rows: Vec::new(), kinds: Vec::new(), xs: Vec::new(), dims, violations: Vec::new() };
    if cols.iter().any(|c| c.is_none()) {
        return out;
    }
    let mut buf = vec![0.0; dims];
    'rows: for r in 0..h.n_trials() {
        if r == current {
            continue;
        }
        let kind = match h.states[r] {
            TrialState::Complete => Kind::Complete,
            TrialState::Pruned => Kind::Pruned,
            TrialState::Running if liar => Kind::Running,
            _ => continue,
        };
        for (d, c) in cols.iter().enumerate() {
            let (col, same) = c.as_ref().expect("checked above");
            let Some(v) = col.get(r) else { continue 'rows };
            let ok = same[col.dist_idx[r] as usize]
                || !matches!(space[d].1, Distribution::Categorical { .. }) && space[d].1.contains(v);
            if !ok {
                continue 'rows;
            }
            buf[d] = v;
        }
        let viol = if kind == Kind::Running { 0.0 } else { violations.get(r).copied().unwrap_or(0.0) };
        out.rows.push(r);
        out.kinds.push(if viol > 0.0 { Kind::Infeasible } else { kind });
        out.violations.push(viol);
        out.xs.extend_from_slice(&buf);
    }
    out
}

/// Splits observations into (below, above), each a list of observation indices in row order.
/// Below: the best `n_below` complete trials (by value, or by non-domination rank and
/// hypervolume for several objectives), then the most advanced pruned trials, then the least
/// infeasible ones. Above: everything else, running trials included.
pub fn split(h: &TrialHistory, obs: &Observations, n_below: usize) -> (Vec<usize>, Vec<usize>) {
    let n = obs.rows.len();
    let mut is_below = vec![false; n];
    let mut left = n_below;
    let of = |k: Kind| -> Vec<usize> { (0..n).filter(|&i| obs.kinds[i] == k).collect() };

    let complete = of(Kind::Complete);
    let take = left.min(complete.len());
    if take > 0 {
        for i in best_complete(h, obs, &complete, take) {
            is_below[i] = true;
        }
    }
    left -= take;

    let mut pruned = of(Kind::Pruned);
    if left > 0 && !pruned.is_empty() {
        let dir = h.directions[0];
        let score = |i: usize| -> (f64, f64) {
            match h.meta[obs.rows[i]].intermediate.last() {
                Some(&(step, v)) if v.is_nan() => (-(step as f64), f64::INFINITY),
                Some(&(step, v)) => (-(step as f64), if dir == StudyDirection::Maximize { -v } else { v }),
                None => (1.0, 0.0),
            }
        };
        pruned.sort_by(|&a, &b| score(a).partial_cmp(&score(b)).unwrap_or(std::cmp::Ordering::Equal).then(a.cmp(&b)));
        let take = left.min(pruned.len());
        for &i in &pruned[..take] {
            is_below[i] = true;
        }
        left -= take;
    }

    let mut infeasible = of(Kind::Infeasible);
    if left > 0 && !infeasible.is_empty() {
        infeasible.sort_by(|&a, &b| obs.violations[a].total_cmp(&obs.violations[b]).then(a.cmp(&b)));
        for &i in infeasible.iter().take(left) {
            is_below[i] = true;
        }
    }
    let below = (0..n).filter(|&i| is_below[i]).collect();
    let above = (0..n).filter(|&i| !is_below[i]).collect();
    (below, above)
}

/// Objective values turned into losses (maximized objectives negated).
fn losses(h: &TrialHistory, row: usize) -> Vec<f64> {
    h.directions
        .iter()
        .enumerate()
        .map(|(k, d)| if *d == StudyDirection::Maximize { -h.values[k][row] } else { h.values[k][row] })
        .collect()
}

fn best_complete(h: &TrialHistory, obs: &Observations, complete: &[usize], k: usize) -> Vec<usize> {
    if k >= complete.len() {
        return complete.to_vec();
    }
    if h.directions.len() == 1 {
        // The k smallest losses, ties to the older trial: an O(n) selection.
        let mut keyed: Vec<(f64, usize)> = complete.iter().map(|&i| (losses(h, obs.rows[i])[0], i)).collect();
        keyed.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        return keyed[..k].iter().map(|x| x.1).collect();
    }
    let pts: Vec<Vec<f64>> = complete.iter().map(|&i| losses(h, obs.rows[i])).collect();
    let ranks = nondomination_ranks(&pts, k);
    // Whole fronts while they fit, then a hypervolume-greedy subset of the next front.
    let mut by_rank: Vec<usize> = (0..pts.len()).filter(|&i| ranks[i] != usize::MAX).collect();
    by_rank.sort_by_key(|&i| ranks[i]);
    let mut chosen = Vec::with_capacity(k);
    let mut r = 0;
    loop {
        let front: Vec<usize> = by_rank.iter().copied().filter(|&i| ranks[i] == r).collect();
        if front.is_empty() {
            break;
        }
        if chosen.len() + front.len() <= k {
            chosen.extend(front);
            r += 1;
            continue;
        }
        let need = k - chosen.len();
        let fpts: Vec<Vec<f64>> = front.iter().map(|&i| pts[i].clone()).collect();
        let m = fpts[0].len();
        // Reference point: the front's worst corner pushed outward by 10% (Optuna's rule).
        let reference: Vec<f64> = (0..m)
            .map(|j| {
                let w = fpts.iter().map(|p| p[j]).fold(f64::NEG_INFINITY, f64::max);
                let r = (1.1 * w).max(0.9 * w);
                if r == 0.0 { 1e-12 } else { r }
            })
            .collect();
        for s in greedy_subset(&fpts, need, &reference) {
            chosen.push(front[s]);
        }
        break;
    }
    chosen.into_iter().map(|i| complete[i]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::TrialMeta;

    fn study(dirs: Vec<StudyDirection>, vals: &[&[f64]], states: &[TrialState]) -> TrialHistory {
        let mut h = TrialHistory::new(dirs);
        let d = Distribution::Float { low: 0.0, high: 1.0, log: false, step: None };
        for (v, s) in vals.iter().zip(states) {
            let r = h.push_trial(TrialState::Running, TrialMeta::default());
            h.set_param(r, "x", r as f64 / 100.0, &d);
            if *s != TrialState::Running {
                h.set_state(r, *s, if v.is_empty() { None } else { Some(v) });
            }
        }
        h
    }

    fn space() -> Vec<(String, Distribution)> {
        vec![("x".into(), Distribution::Float { low: 0.0, high: 1.0, log: false, step: None })]
    }

    #[test]
    fn best_values_go_below_then_pruned_by_progress() {
        use TrialState::*;
        let mut h = study(vec![StudyDirection::Maximize], &[&[1.0], &[5.0], &[], &[3.0], &[], &[]], &[Complete, Complete, Pruned, Complete, Pruned, Running]);
        h.set_intermediate(2, 3, 0.5);
        h.set_intermediate(4, 7, 0.1);
        let obs = observations(&h, 99, &space(), true, &[]);
        assert_eq!(obs.rows, vec![0, 1, 2, 3, 4, 5]);
        let (below, above) = split(&h, &obs, 2);
        assert_eq!(below, vec![1, 3]);
        assert_eq!(above, vec![0, 2, 4, 5]);
        // 4 below: all complete but the worst... complete are 3, then the pruned trial that got furthest
        let (below, _) = split(&h, &obs, 4);
        assert_eq!(below, vec![0, 1, 3, 4]);
        // without the liar the running trial is not observed
        assert_eq!(observations(&h, 99, &space(), false, &[]).rows.len(), 5);
    }

    #[test]
    fn infeasible_trials_rank_after_feasible_ones() {
        use TrialState::*;
        let h = study(vec![StudyDirection::Minimize], &[&[0.0], &[1.0], &[2.0]], &[Complete, Complete, Complete]);
        let obs = observations(&h, 99, &space(), false, &[5.0, 0.0, 0.0]);
        let (below, _) = split(&h, &obs, 2);
        assert_eq!(below, vec![1, 2]);
    }

    #[test]
    fn multi_objective_split_uses_fronts() {
        use TrialState::*;
        let dirs = vec![StudyDirection::Minimize, StudyDirection::Minimize];
        let h = study(dirs, &[&[1.0, 4.0], &[2.0, 2.0], &[4.0, 1.0], &[3.0, 3.0], &[5.0, 5.0]], &[Complete; 5]);
        let obs = observations(&h, 99, &space(), false, &[]);
        let (below, _) = split(&h, &obs, 3);
        assert_eq!(below, vec![0, 1, 2]);
        let (below, _) = split(&h, &obs, 4);
        assert_eq!(below, vec![0, 1, 2, 3]);
    }
}

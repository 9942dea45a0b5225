//! The split of the trials into the "below" group (the best `gamma(n)`) and the "above" group.
//!
//! As in Optuna, the split is made once over every finished trial, whatever parameters it has;
//! each estimator then keeps the trials that have the parameters it models. Running trials (with
//! the constant liar) join the above group.

use super::columns::Bits;
use super::hypervolume::{greedy_subset, nondomination_ranks};
use super::space::SpaceCache;
use crate::history::{StudyDirection, TrialHistory, TrialState};

pub struct Split {
    /// Rows of the below group, increasing.
    pub below: Vec<usize>,
    /// Finished rows of the above group.
    pub above: Bits,
}

/// Splits the finished trials other than `current` with `n_below` trials below.
/// `violations[row]` > 0 marks an infeasible trial.
/// Below: the best complete trials (by value, or by non-domination rank and hypervolume for
/// several objectives), then the most advanced pruned trials, then the least infeasible ones.
pub fn split(h: &TrialHistory, current: usize, violations: &[f64], n_below: usize) -> Split {
    let n_rows = h.n_trials();
    let (mut complete, mut pruned, mut infeasible) = (Vec::new(), Vec::new(), Vec::new());
    let mut above = Bits::with_rows(n_rows);
    for r in 0..n_rows {
        if r == current {
            continue;
        }
        let state = h.states[r];
        if !matches!(state, TrialState::Complete | TrialState::Pruned) {
            continue;
        }
        above.insert(r);
        if violations.get(r).is_some_and(|v| *v > 0.0) {
            infeasible.push(r);
        } else if state == TrialState::Complete {
            complete.push(r);
        } else {
            pruned.push(r);
        }
    }
    let mut left = n_below;
    let mut below = Vec::with_capacity(left.min(complete.len() + pruned.len() + infeasible.len()));

    let take = left.min(complete.len());
    if take > 0 {
        below.extend(best_complete(h, &complete, take));
    }
    left -= take;

    if left > 0 && !pruned.is_empty() {
        let dir = h.directions[0];
        let score = |r: usize| -> (f64, f64) {
            match h.meta[r].intermediate.last() {
                Some(&(step, v)) if v.is_nan() => (-(step as f64), f64::INFINITY),
                Some(&(step, v)) => (-(step as f64), if dir == StudyDirection::Maximize { -v } else { v }),
                None => (1.0, 0.0),
            }
        };
        pruned.sort_by(|&a, &b| score(a).partial_cmp(&score(b)).unwrap_or(std::cmp::Ordering::Equal).then(a.cmp(&b)));
        let take = left.min(pruned.len());
        below.extend_from_slice(&pruned[..take]);
        left -= take;
    }

    if left > 0 && !infeasible.is_empty() {
        infeasible.sort_by(|&a, &b| violations[a].total_cmp(&violations[b]).then(a.cmp(&b)));
        below.extend(infeasible.iter().take(left));
    }
    below.sort_unstable();
    for &r in &below {
        above.remove(r);
    }
    Split { below, above }
}

/// The split from the space cache's incrementally ranked trials, when the best complete
/// feasible trials alone fill the below group of `n_below` (single objective): O(k + n/64)
/// instead of a pass over the history. `None` when the full `split` is needed; the same result
/// otherwise.
pub fn split_fast(space: &SpaceCache, current: usize, n_below: usize) -> Option<Split> {
    if n_below > space.ranked.len() || space.finished.contains(current) {
        return None;
    }
    let mut below: Vec<usize> = space.ranked[..n_below].iter().map(|&(_, r)| r as usize).collect();
    below.sort_unstable();
    let mut above = space.finished.clone();
    for &r in &below {
        above.remove(r);
    }
    Some(Split { below, above })
}

/// Objective values turned into losses (maximized objectives negated).
fn losses(h: &TrialHistory, row: usize) -> Vec<f64> {
    h.directions
        .iter()
        .enumerate()
        .map(|(k, d)| if *d == StudyDirection::Maximize { -h.values[k][row] } else { h.values[k][row] })
        .collect()
}

pub(crate) fn best_complete(h: &TrialHistory, complete: &[usize], k: usize) -> Vec<usize> {
    if k >= complete.len() {
        return complete.to_vec();
    }
    if h.directions.len() == 1 {
        // The k smallest losses, ties to the older trial: an O(n) selection.
        let flip = h.directions[0] == StudyDirection::Maximize;
        let mut keyed: Vec<(f64, usize)> = complete.iter().map(|&i| (if flip { -h.values[0][i] } else { h.values[0][i] }, i)).collect();
        keyed.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        return keyed[..k].iter().map(|x| x.1).collect();
    }
    let pts: Vec<Vec<f64>> = complete.iter().map(|&i| losses(h, i)).collect();
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
                if r == 0.0 {
                    1e-12
                } else {
                    r
                }
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
    use crate::space::Distribution;

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

    #[test]
    fn best_values_go_below_then_pruned_by_progress() {
        use TrialState::*;
        let mut h = study(
            vec![StudyDirection::Maximize],
            &[&[1.0], &[5.0], &[], &[3.0], &[], &[]],
            &[Complete, Complete, Pruned, Complete, Pruned, Running],
        );
        h.set_intermediate(2, 3, 0.5);
        h.set_intermediate(4, 7, 0.1);
        let s = split(&h, 99, &[], 2);
        assert_eq!(s.below, vec![1, 3]);
        assert_eq!(s.above.iter().collect::<Vec<_>>(), vec![0, 2, 4]);
        // 4 below: all complete ones, then the pruned trial that got furthest
        let s = split(&h, 99, &[], 4);
        assert_eq!(s.below, vec![0, 1, 3, 4]);
        // the trial being sampled is never observed
        let s = split(&h, 1, &[], 1);
        assert_eq!(s.below, vec![3]);
    }

    #[test]
    fn infeasible_trials_rank_after_feasible_ones() {
        use TrialState::*;
        let h = study(vec![StudyDirection::Minimize], &[&[0.0], &[1.0], &[2.0]], &[Complete, Complete, Complete]);
        let s = split(&h, 99, &[5.0, 0.0, 0.0], 2);
        assert_eq!(s.below, vec![1, 2]);
        let s = split(&h, 99, &[5.0, 0.0, 0.0], 3);
        assert_eq!(s.below, vec![0, 1, 2]);
    }

    #[test]
    fn multi_objective_split_uses_fronts() {
        use TrialState::*;
        let dirs = vec![StudyDirection::Minimize, StudyDirection::Minimize];
        let h = study(dirs, &[&[1.0, 4.0], &[2.0, 2.0], &[4.0, 1.0], &[3.0, 3.0], &[5.0, 5.0]], &[Complete; 5]);
        assert_eq!(split(&h, 99, &[], 3).below, vec![0, 1, 2]);
        assert_eq!(split(&h, 99, &[], 4).below, vec![0, 1, 2, 3]);
    }

    #[test]
    fn fast_split_equals_the_full_split() {
        use TrialState::*;
        let mut rng = crate::rng::stream(4, 0, "split");
        for dir in [StudyDirection::Minimize, StudyDirection::Maximize] {
            let mut h = TrialHistory::new(vec![dir]);
            let mut space = SpaceCache::new();
            let d = Distribution::Float { low: 0.0, high: 1.0, log: false, step: None };
            for i in 0..400 {
                let r = h.push_trial(Running, TrialMeta::default());
                h.set_param(r, "x", 0.5, &d);
                // repeated values: ties go to the older trial
                let v = (crate::rng::uniform01(&mut rng) * 50.0).floor();
                match i % 9 {
                    0 => h.set_state(r, Pruned, None),
                    1 => h.set_state(r, Fail, None),
                    2 => {}
                    _ => h.set_state(r, Complete, Some(&[v])),
                }
                space.update(&h);
                let current = h.push_trial(Running, TrialMeta::default());
                for k in [0, 1, 5, 25, 60] {
                    let full = split(&h, current, &space.violations, k);
                    if let Some(fast) = split_fast(&space, current, k) {
                        assert_eq!(fast.below, full.below, "{dir:?} step {i} k {k}");
                        assert_eq!(fast.above.iter().collect::<Vec<_>>(), full.above.iter().collect::<Vec<_>>());
                    } else {
                        assert!(k > space.ranked.len());
                    }
                }
                h.set_state(current, Fail, None);
            }
        }
    }
}

//! Pareto front of a multi-objective study.

use crate::history::{StudyDirection, TrialHistory, TrialState};

/// True when `a` dominates `b`: no worse in every objective and better in one.
pub fn dominates(a: &[f64], b: &[f64], directions: &[StudyDirection]) -> bool {
    let mut strictly = false;
    for ((x, y), d) in a.iter().zip(b).zip(directions) {
        if d.better(*y, *x) {
            return false;
        }
        if d.better(*x, *y) {
            strictly = true;
        }
    }
    strictly
}

/// Rows of the complete trials that no other complete trial dominates, in row order.
pub fn pareto_rows(h: &TrialHistory) -> Vec<usize> {
    let k = h.directions.len();
    let point = |r: usize| -> Vec<f64> { (0..k).map(|j| h.values[j][r]).collect() };
    let mut front: Vec<(usize, Vec<f64>)> = Vec::new();
    // As in Optuna, infeasible trials are left out when the study has constraints.
    for r in h.rows_in(TrialState::Complete).filter(|&r| crate::history::constraints::feasible(&h.meta[r].system_attrs)) {
        let p = point(r);
        if front.iter().any(|(_, q)| dominates(q, &p, &h.directions)) {
            continue;
        }
        front.retain(|(_, q)| !dominates(&p, q, &h.directions));
        front.push((r, p));
    }
    let mut rows: Vec<usize> = front.into_iter().map(|(r, _)| r).collect();
    rows.sort_unstable();
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::TrialMeta;

    #[test]
    fn front_of_min_max() {
        let mut h = TrialHistory::new(vec![StudyDirection::Minimize, StudyDirection::Maximize]);
        let pts = [[1.0, 1.0], [2.0, 3.0], [1.5, 0.5], [3.0, 3.0], [0.5, 0.0]];
        for p in pts {
            let r = h.push_trial(TrialState::Running, TrialMeta::default());
            h.set_state(r, TrialState::Complete, Some(&p));
        }
        // [1.5,0.5] is dominated by [1,1]; [3,3] by [2,3].
        assert_eq!(pareto_rows(&h), vec![0, 1, 4]);
    }
}

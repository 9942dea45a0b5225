//! Hypervolume of a multi-objective study's history, complete trial by complete trial
//! (Optuna's `plot_hypervolume_history`), computed incrementally: each trial adds only what its
//! box covers beyond the current Pareto front.

use crate::error::{Error, Result};
use crate::history::{StudyDirection, TrialHistory, TrialState};
use crate::samplers::tpe::hypervolume::hypervolume;

/// A study's complete trials as points to minimize (maximized objectives negated).
#[derive(Debug, Clone, Default)]
pub struct CompletedPoints {
    /// Trial rows (= trial numbers), in order.
    pub rows: Vec<usize>,
    /// Each row's objective values, signed so that every objective is minimized.
    pub points: Vec<Vec<f64>>,
    /// Whether each row satisfies its constraints (a trial without any does).
    pub feasible: Vec<bool>,
    /// The study's directions.
    pub directions: Vec<StudyDirection>,
}

impl CompletedPoints {
    /// Reads the complete trials of `h` (cheap: meant to run under the storage's lock, with
    /// the hypervolume computed after it is released).
    pub fn of(h: &TrialHistory) -> Self {
        let k = h.directions.len();
        let sign: Vec<f64> = h.directions.iter().map(|d| if *d == StudyDirection::Maximize { -1.0 } else { 1.0 }).collect();
        let rows: Vec<usize> = h.rows_in(TrialState::Complete).collect();
        let points = rows.iter().map(|&r| (0..k).map(|j| sign[j] * h.values[j][r]).collect()).collect();
        let feasible = rows.iter().map(|&r| crate::history::constraints::feasible(&h.meta[r].system_attrs)).collect();
        CompletedPoints { rows, points, feasible, directions: h.directions.clone() }
    }

    /// The hypervolume after each complete trial, bounded by `reference` (given in the study's
    /// own directions, as the user writes it).
    pub fn hypervolume_history(&self, reference: &[f64]) -> Result<Vec<f64>> {
        if reference.len() != self.directions.len() {
            return Err(Error::InvalidValue(format!(
                "The dimension of the reference point must be the same as the number of objectives ({} != {}).",
                reference.len(),
                self.directions.len()
            )));
        }
        let r: Vec<f64> =
            reference.iter().zip(&self.directions).map(|(x, d)| if *d == StudyDirection::Maximize { -x } else { *x }).collect();
        Ok(hypervolume_history(&self.points, &self.feasible, &r))
    }
}

/// The hypervolume dominated by the feasible points among the first `i + 1`, for every `i`
/// (every objective minimized, bounded by `reference`). As in Optuna, an infeasible point, one
/// weakly dominated by an earlier point, or one beyond the reference point adds nothing.
pub fn hypervolume_history(points: &[Vec<f64>], feasible: &[bool], reference: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(points.len());
    let mut hv = 0.0;
    if reference.len() == 2 {
        let mut front = Front2d::default();
        for (p, ok) in points.iter().zip(feasible) {
            if *ok && p[0] <= reference[0] && p[1] <= reference[1] {
                hv += front.add(p[0], p[1], reference);
            }
            out.push(hv);
        }
        return out;
    }
    let mut front: Vec<Vec<f64>> = Vec::new();
    for (p, ok) in points.iter().zip(feasible) {
        let inside = p.iter().zip(reference).all(|(a, r)| a <= r);
        if *ok && inside && !front.iter().any(|q| q.iter().zip(p).all(|(a, b)| a <= b)) {
            let own: f64 = p.iter().zip(reference).map(|(a, r)| r - a).product();
            let limited: Vec<Vec<f64>> = front.iter().map(|q| q.iter().zip(p).map(|(a, b)| a.max(*b)).collect()).collect();
            hv += own - hypervolume(&limited, reference);
            front.retain(|q| q.iter().zip(p).any(|(a, b)| a < b));
            front.push(p.clone());
        }
        out.push(hv);
    }
    out
}

/// A two-objective Pareto front kept sorted by the first objective (the second then strictly
/// decreasing), so a point's exclusive area is a short walk from its binary-search position.
#[derive(Default)]
struct Front2d {
    pts: Vec<(f64, f64)>,
}

impl Front2d {
    /// Adds `(x, y)` (inside the reference box) and returns the area it adds; 0 when an
    /// earlier point weakly dominates it.
    fn add(&mut self, x: f64, y: f64, reference: &[f64]) -> f64 {
        // Points with first objective <= x: the last of them has the smallest second objective.
        let left = self.pts.partition_point(|q| q.0 <= x);
        let top = if left > 0 { self.pts[left - 1].1 } else { reference[1] };
        if top <= y {
            return 0.0;
        }
        // Walk the points right of x that the new point dominates; each ends a strip.
        let mut area = 0.0;
        let (mut prev_x, mut h) = (x, top);
        let mut j = left;
        while j < self.pts.len() && self.pts[j].1 >= y {
            area += (self.pts[j].0 - prev_x) * (h - y);
            (prev_x, h) = self.pts[j];
            j += 1;
        }
        let end = if j < self.pts.len() { self.pts[j].0 } else { reference[0] };
        area += (end - prev_x) * (h - y);
        // A point at the same first objective (and larger second) is dominated too.
        let start = if left > 0 && self.pts[left - 1].0 == x { left - 1 } else { left };
        self.pts.splice(start..j, [(x, y)]);
        area
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic points on a coarse grid, so ties and duplicates occur.
    fn grid_points(n: usize, m: usize, seed: u64) -> Vec<Vec<f64>> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                (0..m)
                    .map(|_| {
                        s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        ((s >> 33) % 12) as f64 * 0.5
                    })
                    .collect()
            })
            .collect()
    }

    fn brute(points: &[Vec<f64>], feasible: &[bool], reference: &[f64]) -> Vec<f64> {
        (0..points.len())
            .map(|i| {
                let kept: Vec<Vec<f64>> = points[..=i].iter().zip(feasible).filter(|(_, ok)| **ok).map(|(p, _)| p.clone()).collect();
                hypervolume(&kept, reference)
            })
            .collect()
    }

    #[test]
    fn incremental_equals_whole_set_2d_and_3d() {
        for (m, seed) in [(2, 1), (2, 7), (3, 3), (4, 5)] {
            let pts = grid_points(80, m, seed);
            let feasible: Vec<bool> = (0..pts.len()).map(|i| i % 7 != 3).collect();
            let reference = vec![5.0; m];
            let got = hypervolume_history(&pts, &feasible, &reference);
            let want = brute(&pts, &feasible, &reference);
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() < 1e-9, "m={m}: {g} != {w}");
            }
        }
    }

    #[test]
    fn by_hand_2d() {
        let pts = vec![vec![1.0, 2.0], vec![2.0, 1.0], vec![2.0, 2.0], vec![4.0, 0.0], vec![0.0, 0.0]];
        let got = hypervolume_history(&pts, &[true; 5], &[3.0, 3.0]);
        // [1,3]x[2,3] = 2; plus [2,3]x[1,2] = 1; (2,2) dominated; (4,0) outside; (0,0) covers all 9
        assert_eq!(got, vec![2.0, 3.0, 3.0, 3.0, 9.0]);
    }

    #[test]
    fn maximized_objectives_and_reference_dimension() {
        let mut h = TrialHistory::new(vec![StudyDirection::Minimize, StudyDirection::Maximize]);
        for p in [[1.0, 2.0], [2.0, 3.0]] {
            let r = h.push_trial(TrialState::Running, Default::default());
            h.set_state(r, TrialState::Complete, Some(&p));
        }
        let c = CompletedPoints::of(&h);
        // reference (3, 0): boxes [1,3]x[0,2] and [2,3]x[0,3] cover 4 + 1
        assert_eq!(c.hypervolume_history(&[3.0, 0.0]).unwrap(), vec![4.0, 5.0]);
        assert!(c.hypervolume_history(&[3.0]).is_err());
    }
}

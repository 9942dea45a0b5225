//! The acquisition sweep's candidates, kept from one suggestion to the next while the GP's
//! hyperparameters stay the same.
//!
//! A candidate `x` costs O(n^2) in the sweep: its whitened kernel column `v = L^-1 k(X, x)`
//! gives the posterior variance `scale - v'v` and the mean `v' L^-1 y`. When the next trial
//! only appends observations to the same GP, the factor `L` grows by rows and every `v` by one
//! entry each (forward substitution, O(n) per candidate and point), so the whole sweep costs
//! O(n m) instead of O(n^2 m). The cache keeps the candidates a full (screened) sweep evaluated
//! exactly: those that could come within the screening margin of the best one.

use super::acquisition::AcqFn;
use super::kernel::{m52, r2};
use super::regressor::{dot, Gp};

/// Largest cache, in f64 entries (64 MiB): larger studies sweep afresh each time.
const MAX_ENTRIES: usize = 8 << 20;

pub struct CandidateCache {
    dim: usize,
    /// Candidates, row-major.
    pub cands: Vec<f64>,
    /// Training points covered: the first `n` entries of each column.
    n: usize,
    /// Column stride (room to append entries before the columns must move).
    stride: usize,
    /// Whitened kernel columns, `v[c * stride + i]` for training point `i`, candidate `c`.
    v: Vec<f64>,
    /// `scale - v'v` per candidate: the posterior variance given the points covered.
    var: Vec<f64>,
}

impl CandidateCache {
    /// From the exactly evaluated rows of a screened sweep: `cands` (row-major) and their
    /// whitened columns `cols` (column-major, `n_cols` rows, of which the first `n` belong to
    /// the GP the cache follows; the rest are fantasies). `None` when too large to keep.
    pub fn new(dim: usize, cands: Vec<f64>, cols: Vec<f64>, n_cols: usize, n: usize, scale: f64) -> Option<Self> {
        let m = cands.len() / dim.max(1);
        if m == 0 || m * n_cols > MAX_ENTRIES || cols.len() != m * n_cols || n > n_cols {
            return None;
        }
        let var = cols.chunks_exact(n_cols.max(1)).map(|c| scale - dot(&c[..n], &c[..n])).collect();
        Some(CandidateCache { dim, cands, n, stride: n_cols, v: cols, var })
    }

    pub fn len(&self) -> usize {
        self.var.len()
    }

    pub fn is_empty(&self) -> bool {
        self.var.is_empty()
    }

    /// Appends the entries of the points `gp` has beyond those covered (same hyperparameters,
    /// factor extended from the one the cache was made with). False when the cache would grow
    /// too large (drop it then).
    pub fn follow(&mut self, gp: &Gp) -> bool {
        let (n, target, m) = (self.n, gp.n(), self.len());
        if target < n {
            return false;
        }
        if target > self.stride {
            // Move the columns apart, with room for the next points.
            let stride = target + 64;
            if m * stride > MAX_ENTRIES {
                return false;
            }
            let mut v = vec![0.0; m * stride];
            for c in 0..m {
                v[c * stride..c * stride + n].copy_from_slice(&self.v[c * self.stride..c * self.stride + n]);
            }
            (self.v, self.stride) = (v, stride);
        }
        let mut lrow = Vec::with_capacity(target);
        for r in n..target {
            gp.factor_row(r, &mut lrow);
            for c in 0..m {
                let e = self.whiten(gp, r, &lrow, c, &self.v[c * self.stride..c * self.stride + r], &[]);
                self.v[c * self.stride + r] = e;
                self.var[c] -= e * e;
            }
        }
        self.n = target;
        true
    }

    /// Entry `r` of candidate `c`'s whitened column from its entries before: those kept in
    /// `head` (the first `head.len()` points), then `tail` (the next ones):
    /// `(k(x_r, c) - L[r, ..r] . v[..r]) / L[r, r]`.
    fn whiten(&self, gp: &Gp, r: usize, lrow: &[f64], c: usize, head: &[f64], tail: &[f64]) -> f64 {
        let p = &gp.params;
        let xr = &gp.x[r * self.dim..(r + 1) * self.dim];
        let prior = p.scale * m52(r2(xr, &self.cands[c * self.dim..(c + 1) * self.dim], &p.theta, &gp.categorical));
        let h = head.len();
        let s = dot(&lrow[..h], head) + dot(&lrow[h..r], tail);
        (prior - s) / lrow[r]
    }

    /// Acquisition values of the candidates under `f`, whose GP is the one the cache follows
    /// (all its points covered), possibly extended by fantasies: their entries are computed
    /// here and not kept.
    pub fn values(&self, f: &AcqFn) -> Vec<f64> {
        let gp = f.gp;
        let (m, n, total) = (self.len(), self.n, gp.n());
        let beta = gp.whitened_outputs();
        let lrows: Vec<Vec<f64>> = (n..total)
            .map(|r| {
                let mut row = Vec::with_capacity(r + 1);
                gp.factor_row(r, &mut row);
                row
            })
            .collect();
        let mut extra = vec![0.0; total - n];
        (0..m)
            .map(|c| {
                let col = &self.v[c * self.stride..c * self.stride + n];
                let (mut mean, mut var) = (dot(col, &beta[..n]), self.var[c]);
                // Fantasies: their entries computed in turn, not kept.
                for (q, lrow) in lrows.iter().enumerate() {
                    let e = self.whiten(gp, n + q, lrow, c, col, &extra[..q]);
                    extra[q] = e;
                    mean += e * beta[n + q];
                    var -= e * e;
                }
                f.acq.value(mean, var.max(0.0), f.best).0
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gp::acquisition::Acquisition;
    use crate::gp::kernel::KernelParams;
    use rand::SeedableRng;

    fn points(rng: &mut rand_chacha::ChaCha8Rng, n: usize, d: usize) -> Vec<f64> {
        (0..n * d).map(|i| if i % d == d - 1 { (i % 3) as f64 } else { crate::rng::uniform01(rng) }).collect()
    }

    /// Followed through appended points and read with fantasies, the cache gives the values a
    /// fresh batched evaluation gives.
    #[test]
    fn following_and_fantasies_equal_a_fresh_sweep() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let (d, n0, added, m) = (3, 40, 30, 300);
        let cat = vec![false, false, true];
        let params = KernelParams { theta: vec![6.0, 2.5, 0.7], scale: 1.3, noise: 1e-3 };
        let x = points(&mut rng, n0 + added + 3, d);
        let y: Vec<f64> = (0..n0 + added + 3).map(|r| (3.0 * x[r * d]).sin() + x[r * d + 1] - 0.2 * x[r * d + 2]).collect();
        let cands = points(&mut rng, m, d);
        let gp0 = Gp::new(x[..n0 * d].to_vec(), y[..n0].to_vec(), cat.clone(), params.clone()).unwrap();
        let f0 = AcqFn { gp: &gp0, acq: Acquisition::LogEi, best: 1.0 };
        // Keep every candidate (a huge margin) so the cache covers all of them.
        let s = f0.screened_with_columns(&cands, 1e300);
        assert_eq!(s.kept.len(), m);
        let mut cache = CandidateCache::new(d, cands.clone(), s.cols, n0, n0, params.scale).unwrap();
        // Grow in steps, as trials arrive.
        let mut gp = gp0;
        let mut n = n0;
        for step in [1usize, 5, 24] {
            gp = gp.extend(&x[n * d..(n + step) * d]).unwrap();
            n += step;
            gp.set_outputs(y[..n].to_vec());
            assert!(cache.follow(&gp));
        }
        for acq in [Acquisition::LogEi, Acquisition::LogPi, Acquisition::Ucb { beta: 2.0 }] {
            let f = AcqFn { gp: &gp, acq, best: 0.8 };
            let fresh = f.eval_batch(&cands);
            for (a, b) in cache.values(&f).iter().zip(&fresh) {
                assert!((a - b).abs() < 1e-7 * (1.0 + b.abs()), "{acq:?}: cached {a} vs fresh {b}");
            }
            // Three fantasies on top, not kept.
            let ext = gp.with_extra(&x[n * d..(n + 3) * d], &[0.1, -0.4, 0.9]).unwrap();
            let fe = AcqFn { gp: &ext, acq, best: 0.9 };
            let fresh = fe.eval_batch(&cands);
            for (a, b) in cache.values(&fe).iter().zip(&fresh) {
                assert!((a - b).abs() < 1e-7 * (1.0 + b.abs()), "{acq:?} with fantasies: cached {a} vs fresh {b}");
            }
        }
        assert_eq!(cache.n, n);
    }

    #[test]
    fn too_large_is_refused() {
        assert!(CandidateCache::new(1, vec![0.5; 2048], vec![0.0; 2048 * 5000], 5000, 5000, 1.0).is_none());
    }
}

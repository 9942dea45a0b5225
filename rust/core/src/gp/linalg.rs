//! The dense linear algebra the GP needs, on top of faer: a Cholesky factorization (in place, or
//! with jitter added when the matrix is numerically singular: duplicate points, tiny noise),
//! triangular solves and the inverse from the factor. Everything runs sequentially: the sampler
//! already spreads the independent parts of a suggestion over the cores, and determinism must
//! not depend on thread counts.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::cholesky::llt;
use faer::linalg::triangular_solve;
use faer::{Mat, MatMut, Par};

/// The lower Cholesky factor `L` of `K + jitter I` (strict upper triangle zero).
#[derive(Clone)]
pub struct Cholesky {
    l: Mat<f64>,
    /// Diagonal jitter that had to be added to make the factorization succeed (0 when none).
    pub jitter: f64,
}

/// Largest jitter tried, relative to the mean diagonal, before giving up.
const MAX_RELATIVE_JITTER: f64 = 1e-2;

impl Cholesky {
    /// Factors the symmetric matrix `k` (only its lower triangle is read). Adds growing jitter
    /// (1e-10 .. 1e-2 of the mean diagonal) when needed; `None` if even that fails or `k` holds
    /// a non-finite entry.
    pub fn new(k: &Mat<f64>) -> Option<Cholesky> {
        if let Some(c) = Cholesky::in_place(k.clone()) {
            return Some(c);
        }
        let n = k.nrows();
        let mean_diag = (0..n).map(|i| k[(i, i)]).sum::<f64>() / n.max(1) as f64;
        if !mean_diag.is_finite() || mean_diag <= 0.0 {
            return None;
        }
        let mut rel = 1e-10;
        while rel <= MAX_RELATIVE_JITTER {
            let jitter = rel * mean_diag;
            let mut kj = k.clone();
            for i in 0..n {
                kj[(i, i)] += jitter;
            }
            if let Some(mut c) = Cholesky::in_place(kj) {
                c.jitter = jitter;
                return Some(c);
            }
            rel *= 10.0;
        }
        None
    }

    /// Factors `k` in its own storage, without jitter (its lower triangle is read; the strict
    /// upper one may hold anything). `None` when `k` is not numerically positive definite.
    pub fn in_place(mut k: Mat<f64>) -> Option<Cholesky> {
        let n = k.nrows();
        let mut mem = MemBuffer::new(llt::factor::cholesky_in_place_scratch::<f64>(n, Par::Seq, Default::default()));
        let ok =
            llt::factor::cholesky_in_place(k.as_mut(), Default::default(), Par::Seq, MemStack::new(&mut mem), Default::default()).is_ok();
        if !ok || !(0..n).all(|i| k[(i, i)].is_finite() && k[(i, i)] > 0.0) {
            return None;
        }
        for j in 1..n {
            k.col_as_slice_mut(j)[..j].fill(0.0);
        }
        Some(Cholesky { l: k, jitter: 0.0 })
    }

    pub fn n(&self) -> usize {
        self.l.nrows()
    }

    /// The factor's storage.
    pub fn into_matrix(self) -> Mat<f64> {
        self.l
    }

    /// `sum_i log L_ii = 0.5 log det(K)`.
    pub fn half_log_det(&self) -> f64 {
        (0..self.n()).map(|i| self.l[(i, i)].ln()).sum()
    }

    /// Overwrites `b` (n x m) with `L^-1 b`.
    pub fn solve_lower_in_place(&self, b: MatMut<'_, f64>) {
        triangular_solve::solve_lower_triangular_in_place(self.l.as_ref(), b, Par::Seq);
    }

    /// Overwrites `b` (n x m) with `L^-T b`.
    pub fn solve_upper_in_place(&self, b: MatMut<'_, f64>) {
        triangular_solve::solve_upper_triangular_in_place(self.l.transpose(), b, Par::Seq);
    }

    /// `L[r, ..=r]`: row `r` of the factor up to its diagonal.
    pub fn row(&self, r: usize, out: &mut Vec<f64>) {
        out.clear();
        out.extend((0..=r).map(|i| self.l[(r, i)]));
    }

    /// Appends one observation: `K` gains the column `k` (its covariances with the current
    /// points) and the diagonal entry `diag`. The factor grows by a row, `[l', delta]` with
    /// `l = L^-1 k` and `delta^2 = diag - l'l`: O(n^2), against O(n^3) to factor again.
    /// Returns `w = K^-1 k` (for the old `K`) and the Schur complement `delta^2`, or `None`
    /// (the factor unchanged) when the extended matrix is not numerically positive definite,
    /// or the factor carries jitter (the extension would have to carry it too).
    pub fn extend(&mut self, k: &[f64], diag: f64) -> Option<(Vec<f64>, f64)> {
        let n = self.n();
        if self.jitter != 0.0 || k.len() != n {
            return None;
        }
        let mut b = Mat::from_fn(n, 1, |i, _| k[i]);
        self.solve_lower_in_place(b.as_mut());
        let l = b.col_as_slice(0).to_vec();
        let d2 = diag - l.iter().map(|v| v * v).sum::<f64>();
        // Below this the new point is (numerically) in the span of the others.
        if !d2.is_finite() || d2 <= 1e-10 * diag.abs() || l.iter().any(|v| !v.is_finite()) {
            return None;
        }
        self.solve_upper_in_place(b.as_mut());
        let cap = (n + 1).next_multiple_of(64);
        self.l.reserve(cap, cap);
        self.l.resize_with(n + 1, n + 1, |_, _| 0.0);
        for (i, &v) in l.iter().enumerate() {
            self.l[(n, i)] = v;
        }
        self.l[(n, n)] = d2.sqrt();
        Some((b.col_as_slice(0).to_vec(), d2))
    }

    /// `K^-1 b` for one vector.
    pub fn solve_vec(&self, b: &[f64]) -> Vec<f64> {
        let mut m = Mat::from_fn(b.len(), 1, |i, _| b[i]);
        self.solve_lower_in_place(m.as_mut());
        self.solve_upper_in_place(m.as_mut());
        m.col_as_slice(0).to_vec()
    }

    /// `K^-1`, lower triangle only (the strict upper triangle of `out` is left as it was).
    pub fn inverse_lower_into(&self, out: &mut Mat<f64>) {
        let n = self.n();
        let mut mem = MemBuffer::new(llt::inverse::inverse_scratch::<f64>(n, Par::Seq));
        llt::inverse::inverse(out.as_mut(), self.l.as_ref(), Par::Seq, MemStack::new(&mut mem));
    }

    /// `K^-1` (symmetric, full).
    pub fn inverse(&self) -> Mat<f64> {
        let n = self.n();
        let mut out = Mat::zeros(n, n);
        self.inverse_lower_into(&mut out);
        for j in 1..n {
            for i in 0..j {
                out[(i, j)] = out[(j, i)];
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spd(n: usize) -> Mat<f64> {
        // A diagonally dominant symmetric matrix.
        Mat::from_fn(n, n, |i, j| if i == j { n as f64 + 1.0 } else { 1.0 / (1.0 + (i as f64 - j as f64).abs()) })
    }

    #[test]
    fn solves_and_inverts() {
        let k = spd(7);
        let c = Cholesky::new(&k).unwrap();
        assert_eq!(c.jitter, 0.0);
        let b: Vec<f64> = (0..7).map(|i| i as f64 - 3.0).collect();
        let x = c.solve_vec(&b);
        for i in 0..7 {
            let kx: f64 = (0..7).map(|j| k[(i, j)] * x[j]).sum();
            assert!((kx - b[i]).abs() < 1e-12);
        }
        let inv = c.inverse();
        for i in 0..7 {
            for j in 0..7 {
                let v: f64 = (0..7).map(|m| k[(i, m)] * inv[(m, j)]).sum();
                assert!((v - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12);
            }
        }
        // In place, with garbage in the strict upper triangle: same factor.
        let mut g = k.clone();
        g[(0, 5)] = f64::NAN;
        let c2 = Cholesky::in_place(g).unwrap();
        assert_eq!(c2.half_log_det(), c.half_log_det());
        // log det of [[2, 1], [1, 2]] is ln 3.
        let k2 = Mat::from_fn(2, 2, |i, j| if i == j { 2.0 } else { 1.0 });
        assert!((Cholesky::new(&k2).unwrap().half_log_det() - 0.5 * 3f64.ln()).abs() < 1e-14);
    }

    #[test]
    fn extending_equals_factoring_afresh() {
        let k = spd(9);
        let full = Cholesky::new(&k).unwrap();
        let head = Mat::from_fn(6, 6, |i, j| k[(i, j)]);
        let mut c = Cholesky::new(&head).unwrap();
        for n in 6..9 {
            let col: Vec<f64> = (0..n).map(|i| k[(i, n)]).collect();
            let kinv_k = c.solve_vec(&col);
            let (w, s) = c.extend(&col, k[(n, n)]).unwrap();
            assert!(w.iter().zip(&kinv_k).all(|(a, b)| (a - b).abs() < 1e-13), "w = K^-1 k");
            assert!((s - c.l[(n, n)].powi(2)).abs() < 1e-12);
        }
        for i in 0..9 {
            for j in 0..9 {
                assert!((c.l[(i, j)] - full.l[(i, j)]).abs() < 1e-12, "L[{i},{j}]");
            }
        }
        assert!((c.half_log_det() - full.half_log_det()).abs() < 1e-12);
        // A copy of an existing point (no noise) cannot be added; the factor stays as it was.
        let mut c = Cholesky::new(&Mat::from_fn(2, 2, |i, j| if i == j { 1.0 } else { 0.5 })).unwrap();
        assert!(c.extend(&[1.0, 0.5], 1.0).is_none());
        assert_eq!(c.n(), 2);
    }

    #[test]
    fn singular_matrix_gets_jitter_and_nan_is_refused() {
        // Two identical points without noise: rank one.
        let k = Mat::from_fn(2, 2, |_, _| 1.0);
        assert!(Cholesky::in_place(k.clone()).is_none());
        let c = Cholesky::new(&k).unwrap();
        assert!(c.jitter > 0.0 && c.jitter <= 1e-2);
        assert!(c.half_log_det().is_finite());
        let k = Mat::from_fn(2, 2, |i, j| if i == j { f64::NAN } else { 0.0 });
        assert!(Cholesky::new(&k).is_none());
    }
}

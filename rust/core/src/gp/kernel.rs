//! Matérn-5/2 kernel with automatic relevance determination.
//!
//! `k(x, x') = scale * m52(r2)` with `r2 = sum_i theta_i * d_i^2`, where `theta_i` is the inverse
//! squared lengthscale of dimension `i`, `d_i = x_i - x'_i` for numeric dimensions and the
//! Hamming indicator `[x_i != x'_i]` for categorical ones (whose coordinate is the choice index).
//! The kernel is written as a function of `r2`, not `r`, so its derivative is finite at 0.

/// `m52(r2) = (1 + sqrt(5 r2) + 5 r2 / 3) * exp(-sqrt(5 r2))`.
#[inline]
pub fn m52(r2: f64) -> f64 {
    let s = (5.0 * r2).sqrt();
    (1.0 + s + (5.0 / 3.0) * r2) * (-s).exp()
}

/// `d m52 / d r2 = -5/6 (1 + sqrt(5 r2)) exp(-sqrt(5 r2))`.
#[inline]
pub fn m52_grad(r2: f64) -> f64 {
    let s = (5.0 * r2).sqrt();
    (-5.0 / 6.0) * (1.0 + s) * (-s).exp()
}

/// Both `m52(r2)` and its derivative, sharing one exponential.
#[inline]
pub fn m52_with_grad(r2: f64) -> (f64, f64) {
    let s = (5.0 * r2).sqrt();
    let e = (-s).exp();
    ((1.0 + s + (5.0 / 3.0) * r2) * e, (-5.0 / 6.0) * (1.0 + s) * e)
}

/// `m52` with the branch-free exponential, for loops over many pairs (vectorizes).
#[inline(always)]
pub fn m52_fast(r2: f64) -> f64 {
    let s = (5.0 * r2).sqrt();
    (1.0 + s + (5.0 / 3.0) * r2) * crate::math::fast_exp((-s).max(-700.0))
}

/// `m52_with_grad` with the branch-free exponential.
#[inline(always)]
pub fn m52_with_grad_fast(r2: f64) -> (f64, f64) {
    let s = (5.0 * r2).sqrt();
    let e = crate::math::fast_exp((-s).max(-700.0));
    ((1.0 + s + (5.0 / 3.0) * r2) * e, (-5.0 / 6.0) * (1.0 + s) * e)
}

/// Per-dimension squared difference: `(a - b)^2`, or the Hamming indicator for a categorical.
#[inline]
pub fn sq_diff(a: f64, b: f64, categorical: bool) -> f64 {
    if categorical {
        if a == b {
            0.0
        } else {
            1.0
        }
    } else {
        (a - b) * (a - b)
    }
}

/// Kernel hyperparameters. `theta` holds inverse squared lengthscales.
#[derive(Clone, Debug, PartialEq)]
pub struct KernelParams {
    pub theta: Vec<f64>,
    pub scale: f64,
    pub noise: f64,
}

impl KernelParams {
    /// Unit lengthscales, unit signal variance and unit noise: the default starting point.
    pub fn default_for(dim: usize) -> Self {
        KernelParams { theta: vec![1.0; dim], scale: 1.0, noise: 1.0 }
    }

    pub fn lengthscales(&self) -> Vec<f64> {
        self.theta.iter().map(|t| 1.0 / t.sqrt()).collect()
    }
}

/// The weighted squared distance between two points.
#[inline]
pub fn r2(a: &[f64], b: &[f64], theta: &[f64], categorical: &[bool]) -> f64 {
    let mut s = 0.0;
    for i in 0..a.len() {
        s += theta[i] * sq_diff(a[i], b[i], categorical[i]);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn m52_values_and_derivative_match_finite_differences() {
        assert_eq!(m52(0.0), 1.0);
        // Closed form at r = 1: (1 + sqrt5 + 5/3) exp(-sqrt5).
        let want = (1.0 + 5f64.sqrt() + 5.0 / 3.0) * (-(5f64.sqrt())).exp();
        assert!((m52(1.0) - want).abs() < 1e-15);
        assert_eq!(m52_grad(0.0), -5.0 / 6.0);
        for &r2 in &[1e-6f64, 0.01, 0.3, 1.0, 2.5, 10.0] {
            let h = 1e-6 * r2.max(1e-3);
            let fd = (m52(r2 + h) - m52(r2 - h)) / (2.0 * h);
            assert!((fd - m52_grad(r2)).abs() < 1e-7, "r2={r2}: fd {fd} vs {}", m52_grad(r2));
            let (v, g) = m52_with_grad(r2);
            assert_eq!(v, m52(r2));
            assert_eq!(g, m52_grad(r2));
            let (vf, gf) = m52_with_grad_fast(r2);
            assert!((vf - v).abs() <= 1e-15 && (gf - g).abs() <= 1e-15);
            assert_eq!(vf, m52_fast(r2));
        }
    }

    #[test]
    fn hamming_distance_for_categoricals() {
        let theta = [2.0, 3.0];
        let cat = [false, true];
        assert_eq!(r2(&[0.5, 1.0], &[0.25, 1.0], &theta, &cat), 2.0 * 0.0625);
        assert_eq!(r2(&[0.5, 1.0], &[0.5, 4.0], &theta, &cat), 3.0);
    }
}

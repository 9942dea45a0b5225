//! The fitted Gaussian process: training points, hyperparameters and the cached factorization
//! from which posterior means, variances and their gradients are read.

use faer::{Mat, MatMut};

use super::kernel::{m52, m52_fast, m52_with_grad_fast, r2, KernelParams};
use super::linalg::Cholesky;

/// Candidates per block in batched posterior evaluation (bounds the n x block buffer).
const BLOCK: usize = 256;

/// `K + noise I` over the rows of `x` (row-major, `n` x `dim`).
pub fn gram(x: &[f64], dim: usize, categorical: &[bool], p: &KernelParams) -> Mat<f64> {
    let n = x.len().checked_div(dim).unwrap_or(0);
    let mut k = Mat::zeros(n, n);
    for j in 0..n {
        let xj = &x[j * dim..(j + 1) * dim];
        k[(j, j)] = p.scale + p.noise;
        for i in j + 1..n {
            let v = p.scale * m52(r2(xj, &x[i * dim..(i + 1) * dim], &p.theta, categorical));
            k[(i, j)] = v;
            k[(j, i)] = v;
        }
    }
    k
}

/// `K = L L'`, `K^-1 y` and `K^-1` for one set of data and hyperparameters.
pub struct Factorization {
    pub chol: Cholesky,
    pub alpha: Vec<f64>,
    pub kinv: Mat<f64>,
}

impl Factorization {
    /// The factor's and the inverse's storage, for reuse.
    pub fn into_buffers(self) -> (Mat<f64>, Mat<f64>) {
        (self.chol.into_matrix(), self.kinv)
    }
}

/// A GP conditioned on its training data. Outputs are assumed standardized (zero prior mean).
#[derive(Clone)]
pub struct Gp {
    pub dim: usize,
    /// Training inputs, row-major `n` x `dim`, in the unit cube (categoricals: choice index).
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub categorical: Vec<bool>,
    pub params: KernelParams,
    chol: Cholesky,
    /// `K^-1 y`.
    alpha: Vec<f64>,
    /// `K^-1`, for the gradient of the variance of single points.
    kinv: Mat<f64>,
    /// The training inputs by dimension, numeric ones multiplied by `sqrt(theta)`: distances to
    /// all training points are then a few loops over contiguous arrays, which vectorize.
    cols: Vec<Vec<f64>>,
    sqrt_theta: Vec<f64>,
}

impl Gp {
    /// Conditions on `(x, y)`; `None` when the covariance cannot be factored even with jitter.
    pub fn new(x: Vec<f64>, y: Vec<f64>, categorical: Vec<bool>, params: KernelParams) -> Option<Gp> {
        let dim = categorical.len();
        let k = gram(&x, dim, &categorical, &params);
        let chol = Cholesky::new(&k)?;
        let alpha = chol.solve_vec(&y);
        if alpha.iter().any(|a| !a.is_finite()) {
            return None;
        }
        let kinv = chol.inverse();
        Some(Gp::assemble(x, y, categorical, params, Factorization { chol, alpha, kinv }))
    }

    fn assemble(x: Vec<f64>, y: Vec<f64>, categorical: Vec<bool>, params: KernelParams, parts: Factorization) -> Gp {
        let Factorization { chol, alpha, kinv } = parts;
        let dim = categorical.len();
        let n = y.len();
        let sqrt_theta: Vec<f64> = params.theta.iter().map(|t| t.sqrt()).collect();
        let cols = (0..dim)
            .map(|i| (0..n).map(|j| if categorical[i] { x[j * dim + i] } else { x[j * dim + i] * sqrt_theta[i] }).collect())
            .collect();
        Gp { dim, x, y, categorical, params, chol, alpha, kinv, cols, sqrt_theta }
    }

    /// Weighted squared distances from `x` to every training point.
    #[inline(always)]
    fn r2_all(&self, x: &[f64], out: &mut [f64]) {
        out.fill(0.0);
        for (i, &xv) in x.iter().enumerate().take(self.dim) {
            let col = &self.cols[i];
            if self.categorical[i] {
                let (xi, th) = (xv, self.params.theta[i]);
                for (o, &c) in out.iter_mut().zip(col) {
                    *o += if c == xi { 0.0 } else { th };
                }
            } else {
                let xi = xv * self.sqrt_theta[i];
                for (o, &c) in out.iter_mut().zip(col) {
                    let t = xi - c;
                    *o += t * t;
                }
            }
        }
    }

    /// A GP from a factorization already computed for exactly these data and parameters
    /// (the last step of a fit), saving the O(n^3) work of `new`.
    pub fn from_parts(x: Vec<f64>, y: Vec<f64>, categorical: Vec<bool>, params: KernelParams, parts: Factorization) -> Gp {
        Gp::assemble(x, y, categorical, params, parts)
    }

    pub fn n(&self) -> usize {
        self.y.len()
    }

    /// The factor's and the inverse's storage, for reuse.
    pub fn into_buffers(self) -> (Mat<f64>, Mat<f64>) {
        (self.chol.into_matrix(), self.kinv)
    }

    /// The factorization (the outputs' `alpha` included), to be extended or reused.
    pub fn into_factorization(self) -> Factorization {
        Factorization { chol: self.chol, alpha: self.alpha, kinv: self.kinv }
    }

    /// The factor's diagonal jitter (0 when none was needed).
    pub fn jitter(&self) -> f64 {
        self.chol.jitter
    }

    /// The same hyperparameters conditioned on extra points (fantasies for running trials).
    pub fn with_extra(&self, x_extra: &[f64], y_extra: &[f64]) -> Option<Gp> {
        let mut y = self.y.clone();
        y.extend_from_slice(y_extra);
        if let Some(mut gp) = self.clone().extend(x_extra) {
            gp.set_outputs(y);
            return Some(gp);
        }
        let mut x = self.x.clone();
        x.extend_from_slice(x_extra);
        Gp::new(x, y, self.categorical.clone(), self.params.clone())
    }

    /// Appends the rows of `x_new` as training points with the same hyperparameters, extending
    /// the factor and `K^-1` in O(n^2) per point; the outputs are left for
    /// [`Gp::set_outputs`]. `None` when a point cannot be added (numerically a duplicate, or
    /// the factor carries jitter): the caller conditions a new GP instead.
    pub fn extend(mut self, x_new: &[f64]) -> Option<Gp> {
        for x in x_new.chunks_exact(self.dim.max(1)) {
            self.push_point(x)?;
        }
        Some(self)
    }

    fn push_point(&mut self, x: &[f64]) -> Option<()> {
        let n = self.cols.first().map_or(self.y.len(), |c| c.len());
        let mut k = vec![0.0; n];
        self.kvec(x, &mut k);
        let (w, s) = self.chol.extend(&k, self.params.scale + self.params.noise)?;
        // K^-1 of the bordered matrix, with w = K^-1 k and s the Schur complement:
        // [[K^-1 + w w'/s, -w/s], [-w'/s, 1/s]].
        let cap = (n + 1).next_multiple_of(64);
        self.kinv.reserve(cap, cap);
        self.kinv.resize_with(n + 1, n + 1, |_, _| 0.0);
        for j in 0..n {
            axpy(w[j] / s, &w, &mut self.kinv.col_as_slice_mut(j)[..n]);
            self.kinv[(n, j)] = -w[j] / s;
            self.kinv[(j, n)] = -w[j] / s;
        }
        self.kinv[(n, n)] = 1.0 / s;
        self.x.extend_from_slice(x);
        for (i, col) in self.cols.iter_mut().enumerate() {
            col.push(if self.categorical[i] { x[i] } else { x[i] * self.sqrt_theta[i] });
        }
        Some(())
    }

    /// Replaces the outputs (same inputs and hyperparameters): `alpha` is solved again, O(n^2).
    pub fn set_outputs(&mut self, y: Vec<f64>) {
        self.alpha = self.chol.solve_vec(&y);
        self.y = y;
    }

    /// `L^-1 y`: posterior means are `v' L^-1 y` for the whitened kernel columns `v = L^-1 k`.
    pub fn whitened_outputs(&self) -> Vec<f64> {
        let mut b = Mat::from_fn(self.y.len(), 1, |i, _| self.y[i]);
        self.chol.solve_lower_in_place(b.as_mut());
        b.col_as_slice(0).to_vec()
    }

    /// Row `r` of the factor `L` up to its diagonal.
    pub fn factor_row(&self, r: usize, out: &mut Vec<f64>) {
        self.chol.row(r, out)
    }

    /// `k(x, X)` for every training point, in `out`.
    fn kvec(&self, x: &[f64], out: &mut [f64]) {
        #[cfg(target_arch = "x86_64")]
        {
            if simd::avx2() {
                // SAFETY: the CPU has the features `kvec_avx2` is compiled for.
                return unsafe { self.kvec_avx2(x, out) };
            }
        }
        self.kvec_body(x, out)
    }

    /// The same loops compiled for 256-bit vectors (no operation fused or reordered: identical
    /// results).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn kvec_avx2(&self, x: &[f64], out: &mut [f64]) {
        self.kvec_body(x, out)
    }

    #[inline(always)]
    fn kvec_body(&self, x: &[f64], out: &mut [f64]) {
        self.r2_all(x, out);
        let s = self.params.scale;
        for o in out.iter_mut() {
            *o = s * m52_fast(*o);
        }
    }

    /// Posterior mean and variance (of the latent function, without noise) at one point.
    pub fn posterior(&self, x: &[f64]) -> (f64, f64) {
        let mut k = vec![0.0; self.n()];
        self.kvec(x, &mut k);
        let mean = dot(&k, &self.alpha);
        let mut kk = Mat::from_fn(k.len(), 1, |i, _| k[i]);
        self.chol.solve_lower_in_place(kk.as_mut());
        let v = kk.col_as_slice(0);
        (mean, (self.params.scale - dot(v, v)).max(0.0))
    }

    /// Posterior means and variances at the rows of `xs` (row-major, m x dim), in blocks
    /// spread over the cores.
    pub fn posterior_batch(&self, xs: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let d = self.dim.max(1);
        let m = xs.len() / d;
        let n = self.n();
        let blocks = super::parallel::map(m.div_ceil(BLOCK), |bi| {
            let start = bi * BLOCK;
            let b = BLOCK.min(m - start);
            let mut buf = super::scratch::take(n * b);
            let mut means = Vec::with_capacity(b);
            for (c, col) in buf.chunks_exact_mut(n.max(1)).take(b).enumerate() {
                let x = &xs[(start + c) * self.dim..(start + c + 1) * self.dim];
                self.kvec(x, col);
                means.push(dot(col, &self.alpha));
            }
            self.chol.solve_lower_in_place(MatMut::from_column_major_slice_mut(&mut buf, n, b));
            let vars: Vec<f64> = buf.chunks_exact(n.max(1)).take(b).map(|v| (self.params.scale - dot(v, v)).max(0.0)).collect();
            super::scratch::put(buf);
            (means, vars)
        });
        let (mut means, mut vars) = (Vec::with_capacity(m), Vec::with_capacity(m));
        for (a, b) in blocks {
            means.extend(a);
            vars.extend(b);
        }
        (means, vars)
    }

    /// For each row of `xs`: the kernel column `k(x, X)` (column `c` of `kx`, column-major with
    /// `n` rows), the posterior mean, and an upper bound of the posterior variance from the
    /// single nearest training point (conditioning on fewer observations never lowers the
    /// variance). Costs O(n d) per row, against O(n^2) for the exact variance.
    pub fn mean_and_variance_bound(&self, xs: &[f64], kx: &mut [f64]) -> (Vec<f64>, Vec<f64>) {
        let d = self.dim.max(1);
        let m = xs.len() / d;
        let n = self.n();
        let (mut means, mut bounds) = (Vec::with_capacity(m), Vec::with_capacity(m));
        let denom = self.params.scale + self.params.noise + self.chol.jitter;
        for (c, col) in kx.chunks_exact_mut(n.max(1)).take(m).enumerate() {
            self.kvec(&xs[c * self.dim..(c + 1) * self.dim], col);
            means.push(dot(col, &self.alpha));
            let kmax = col.iter().fold(0.0f64, |a, &v| a.max(v));
            bounds.push((self.params.scale - kmax * kmax / denom).max(0.0));
        }
        (means, bounds)
    }

    /// Exact posterior variances for the first `m` kernel columns of `kx` (as filled by
    /// [`Gp::mean_and_variance_bound`]; overwritten).
    pub fn variances_from_columns(&self, kx: &mut [f64], m: usize) -> Vec<f64> {
        let n = self.n();
        self.chol.solve_lower_in_place(MatMut::from_column_major_slice_mut(&mut kx[..n * m], n, m));
        kx.chunks_exact(n.max(1)).take(m).map(|v| (self.params.scale - dot(v, v)).max(0.0)).collect()
    }

    /// Posterior mean and variance at `x` with their gradients with respect to `x` (zero along
    /// categorical dimensions, where the kernel is not differentiable).
    pub fn posterior_with_grad(&self, x: &[f64], grad_mean: &mut [f64], grad_var: &mut [f64]) -> (f64, f64) {
        #[cfg(target_arch = "x86_64")]
        {
            if simd::avx2() {
                // SAFETY: the CPU has the features `posterior_with_grad_avx2` is compiled for.
                return unsafe { self.posterior_with_grad_avx2(x, grad_mean, grad_var) };
            }
        }
        self.posterior_with_grad_body(x, grad_mean, grad_var)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn posterior_with_grad_avx2(&self, x: &[f64], grad_mean: &mut [f64], grad_var: &mut [f64]) -> (f64, f64) {
        self.posterior_with_grad_body(x, grad_mean, grad_var)
    }

    #[inline(always)]
    fn posterior_with_grad_body(&self, x: &[f64], grad_mean: &mut [f64], grad_var: &mut [f64]) -> (f64, f64) {
        let (n, d) = (self.n(), self.dim);
        let p = &self.params;
        let mut k = vec![0.0; n];
        let mut dk = vec![0.0; n];
        self.r2_all(x, &mut k);
        for (kj, dkj) in k.iter_mut().zip(dk.iter_mut()) {
            let (v, g) = m52_with_grad_fast(*kj);
            *kj = p.scale * v;
            *dkj = p.scale * g;
        }
        // u = K^-1 k: u_i is column i of the symmetric inverse dotted with k.
        let mut u = vec![0.0; n];
        sym_matvec(&self.kinv, &k, &mut u);
        let mean = dot(&k, &self.alpha);
        let var = p.scale - dot(&k, &u);
        grad_mean.fill(0.0);
        grad_var.fill(0.0);
        for j in 0..n {
            let (wa, wu) = (self.alpha[j] * dk[j], u[j] * dk[j]);
            let xj = &self.x[j * d..(j + 1) * d];
            for i in 0..d {
                if !self.categorical[i] {
                    // d r2 / d x_i = 2 theta_i (x_i - X_ji)
                    let dr = 2.0 * p.theta[i] * (x[i] - xj[i]);
                    grad_mean[i] += wa * dr;
                    grad_var[i] -= 2.0 * wu * dr;
                }
            }
        }
        if var <= 0.0 {
            grad_var.fill(0.0);
        }
        (mean, var.max(0.0))
    }

    /// Posterior covariance matrix of the latent function at the rows of `xs` (the terminator's
    /// covariance of two points; a reference for the tests of the batched variances).
    pub fn posterior_cov(&self, xs: &[f64]) -> Mat<f64> {
        let d = self.dim;
        let m = xs.len() / d.max(1);
        let n = self.n();
        let mut kx = Mat::<f64>::zeros(n, m);
        for c in 0..m {
            self.kvec(&xs[c * d..(c + 1) * d], kx.col_as_slice_mut(c));
        }
        self.chol.solve_lower_in_place(kx.as_mut());
        Mat::from_fn(m, m, |a, b| {
            let prior =
                self.params.scale * m52(r2(&xs[a * d..(a + 1) * d], &xs[b * d..(b + 1) * d], &self.params.theta, &self.categorical));
            prior - dot(kx.col_as_slice(a), kx.col_as_slice(b))
        })
    }
}

/// Run-time CPU feature checks, made once.
#[cfg(target_arch = "x86_64")]
mod simd {
    use std::sync::OnceLock;

    pub fn avx2() -> bool {
        static HAS: OnceLock<bool> = OnceLock::new();
        *HAS.get_or_init(|| std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma"))
    }
}

#[inline(always)]
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    // Four accumulators: lets the compiler vectorize without reassociating one chain.
    let mut s = [0.0; 4];
    let chunks = a.len() / 4;
    for c in 0..chunks {
        for l in 0..4 {
            s[l] += a[4 * c + l] * b[4 * c + l];
        }
    }
    let mut t = (s[0] + s[1]) + (s[2] + s[3]);
    for i in 4 * chunks..a.len() {
        t += a[i] * b[i];
    }
    t
}

#[inline(always)]
fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

/// `out = a v` for a symmetric `a` (column-major), as dot products of its columns with `v`,
/// four columns at a time: each element of `v` is loaded once per four columns and nothing is
/// stored in the inner loop. A column-by-column update of `out` loaded and stored `out` for
/// every element of the matrix, and the posterior's gradient spent most of its time there.
#[inline(always)]
pub fn sym_matvec(a: &Mat<f64>, v: &[f64], out: &mut [f64]) {
    let n = v.len();
    let lanes = n / 4 * 4;
    let mut i = 0;
    while i + 4 <= n {
        let col = |j: usize| &a.col_as_slice(j)[..n];
        let c = [col(i), col(i + 1), col(i + 2), col(i + 3)];
        let mut s = [[0.0f64; 4]; 4];
        for q in (0..lanes).step_by(4) {
            // Four contiguous elements of v against four of each column: one vector each.
            // (The conversions cannot fail: both slices have four elements.)
            let vq: &[f64; 4] = v[q..q + 4].try_into().unwrap_or(&[0.0; 4]);
            for (sc, col) in s.iter_mut().zip(&c) {
                let cq: &[f64; 4] = col[q..q + 4].try_into().unwrap_or(&[0.0; 4]);
                for l in 0..4 {
                    sc[l] += cq[l] * vq[l];
                }
            }
        }
        for (o, (sc, col)) in out[i..i + 4].iter_mut().zip(s.iter().zip(&c)) {
            let mut t = (sc[0] + sc[1]) + (sc[2] + sc[3]);
            for q in lanes..n {
                t += col[q] * v[q];
            }
            *o = t;
        }
        i += 4;
    }
    for (j, o) in out.iter_mut().enumerate().skip(i) {
        *o = dot(&a.col_as_slice(j)[..n], v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symmetric_matvec_equals_the_plain_product() {
        // Sizes around the four-column blocks and the four-element chunks.
        for n in [0usize, 1, 3, 4, 5, 7, 8, 9, 13, 64, 67] {
            let a = Mat::from_fn(n, n, |i, j| ((i * 7 + j * 7 + i * j) % 11) as f64 - 5.0 + 0.25 * ((i + j) % 3) as f64);
            let v: Vec<f64> = (0..n).map(|i| ((i * 5) % 9) as f64 * 0.5 - 2.0).collect();
            let mut out = vec![f64::NAN; n];
            sym_matvec(&a, &v, &mut out);
            for i in 0..n {
                let want: f64 = (0..n).map(|j| a[(i, j)] * v[j]).sum();
                assert!((out[i] - want).abs() <= 1e-9 * (1.0 + want.abs()), "n {n}, row {i}: {} vs {want}", out[i]);
            }
        }
    }

    fn toy() -> Gp {
        let x = vec![0.1, 0.2, 0.5, 0.9, 0.8, 0.4, 0.3, 0.7];
        let y = vec![0.3, -1.0, 0.8, 0.1];
        let p = KernelParams { theta: vec![4.0, 9.0], scale: 1.3, noise: 1e-3 };
        Gp::new(x, y, vec![false, false], p).unwrap()
    }

    #[test]
    fn one_point_posterior_in_closed_form() {
        // One observation y at x0: mean = k(x, x0) / (s + noise) * y, var = s - k^2 / (s + noise).
        let p = KernelParams { theta: vec![2.0], scale: 1.5, noise: 0.1 };
        let gp = Gp::new(vec![0.3], vec![2.0], vec![false], p).unwrap();
        let kx = 1.5 * m52(2.0 * 0.2 * 0.2);
        let (m, v) = gp.posterior(&[0.5]);
        assert!((m - kx / 1.6 * 2.0).abs() < 1e-14);
        assert!((v - (1.5 - kx * kx / 1.6)).abs() < 1e-14);
        // Far away the prior comes back.
        let (m, v) = gp.posterior(&[1e3]);
        assert!(m.abs() < 1e-12 && (v - 1.5).abs() < 1e-12);
    }

    #[test]
    fn noiseless_posterior_interpolates() {
        let p = KernelParams { theta: vec![3.0], scale: 1.0, noise: 1e-10 };
        let gp = Gp::new(vec![0.1, 0.5, 0.9], vec![1.0, -2.0, 0.5], vec![false], p).unwrap();
        for (x, y) in [(0.1, 1.0), (0.5, -2.0), (0.9, 0.5)] {
            let (m, v) = gp.posterior(&[x]);
            assert!((m - y).abs() < 1e-6, "{m} vs {y}");
            assert!(v < 1e-6);
        }
    }

    #[test]
    fn batch_equals_single_and_gradients_match_finite_differences() {
        let gp = toy();
        let xs = vec![0.0, 0.0, 0.33, 0.61, 1.0, 0.05, 0.5, 0.5];
        let (mb, vb) = gp.posterior_batch(&xs);
        for c in 0..4 {
            let (m, v) = gp.posterior(&xs[2 * c..2 * c + 2]);
            assert!((m - mb[c]).abs() < 1e-13 && (v - vb[c]).abs() < 1e-13);
            let (mut gm, mut gv) = ([0.0; 2], [0.0; 2]);
            let (m2, v2) = gp.posterior_with_grad(&xs[2 * c..2 * c + 2], &mut gm, &mut gv);
            assert!((m - m2).abs() < 1e-12 && (v - v2).abs() < 1e-10);
            for i in 0..2 {
                let h = 1e-6;
                let mut a = xs[2 * c..2 * c + 2].to_vec();
                let mut b = a.clone();
                a[i] += h;
                b[i] -= h;
                let ((ma, va), (mbb, vbb)) = (gp.posterior(&a), gp.posterior(&b));
                assert!(((ma - mbb) / (2.0 * h) - gm[i]).abs() < 1e-6, "mean grad");
                assert!(((va - vbb) / (2.0 * h) - gv[i]).abs() < 1e-6, "var grad");
            }
        }
        let cov = gp.posterior_cov(&xs);
        for c in 0..4 {
            assert!((cov[(c, c)] - vb[c]).abs() < 1e-12);
        }
    }

    /// A GP extended point by point predicts what a GP conditioned on all points at once does,
    /// gradients and `K^-1` included, after as many extensions as a kept GP may take.
    #[test]
    fn extended_gp_equals_a_fresh_one() {
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(21);
        let (d, n0, n) = (3, 20, 20 + 256);
        let cat = vec![false, false, true];
        let x: Vec<f64> = (0..n * d).map(|i| if i % d == 2 { (i % 4) as f64 } else { crate::rng::uniform01(&mut rng) }).collect();
        let y: Vec<f64> = (0..n).map(|r| (4.0 * x[r * d]).sin() * x[r * d + 1] + 0.1 * x[r * d + 2]).collect();
        let params = KernelParams { theta: vec![8.0, 3.0, 0.5], scale: 0.9, noise: 1e-4 };
        let mut gp = Gp::new(x[..n0 * d].to_vec(), y[..n0].to_vec(), cat.clone(), params.clone()).unwrap();
        let mut at = n0;
        for step in [1usize, 7, 1, 40, 207] {
            gp = gp.extend(&x[at * d..(at + step) * d]).unwrap();
            at += step;
        }
        assert_eq!(at, n);
        gp.set_outputs(y.clone());
        let fresh = Gp::new(x.clone(), y, cat, params).unwrap();
        assert_eq!(gp.x, fresh.x);
        let mut worst: f64 = 0.0;
        for j in 0..n {
            for i in 0..n {
                worst = worst.max((gp.kinv[(i, j)] - fresh.kinv[(i, j)]).abs() / (1.0 + fresh.kinv[(i, j)].abs()));
            }
        }
        assert!(worst < 1e-6, "K^-1 drifted by {worst:e}");
        for p in [[0.3, 0.7, 1.0], [0.91, 0.05, 3.0], [0.5, 0.5, 0.0]] {
            let (m1, v1) = gp.posterior(&p);
            let (m2, v2) = fresh.posterior(&p);
            assert!((m1 - m2).abs() < 1e-8 && (v1 - v2).abs() < 1e-8, "posterior {m1} {v1} vs {m2} {v2}");
            let (mut ga, mut gb, mut gc, mut gd) = ([0.0; 3], [0.0; 3], [0.0; 3], [0.0; 3]);
            gp.posterior_with_grad(&p, &mut ga, &mut gb);
            fresh.posterior_with_grad(&p, &mut gc, &mut gd);
            for i in 0..3 {
                assert!((ga[i] - gc[i]).abs() < 1e-6 * (1.0 + gc[i].abs()), "mean gradient");
                assert!((gb[i] - gd[i]).abs() < 1e-6 * (1.0 + gd[i].abs()), "variance gradient");
            }
        }
        // A repeated point without noise cannot be added.
        let exact =
            Gp::new(vec![0.2, 0.6], vec![1.0, 0.0], vec![false], KernelParams { theta: vec![2.0], scale: 1.0, noise: 0.0 }).unwrap();
        assert!(exact.extend(&[0.6]).is_none());
    }

    #[test]
    fn duplicate_points_and_constant_outputs_stay_finite() {
        let p = KernelParams { theta: vec![1.0], scale: 1.0, noise: 0.0 };
        let gp = Gp::new(vec![0.5, 0.5, 0.5], vec![0.0, 0.0, 0.0], vec![false], p).unwrap();
        let (m, v) = gp.posterior(&[0.2]);
        assert!(m.is_finite() && v.is_finite() && v >= 0.0);
    }
}

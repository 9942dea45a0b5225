//! Fitting kernel hyperparameters: maximum a posteriori of the log marginal likelihood.
//!
//! Parameters are optimized in log space, `raw = [ln theta_1..d, ln scale, ln(noise - min_noise)]`,
//! by box-constrained L-BFGS. Priors (the same shapes Optuna's GPSampler uses, so that
//! both fit the same model): `-(0.1/theta + 0.1 theta)` per inverse squared lengthscale,
//! Gamma(2, 1) on the signal variance and Gamma(1.1, 30) on the noise variance. The noise is
//! kept above `min_noise`; a deterministic objective fixes it there.
//!
//! The gradient of `ln p(y) = -0.5 y'K^-1 y - 0.5 ln|K|` is
//! `0.5 tr((a a' - K^-1) dK)` with `a = K^-1 y`, summed over pairs without storing `dK`.

use faer::Mat;

use super::kernel::{m52_fast, m52_with_grad_fast, KernelParams};
use super::lbfgsb::{self, Memory, Options};
use super::linalg::Cholesky;
use super::regressor::{Factorization, Gp};

/// Noise floor, as a variance of standardized outputs.
pub const DEFAULT_MIN_NOISE: f64 = 1e-6;

/// Bounds of the raw (log) parameters: wide enough never to bind in practice, narrow enough
/// to keep `exp` finite and the Gram matrix meaningful.
const LN_THETA: (f64, f64) = (-16.0, 16.0);
const LN_SCALE: (f64, f64) = (-12.0, 8.0);
const LN_NOISE: (f64, f64) = (-40.0, 4.0);

#[derive(Clone, Copy, Debug)]
pub struct FitOptions {
    pub min_noise: f64,
    pub deterministic: bool,
    /// Gradient tolerance of the optimizer on the loss per observation, from 100 trials on
    /// (scaled down in proportion below: with ten trials it is Optuna's 1e-2 on the total).
    pub gtol: f64,
    /// Also start from the default parameters, not only from the warm start, and keep the best.
    pub restart: bool,
    /// The fit stops once its model of the curvature predicts less than this many nats of log
    /// posterior to gain.
    pub min_gain: f64,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions { min_noise: DEFAULT_MIN_NOISE, deterministic: false, gtol: 1e-2, restart: true, min_gain: 0.05 }
    }
}

/// The data of one fit.
pub struct Problem<'a> {
    pub x: &'a [f64],
    pub y: &'a [f64],
    pub categorical: &'a [bool],
    pub opts: FitOptions,
    /// The inputs by dimension (`cols[c][j]` = coordinate `c` of point `j`).
    cols: Vec<Vec<f64>>,
    /// Buffers reused across evaluations (fresh n x n matrices cost page faults).
    work: std::cell::Cell<Option<Work>>,
}

/// The n x n matrices of a fit, kept from one evaluation to the next and, by the sampler, from
/// one suggestion to the next: fresh matrices of that size cost page faults and zeroing, which
/// at a few hundred trials is a large part of an evaluation. Capacities are rounded up, so
/// growing the study by one trial does not reallocate.
pub struct Work {
    k: Mat<f64>,
    k_copy: Mat<f64>,
    kd: Mat<f64>,
    r2: Vec<f64>,
    spare: Vec<Mat<f64>>,
}

impl Default for Work {
    fn default() -> Self {
        Work { k: Mat::new(), k_copy: Mat::new(), kd: Mat::new(), r2: Vec::new(), spare: Vec::new() }
    }
}

impl Work {
    /// An n x n buffer (contents unspecified).
    fn take(&mut self, n: usize) -> Mat<f64> {
        let mut m = self.spare.pop().unwrap_or_else(Mat::new);
        fit_size(&mut m, n);
        m
    }

    /// Takes back the matrices of a GP that is no longer needed.
    pub fn recycle(&mut self, gp: Gp) {
        let (l, kinv) = gp.into_buffers();
        self.spare.extend([l, kinv]);
        self.spare.truncate(4);
    }
}

/// Makes `m` an n x n matrix, reusing its storage (capacity rounded up to 64 rows and columns).
fn fit_size(m: &mut Mat<f64>, n: usize) {
    if m.nrows() != n || m.ncols() != n {
        let cap = n.next_multiple_of(64);
        m.truncate(m.nrows().min(n), m.ncols().min(n));
        m.reserve(cap, cap);
        m.resize_with(n, n, |_, _| 0.0);
    }
}

impl<'a> Problem<'a> {
    pub fn new(x: &'a [f64], y: &'a [f64], categorical: &'a [bool], opts: FitOptions) -> Self {
        let d = categorical.len();
        let cols = (0..d).map(|c| (0..y.len()).map(|j| x[j * d + c]).collect()).collect();
        Problem { x, y, categorical, opts, cols, work: std::cell::Cell::new(None) }
    }

    fn dim(&self) -> usize {
        self.categorical.len()
    }

    fn n(&self) -> usize {
        self.y.len()
    }

    pub fn to_params(&self, raw: &[f64]) -> KernelParams {
        let d = self.dim();
        let noise = if self.opts.deterministic { self.opts.min_noise } else { self.opts.min_noise + raw[d + 1].exp() };
        KernelParams { theta: raw[..d].iter().map(|v| v.exp()).collect(), scale: raw[d].exp(), noise }
    }

    pub fn to_raw(&self, p: &KernelParams) -> Vec<f64> {
        let mut raw: Vec<f64> = p.theta.iter().map(|t| t.ln().clamp(LN_THETA.0, LN_THETA.1)).collect();
        raw.push(p.scale.ln().clamp(LN_SCALE.0, LN_SCALE.1));
        // The exact inverse of `to_params` (a warm start resumes where the last fit stopped; a
        // noise at its floor maps to the lower bound).
        raw.push((p.noise - self.opts.min_noise).max(1e-300).ln().clamp(LN_NOISE.0, LN_NOISE.1));
        raw
    }

    /// Gives the buffers of a factorization no longer needed back to the next evaluations.
    fn recycle(&self, parts: Factorization) {
        let mut work = self.work.take().unwrap_or_default();
        let (l, kinv) = parts.into_buffers();
        work.spare.extend([l, kinv]);
        self.work.set(Some(work));
    }

    /// The log prior and its gradient with respect to `raw`.
    fn log_prior(&self, p: &KernelParams, raw_grad: &mut [f64]) -> f64 {
        let d = self.dim();
        let mut lp = 0.0;
        for (g, &t) in raw_grad.iter_mut().zip(&p.theta) {
            lp -= 0.1 / t + 0.1 * t;
            *g = 0.1 / t - 0.1 * t;
        }
        // Gamma(2, 1): (2 - 1) ln s - s.
        lp += p.scale.ln() - p.scale;
        raw_grad[d] = 1.0 - p.scale;
        // Gamma(1.1, 30): 0.1 ln v - 30 v; d/d raw = (0.1 / v - 30) (v - min_noise).
        lp += 0.1 * p.noise.ln() - 30.0 * p.noise;
        raw_grad[d + 1] = if self.opts.deterministic { 0.0 } else { (0.1 / p.noise - 30.0) * (p.noise - self.opts.min_noise) };
        lp
    }

    /// The negative log posterior (up to a constant) and its gradient with respect to `raw`.
    /// `+inf` when the covariance cannot be factored.
    pub fn loss(&self, raw: &[f64], grad: &mut [f64]) -> f64 {
        self.loss_keeping(raw, grad).0
    }

    /// `loss`, also returning the factorization it computed (for the GP built after the fit).
    fn loss_keeping(&self, raw: &[f64], grad: &mut [f64]) -> (f64, Option<Factorization>) {
        let p = self.to_params(raw);
        // Gram matrix (lower triangle) and the kernel derivative factor `scale * m52'(r2)`.
        let mut work = self.work.take().unwrap_or_default();
        fit_size(&mut work.k_copy, self.n());
        fit_size(&mut work.kd, self.n());
        work.r2.resize(self.n(), 0.0);
        self.gram_lower(&p, &mut work);
        // The factorization consumes the Gram matrix; the kernel terms the gradient needs are
        // read from `kd` and `k_copy` (the lower triangles are kept there).
        let spare = work.take(self.n());
        let k_lower = std::mem::replace(&mut work.k, spare);
        work.k_copy.copy_from_triangular_lower(k_lower.as_ref());
        // The MAP must not sit where the matrix needs help (jitter): treat that as outside the
        // domain rather than factor with jitter.
        let Some(chol) = Cholesky::in_place(k_lower) else {
            self.work.set(Some(work));
            return (f64::INFINITY, None);
        };
        let mut kinv = work.take(self.n());
        chol.inverse_lower_into(&mut kinv);
        for j in 1..kinv.nrows() {
            for i in 0..j {
                kinv[(i, j)] = kinv[(j, i)];
            }
        }
        let out = self.loss_at(&p, chol, kinv, &work.k_copy, &work.kd, grad);
        self.work.set(Some(work));
        out
    }

    /// `loss` from a factorization already made for these parameters and inputs (an earlier
    /// one extended by the new points): the O(n^3) factorization and inverse are skipped.
    fn loss_from_parts(&self, raw: &[f64], grad: &mut [f64], parts: Factorization) -> (f64, Option<Factorization>) {
        let p = self.to_params(raw);
        let mut work = self.work.take().unwrap_or_default();
        fit_size(&mut work.kd, self.n());
        work.r2.resize(self.n(), 0.0);
        self.gram_lower(&p, &mut work);
        let out = self.loss_at(&p, parts.chol, parts.kinv, &work.k, &work.kd, grad);
        self.work.set(Some(work));
        out
    }

    /// The loss and its gradient from the factor, the full symmetric inverse and the lower
    /// triangles of the Gram matrix and of the kernel derivative factor.
    fn loss_at(
        &self,
        p: &KernelParams,
        chol: Cholesky,
        kinv: Mat<f64>,
        k_lower: &Mat<f64>,
        kd: &Mat<f64>,
        grad: &mut [f64],
    ) -> (f64, Option<Factorization>) {
        let alpha = chol.solve_vec(self.y);
        let quad: f64 = alpha.iter().zip(self.y).map(|(a, y)| a * y).sum();
        let mll = -chol.half_log_det() - 0.5 * quad;
        let (g_theta, g_scale, g_noise) = self.trace_terms(p, k_lower, kd, &kinv, &alpha);
        let d = self.dim();
        let lp = self.log_prior(p, grad);
        for c in 0..d {
            // d K / d ln theta_c = kd * sqd_c * theta_c
            grad[c] = -(g_theta[c] * p.theta[c] + grad[c]);
        }
        grad[d] = -(g_scale + grad[d]);
        grad[d + 1] = if self.opts.deterministic { 0.0 } else { -(g_noise * (p.noise - self.opts.min_noise) + grad[d + 1]) };
        (-(mll + lp), Some(Factorization { chol, alpha, kinv }))
    }

    /// Squared differences of dimension `c` between point `j` and points `j+1..n`, weighted by
    /// `w`, added to `out` (contiguous loops over the dimension-major inputs: they vectorize).
    #[inline(always)]
    fn add_sq_diffs(&self, c: usize, j: usize, w: f64, out: &mut [f64]) {
        let col = &self.cols[c][j + 1..];
        let xj = self.cols[c][j];
        if self.categorical[c] {
            for (o, &v) in out.iter_mut().zip(col) {
                *o += if v == xj { 0.0 } else { w };
            }
        } else {
            for (o, &v) in out.iter_mut().zip(col) {
                let t = v - xj;
                *o += w * (t * t);
            }
        }
    }

    fn gram_lower(&self, p: &KernelParams, work: &mut Work) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
                // SAFETY: the CPU has the features `gram_lower_avx2` is compiled for.
                return unsafe { self.gram_lower_avx2(p, work) };
            }
        }
        self.gram_lower_body(p, work)
    }

    /// The same loops for 256-bit vectors (nothing fused or reordered: identical results).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn gram_lower_avx2(&self, p: &KernelParams, work: &mut Work) {
        self.gram_lower_body(p, work)
    }

    /// Lower triangles of the Gram matrix `K` (in `work.k`) and of `scale * m52'(r2)` (in
    /// `work.kd`).
    #[inline(always)]
    fn gram_lower_body(&self, p: &KernelParams, work: &mut Work) {
        let (n, d) = (self.n(), self.dim());
        fit_size(&mut work.k, n);
        let Work { k, kd, r2, .. } = work;
        for j in 0..n {
            let r = &mut r2[j + 1..];
            r.fill(0.0);
            for c in 0..d {
                self.add_sq_diffs(c, j, p.theta[c], r);
            }
            let kc = &mut k.col_as_slice_mut(j)[j..];
            kc[0] = p.scale + p.noise;
            for (o, &rr) in kc[1..].iter_mut().zip(r.iter()) {
                *o = p.scale * m52_fast(rr);
            }
            let kdc = &mut kd.col_as_slice_mut(j)[j..];
            kdc[0] = p.scale * (-5.0 / 6.0);
            for (o, &rr) in kdc[1..].iter_mut().zip(r.iter()) {
                *o = p.scale * m52_with_grad_fast(rr).1;
            }
        }
    }

    /// `0.5 sum_jk W_jk dK_jk` with `W = a a' - K^-1`, for every hyperparameter: the
    /// (unscaled) gradients with respect to each `theta_c`, `ln scale` and the noise variance.
    fn trace_terms(&self, p: &KernelParams, k: &Mat<f64>, kd: &Mat<f64>, kinv: &Mat<f64>, alpha: &[f64]) -> (Vec<f64>, f64, f64) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
                // SAFETY: the CPU has the features `trace_terms_avx2` is compiled for.
                return unsafe { self.trace_terms_avx2(p, k, kd, kinv, alpha) };
            }
        }
        self.trace_terms_body(p, k, kd, kinv, alpha)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn trace_terms_avx2(
        &self,
        p: &KernelParams,
        k: &Mat<f64>,
        kd: &Mat<f64>,
        kinv: &Mat<f64>,
        alpha: &[f64],
    ) -> (Vec<f64>, f64, f64) {
        self.trace_terms_body(p, k, kd, kinv, alpha)
    }

    #[inline(always)]
    fn trace_terms_body(&self, p: &KernelParams, k: &Mat<f64>, kd: &Mat<f64>, kinv: &Mat<f64>, alpha: &[f64]) -> (Vec<f64>, f64, f64) {
        let (n, d) = (self.n(), self.dim());
        let mut g_theta = vec![0.0; d];
        let (mut g_scale, mut g_noise) = (0.0, 0.0);
        let mut wd = vec![0.0; n];
        for j in 0..n {
            let wjj = alpha[j] * alpha[j] - kinv[(j, j)];
            g_scale += 0.5 * wjj * p.scale;
            g_noise += 0.5 * wjj;
            // Off-diagonal pairs (i > j) count for both triangles: the factor 2 cancels the 0.5.
            let (kinv_col, k_col, kd_col) = (&kinv.col_as_slice(j)[j + 1..], &k.col_as_slice(j)[j + 1..], &kd.col_as_slice(j)[j + 1..]);
            let aj = alpha[j];
            let w_d = &mut wd[j + 1..];
            let mut s = 0.0;
            for (((o, &ki), &kk), (&kdd, &ai)) in w_d.iter_mut().zip(kinv_col).zip(k_col).zip(kd_col.iter().zip(&alpha[j + 1..])) {
                let w = ai * aj - ki;
                s += w * kk;
                *o = w * kdd;
            }
            g_scale += s;
            for (c, g) in g_theta.iter_mut().enumerate() {
                let col = &self.cols[c][j + 1..];
                let xj = self.cols[c][j];
                let mut s = 0.0;
                if self.categorical[c] {
                    for (&v, &w) in col.iter().zip(w_d.iter()) {
                        s += if v == xj { 0.0 } else { w };
                    }
                } else {
                    for (&v, &w) in col.iter().zip(w_d.iter()) {
                        let t = v - xj;
                        s += w * (t * t);
                    }
                }
                *g += s;
            }
        }
        (g_theta, g_scale, g_noise)
    }

    fn bounds(&self) -> (Vec<f64>, Vec<f64>) {
        let d = self.dim();
        let mut lo = vec![LN_THETA.0; d];
        let mut hi = vec![LN_THETA.1; d];
        lo.extend([LN_SCALE.0, LN_NOISE.0]);
        hi.extend([LN_SCALE.1, LN_NOISE.1]);
        (lo, hi)
    }
}

/// The result of a fit: the parameters, and the GP conditioned with them when the optimizer's
/// last evaluation was at the returned point (so the factorization is reused).
pub struct Fitted {
    pub params: KernelParams,
    pub gp: Option<Gp>,
    /// The optimizer stopped at the warm start, and `gp` holds the factorization given to
    /// [`fit_gp`] as `pre`.
    pub reused: bool,
}

/// Fits the hyperparameters, starting from `warm` (the previous fit) when given, and from the
/// default parameters too when `opts.restart` (or when the warm start fails). Returns the best
/// parameters found; the defaults when nothing could be optimized.
pub fn fit(x: &[f64], y: &[f64], categorical: &[bool], warm: Option<&KernelParams>, opts: FitOptions) -> KernelParams {
    fit_gp(x, y, categorical, warm, None, &mut Memory::default(), &mut Work::default(), opts).params
}

/// [`fit`], also returning the conditioned GP when it comes for free. `memory` holds the
/// optimizer's curvature pairs of the previous fit (used with the warm start) and receives
/// those of this one; `work` lends the fit its buffers. `pre`, when given, is the
/// factorization of these inputs with the `warm` parameters (an earlier one, extended): the
/// first evaluation reads it instead of factoring.
#[allow(clippy::too_many_arguments)]
pub fn fit_gp(
    x: &[f64],
    y: &[f64],
    categorical: &[bool],
    warm: Option<&KernelParams>,
    pre: Option<Factorization>,
    memory: &mut Memory,
    work: &mut Work,
    opts: FitOptions,
) -> Fitted {
    let prob = Problem::new(x, y, categorical, opts);
    prob.work.set(Some(std::mem::take(work)));
    let fitted = fit_with(&prob, warm, pre, memory);
    *work = prob.work.take().unwrap_or_default();
    fitted
}

fn fit_with(prob: &Problem, warm: Option<&KernelParams>, mut pre: Option<Factorization>, memory: &mut Memory) -> Fitted {
    let (x, y, categorical, opts) = (prob.x, prob.y, prob.categorical, prob.opts);
    let default = KernelParams::default_for(categorical.len());
    let mut starts = Vec::new();
    let warm = warm.filter(|w| w.theta.len() == categorical.len());
    if let Some(w) = warm {
        starts.push(w.clone());
    }
    let mut best_memory = Memory::default();
    if opts.restart || starts.is_empty() {
        starts.push(default.clone());
    }
    let (lo, hi) = prob.bounds();
    // The tolerance is per observation; below 100 trials it tightens in proportion, so that a
    // small study's fit is as precise in total as Optuna's (1e-2 on the summed gradient at 10
    // trials is 1e-3 per observation).
    let n_obs = y.len().max(1) as f64;
    let gtol = opts.gtol * (n_obs / 100.0).min(1.0);
    // Once the warm-started model of the curvature predicts less than `min_gain` (0.05 nat by
    // default) of log posterior to gain (statistically nothing: the posterior of the
    // hyperparameters is nats wide), the fit stops there.
    let lb_opts = Options { gtol, min_predicted_decrease: opts.min_gain / n_obs, ..Options::default() };
    // (loss, raw, factorization at raw if it was the last evaluation, whether that is `pre`)
    let mut best: Option<(f64, Vec<f64>, Option<Factorization>, bool)> = None;
    let mut tried_default = false;
    let mut i = 0;
    while i < starts.len() {
        let raw0 = prob.to_raw(&starts[i]);
        tried_default |= starts[i] == default;
        // Per observation: the gradient tolerance then means the same precision of the
        // hyperparameters whatever the number of trials.
        let inv_n = 1.0 / y.len().max(1) as f64;
        let mut last: Option<(Vec<f64>, Factorization)> = None;
        let mut mem = if i == 0 && warm.is_some() { memory.clone() } else { Memory::default() };
        // The given factorization serves the warm start's first evaluation only.
        let mut first = if i == 0 && warm.is_some() { pre.take() } else { None };
        let had_pre = first.is_some();
        let mut n_evals = 0;
        let out = lbfgsb::minimize_with_memory(
            |r, g| {
                n_evals += 1;
                let (f, parts) = match first.take() {
                    Some(p) => prob.loss_from_parts(r, g, p),
                    None => prob.loss_keeping(r, g),
                };
                g.iter_mut().for_each(|v| *v *= inv_n);
                if let Some((_, old)) = last.take() {
                    prob.recycle(old);
                }
                last = parts.map(|p| (r.to_vec(), p));
                f * inv_n
            },
            &raw0,
            &lo,
            &hi,
            lb_opts,
            &mut mem,
        );
        let reused = had_pre && n_evals == 1;
        if out.f.is_finite() && best.as_ref().is_none_or(|(f, _, _, _)| out.f < *f) {
            let parts = last.filter(|(r, _)| *r == out.x).map(|(_, p)| p);
            best = Some((out.f, out.x, parts, reused));
            best_memory = mem;
        }
        if best.is_none() && !tried_default && i + 1 == starts.len() {
            starts.push(default.clone());
        }
        i += 1;
    }
    *memory = best_memory;
    match best {
        Some((_, raw, parts, reused)) => {
            let params = prob.to_params(&raw);
            let reused = reused && parts.is_some();
            let gp = parts.map(|p| Gp::from_parts(x.to_vec(), y.to_vec(), categorical.to_vec(), params.clone(), p));
            Fitted { params, gp, reused }
        }
        None => Fitted {
            params: KernelParams { noise: if opts.deterministic { opts.min_noise } else { default.noise }, ..default },
            gp: None,
            reused: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gp::regressor::gram;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn normal(rng: &mut ChaCha8Rng) -> f64 {
        let (u, v) = (crate::rng::uniform01(rng).max(1e-300), crate::rng::uniform01(rng));
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }

    #[test]
    fn loss_gradient_matches_finite_differences() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let (n, d) = (12, 3);
        let x: Vec<f64> = (0..n * d).map(|i| if i % d == 2 { (i % 3) as f64 } else { crate::rng::uniform01(&mut rng) }).collect();
        let y: Vec<f64> = (0..n).map(|_| normal(&mut rng)).collect();
        let cat = [false, false, true];
        for deterministic in [false, true] {
            let prob = Problem::new(&x, &y, &cat, FitOptions { deterministic, ..FitOptions::default() });
            let raw = vec![0.3, -0.5, 1.1, 0.2, -2.0];
            let mut g = vec![0.0; 5];
            let f = prob.loss(&raw, &mut g);
            assert!(f.is_finite());
            for c in 0..5 {
                let h = 1e-6;
                let (mut a, mut b) = (raw.clone(), raw.clone());
                a[c] += h;
                b[c] -= h;
                let mut tmp = vec![0.0; 5];
                let fd = (prob.loss(&a, &mut tmp) - prob.loss(&b, &mut tmp)) / (2.0 * h);
                assert!((fd - g[c]).abs() < 1e-5 * (1.0 + fd.abs()), "param {c} det={deterministic}: fd {fd} vs {}", g[c]);
            }
        }
    }

    /// The loss read from an extended factorization equals the loss from a fresh one, and a fit
    /// whose warm start is already optimal keeps the given factorization.
    #[test]
    fn a_given_factorization_serves_the_first_evaluation() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let (n, d) = (60, 2);
        let x: Vec<f64> = (0..n * d).map(|_| crate::rng::uniform01(&mut rng)).collect();
        let y: Vec<f64> = (0..n).map(|r| (5.0 * x[r * d]).sin() + x[r * d + 1] + 0.05 * normal(&mut rng)).collect();
        let cat = [false, false];
        let prob = Problem::new(&x, &y, &cat, FitOptions::default());
        let raw = vec![1.2, 0.4, -0.3, -5.0];
        let (mut g1, mut g2) = (vec![0.0; 4], vec![0.0; 4]);
        let (f1, parts) = prob.loss_keeping(&raw, &mut g1);
        // The same matrices, reached by extending a GP on the first 40 points.
        let p = prob.to_params(&raw);
        let head = Gp::new(x[..40 * d].to_vec(), y[..40].to_vec(), cat.to_vec(), p.clone()).unwrap();
        let ext = head.extend(&x[40 * d..]).unwrap().into_factorization();
        let (f2, _) = prob.loss_from_parts(&raw, &mut g2, ext);
        assert!((f1 - f2).abs() < 1e-9 * f1.abs().max(1.0), "{f1} vs {f2}");
        for c in 0..4 {
            assert!((g1[c] - g2[c]).abs() < 1e-7 * (1.0 + g1[c].abs()), "gradient {c}: {} vs {}", g1[c], g2[c]);
        }
        drop(parts);
        // At the optimum, the fit stops at once and hands the given factorization back.
        let opts = FitOptions { restart: false, ..FitOptions::default() };
        let mut mem = Memory::default();
        let first = fit_gp(&x, &y, &cat, None, None, &mut mem, &mut Work::default(), opts);
        let pre = first.gp.unwrap().into_factorization();
        let again = fit_gp(&x, &y, &cat, Some(&first.params), Some(pre), &mut mem, &mut Work::default(), opts);
        assert!(again.reused && again.gp.is_some());
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * a.abs();
        assert!(close(again.params.scale, first.params.scale) && close(again.params.noise, first.params.noise));
        // Far from the optimum it moves, and says the factorization is not the given one.
        let off = KernelParams { theta: vec![0.1, 300.0], scale: 5.0, noise: 0.3 };
        let pre = Gp::new(x.clone(), y.clone(), cat.to_vec(), off.clone()).unwrap().into_factorization();
        let moved = fit_gp(&x, &y, &cat, Some(&off), Some(pre), &mut Memory::default(), &mut Work::default(), opts);
        assert!(!moved.reused && moved.params != off);
    }

    /// A draw from a GP prior with known lengthscales; the fit must recover which dimension is
    /// short and which is long, within a factor.
    #[test]
    fn recovers_lengthscales_of_a_gp_draw() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let (n, d) = (150, 2);
        let x: Vec<f64> = (0..n * d).map(|_| crate::rng::uniform01(&mut rng)).collect();
        let truth = KernelParams { theta: vec![1.0 / (0.15f64 * 0.15), 1.0 / (0.8f64 * 0.8)], scale: 1.0, noise: 1e-4 };
        let k = gram(&x, d, &[false, false], &truth);
        let chol = faer::linalg::solvers::Llt::new(k.as_ref(), faer::Side::Lower).unwrap();
        let z: Vec<f64> = (0..n).map(|_| normal(&mut rng)).collect();
        let l = chol.L();
        let y: Vec<f64> = (0..n).map(|i| (0..=i).map(|j| l[(i, j)] * z[j]).sum()).collect();
        let p = fit(&x, &y, &[false, false], None, FitOptions::default());
        let ls = p.lengthscales();
        assert!(ls[0] > 0.15 / 2.0 && ls[0] < 0.15 * 2.0, "short lengthscale {ls:?}");
        assert!(ls[1] > 0.8 / 2.5 && ls[1] < 0.8 * 2.5, "long lengthscale {ls:?}");
        assert!(p.noise < 0.05, "noise {}", p.noise);
    }

    #[test]
    fn constant_outputs_and_duplicates_give_finite_parameters() {
        let x = vec![0.5; 8];
        let y = vec![0.0; 8];
        let p = fit(&x, &y, &[false], None, FitOptions::default());
        assert!(p.theta[0].is_finite() && p.scale.is_finite() && p.noise.is_finite() && p.noise >= DEFAULT_MIN_NOISE);
        let p = fit(&x, &y, &[false], None, FitOptions { deterministic: true, ..FitOptions::default() });
        assert_eq!(p.noise, DEFAULT_MIN_NOISE);
    }
}

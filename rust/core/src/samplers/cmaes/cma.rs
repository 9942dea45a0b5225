//! The CMA-ES search distribution N(m, sigma^2 C) and its update from one ranked generation.
//!
//! One `tell` is Hansen's tutorial's generation step (arXiv:1604.00772, "the CMA-ES"):
//! weighted recombination of the mean (eq. 41), cumulative step-size adaptation (eqs. 43-44),
//! rank-one and rank-mu covariance updates with negative weights rescaled by n / ||C^-1/2 y||^2
//! (eqs. 46-47), and the h_sigma stall of the rank-one path. The separable variant keeps only
//! C's diagonal. Learning-rate adaptation (Nomura et al., GECCO 2023) optionally damps the
//! mean and covariance moves by their estimated signal-to-noise ratio.

use super::eigen::symmetric_eigen;
use super::params::Params;

/// Floor for eigenvalues that rounding made non-positive.
const EPS: f64 = 1e-8;
/// Caps that keep the state finite on diverging runs.
const SIGMA_MAX: f64 = 1e32;

/// Learning-rate adaptation state (Nomura, Akimoto, Ono 2023).
#[derive(Clone, Debug)]
pub struct LrAdapt {
    e_mean: Vec<f64>,
    e_sigma: Vec<f64>,
    v_mean: f64,
    v_sigma: f64,
    pub eta_mean: f64,
    pub eta_sigma: f64,
}

impl LrAdapt {
    const ALPHA: f64 = 1.4;
    const BETA_MEAN: f64 = 0.1;
    const BETA_SIGMA: f64 = 0.03;
    const GAMMA: f64 = 0.1;

    fn new(n: usize) -> Self {
        LrAdapt { e_mean: vec![0.0; n], e_sigma: vec![0.0; n * n], v_mean: 0.0, v_sigma: 0.0, eta_mean: 1.0, eta_sigma: 1.0 }
    }
}

#[derive(Clone, Debug)]
pub struct Cma {
    pub p: Params,
    pub separable: bool,
    pub mean: Vec<f64>,
    pub sigma: f64,
    /// `n x n` row-major, or the diagonal (`n`) for the separable variant.
    pub c: Vec<f64>,
    /// Eigenvectors of C (row-major, one per column; unused when separable) and the square
    /// roots of its eigenvalues (the diagonal's square roots when separable).
    pub b: Vec<f64>,
    pub d: Vec<f64>,
    pub p_sigma: Vec<f64>,
    pub pc: Vec<f64>,
    /// Generations told since this distribution started.
    pub g: u64,
    pub lr: Option<LrAdapt>,
    /// Best and worst value of recent generations, for the stall criterion.
    funhist: Vec<f64>,
    funhist_term: usize,
    tolx: f64,
}

impl Cma {
    /// A distribution with mean `mean`, step size `sigma` and covariance `cov` (identity when
    /// `None`; ignored when separable).
    pub fn new(mean: Vec<f64>, sigma: f64, cov: Option<Vec<f64>>, lambda: usize, separable: bool, lr_adapt: bool) -> Cma {
        let n = mean.len();
        let p = if separable { Params::separable(n, lambda) } else { Params::full(n, lambda) };
        let c = match (separable, cov) {
            (true, _) => vec![1.0; n],
            (false, Some(c)) => c,
            (false, None) => identity(n),
        };
        let funhist_term = 10 + (30.0 * n as f64 / lambda as f64).ceil() as usize;
        let mut cma = Cma {
            p,
            separable,
            mean,
            sigma,
            c,
            b: Vec::new(),
            d: Vec::new(),
            p_sigma: vec![0.0; n],
            pc: vec![0.0; n],
            g: 0,
            lr: (lr_adapt && !separable).then(|| LrAdapt::new(n)),
            funhist: vec![f64::NAN; funhist_term * 2],
            funhist_term,
            tolx: 1e-12 * sigma,
        };
        cma.decompose();
        cma
    }

    pub fn dim(&self) -> usize {
        self.mean.len()
    }

    pub fn popsize(&self) -> usize {
        self.p.lambda
    }

    /// B and D from C; C is rebuilt from them so it stays exactly symmetric and positive definite.
    fn decompose(&mut self) {
        let n = self.dim();
        if self.separable {
            self.d = self.c.iter().map(|&v| if v < 0.0 { EPS } else { v.sqrt() }).collect();
            return;
        }
        for i in 0..n {
            for j in 0..i {
                let v = 0.5 * (self.c[i * n + j] + self.c[j * n + i]);
                self.c[i * n + j] = v;
                self.c[j * n + i] = v;
            }
        }
        let Some((b, ev)) = symmetric_eigen(&self.c, n) else {
            // A non-finite covariance (a diverged run): start the shape afresh.
            self.c = identity(n);
            self.b = identity(n);
            self.d = vec![1.0; n];
            return;
        };
        let d: Vec<f64> = ev.iter().map(|&v| if v < 0.0 { EPS } else { v.sqrt() }).collect();
        for i in 0..n {
            for j in 0..n {
                self.c[i * n + j] = (0..n).map(|k| b[i * n + k] * d[k] * d[k] * b[j * n + k]).sum();
            }
        }
        self.b = b;
        self.d = d;
    }

    /// The point m + sigma B D z for a standard normal `z`.
    pub fn point(&self, z: &[f64]) -> Vec<f64> {
        let n = self.dim();
        let mut x = self.mean.clone();
        if self.separable {
            for ((x, d), z) in x.iter_mut().zip(&self.d).zip(z) {
                *x += self.sigma * d * z;
            }
            return x;
        }
        let dz: Vec<f64> = (0..n).map(|k| self.d[k] * z[k]).collect();
        for (x, row) in x.iter_mut().zip(self.b.chunks_exact(n)) {
            *x += self.sigma * row.iter().zip(&dz).map(|(b, v)| b * v).sum::<f64>();
        }
        x
    }

    /// C^-1/2 v.
    fn inv_sqrt_c(&self, v: &[f64]) -> Vec<f64> {
        let n = self.dim();
        if self.separable {
            return v.iter().zip(&self.d).map(|(v, d)| v / d).collect();
        }
        // B D^-1 B^T v
        let bt: Vec<f64> = (0..n).map(|k| (0..n).map(|i| self.b[i * n + k] * v[i]).sum::<f64>() / self.d[k]).collect();
        (0..n).map(|i| (0..n).map(|k| self.b[i * n + k] * bt[k]).sum()).collect()
    }

    /// One generation: `solutions` are (point, value to minimize), exactly `popsize` of them.
    pub fn tell(&mut self, solutions: &mut [(Vec<f64>, f64)]) {
        let n = self.dim();
        let p = self.p.clone();
        debug_assert_eq!(solutions.len(), p.lambda);
        self.g += 1;
        // Stable: ties keep the callers' order (trial number).
        solutions.sort_by(|a, b| a.1.total_cmp(&b.1));
        let fi = 2 * (self.g as usize % self.funhist_term);
        self.funhist[fi] = solutions[0].1;
        self.funhist[fi + 1] = solutions[solutions.len() - 1].1;

        let old = self.lr.as_ref().map(|_| (self.mean.clone(), self.sigma, self.c.clone(), self.b.clone(), self.d.clone()));
        let ys: Vec<Vec<f64>> =
            solutions.iter().map(|(x, _)| x.iter().zip(&self.mean).map(|(x, m)| (x - m) / self.sigma).collect()).collect();
        let mut y_w = vec![0.0; n];
        for (y, w) in ys.iter().zip(&p.weights).take(p.mu) {
            for i in 0..n {
                y_w[i] += w * y[i];
            }
        }
        for (m, y) in self.mean.iter_mut().zip(&y_w) {
            *m += self.sigma * y; // c_m = 1
        }
        // Step size: cumulative path in the isotropic (whitened) coordinates.
        let cs = p.c_sigma;
        let whitened = self.inv_sqrt_c(&y_w);
        let k = (cs * (2.0 - cs) * p.mu_eff).sqrt();
        for (p, w) in self.p_sigma.iter_mut().zip(&whitened) {
            *p = (1.0 - cs) * *p + k * w;
        }
        let norm_ps = norm(&self.p_sigma);
        self.sigma *= ((cs / p.d_sigma) * (norm_ps / p.chi_n - 1.0)).exp();
        self.sigma = self.sigma.min(SIGMA_MAX);
        // h_sigma stalls the rank-one path while the step size is growing fast.
        let left = norm_ps / (1.0 - (1.0 - cs).powi(2 * (self.g as i32 + 1))).sqrt();
        let h_sigma = if left < (1.4 + 2.0 / (n as f64 + 1.0)) * p.chi_n { 1.0 } else { 0.0 };
        let kc = h_sigma * (p.cc * (2.0 - p.cc) * p.mu_eff).sqrt();
        for (pc, y) in self.pc.iter_mut().zip(&y_w) {
            *pc = (1.0 - p.cc) * *pc + kc * y;
        }
        let delta_h = (1.0 - h_sigma) * p.cc * (2.0 - p.cc);
        let sum_w: f64 = p.weights.iter().sum();
        let decay = 1.0 + p.c1 * delta_h - p.c1 - p.cmu * sum_w;
        if self.separable {
            for i in 0..n {
                let rank_mu: f64 = p.weights.iter().zip(&ys).map(|(w, y)| w * y[i] * y[i]).sum();
                self.c[i] = decay * self.c[i] + p.c1 * self.pc[i] * self.pc[i] + p.cmu * rank_mu;
            }
        } else {
            // Negative weights act on whitened lengths: w_i n / ||C^-1/2 y_i||^2.
            let w_io: Vec<f64> = p
                .weights
                .iter()
                .zip(&ys)
                .map(|(&w, y)| if w >= 0.0 { w } else { w * n as f64 / (norm(&self.inv_sqrt_c(y)).powi(2) + 1e-8) })
                .collect();
            for i in 0..n {
                for j in 0..n {
                    let rank_mu: f64 = w_io.iter().zip(&ys).map(|(w, y)| w * y[i] * y[j]).sum();
                    self.c[i * n + j] = decay * self.c[i * n + j] + p.c1 * self.pc[i] * self.pc[j] + p.cmu * rank_mu;
                }
            }
        }
        if let Some((m0, s0, c0, b0, d0)) = old {
            self.adapt_learning_rate(&m0, s0, &c0, &b0, &d0);
        }
        self.decompose();
    }

    /// Learning-rate adaptation: compares this generation's moves of the mean and of
    /// Sigma = sigma^2 C (in the old distribution's coordinates) with their running averages, and
    /// scales the moves by rates that track the signal-to-noise ratio.
    fn adapt_learning_rate(&mut self, m0: &[f64], s0: f64, c0: &[f64], b0: &[f64], d0: &[f64]) {
        let n = self.dim();
        let Some(lr) = self.lr.as_mut() else { return };
        let d_mean: Vec<f64> = self.mean.iter().zip(m0).map(|(a, b)| a - b).collect();
        let sig2 = self.sigma * self.sigma;
        let d_sig: Vec<f64> = (0..n * n).map(|k| sig2 * self.c[k] - s0 * s0 * c0[k]).collect();
        // old Sigma^-1/2 = B D^-1 B^T / sigma
        let mut w = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                w[i * n + j] = (0..n).map(|k| b0[i * n + k] * b0[j * n + k] / d0[k]).sum::<f64>() / s0;
            }
        }
        let loc_mean: Vec<f64> = (0..n).map(|i| (0..n).map(|j| w[i * n + j] * d_mean[j]).sum()).collect();
        let mut tmp = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                tmp[i * n + j] = (0..n).map(|k| d_sig[i * n + k] * w[k * n + j]).sum();
            }
        }
        let loc_sig: Vec<f64> =
            (0..n * n).map(|ij| (0..n).map(|k| w[(ij / n) * n + k] * tmp[k * n + ij % n]).sum::<f64>() / 2f64.sqrt()).collect();
        let (bm, bs) = (LrAdapt::BETA_MEAN, LrAdapt::BETA_SIGMA);
        for (e, l) in lr.e_mean.iter_mut().zip(&loc_mean) {
            *e = (1.0 - bm) * *e + bm * l;
        }
        for (e, l) in lr.e_sigma.iter_mut().zip(&loc_sig) {
            *e = (1.0 - bs) * *e + bs * l;
        }
        lr.v_mean = (1.0 - bm) * lr.v_mean + bm * norm(&loc_mean).powi(2);
        lr.v_sigma = (1.0 - bs) * lr.v_sigma + bs * norm(&loc_sig).powi(2);
        let sq_em = norm(&lr.e_mean).powi(2);
        let snr_mean = (sq_em - bm / (2.0 - bm) * lr.v_mean) / (lr.v_mean - sq_em);
        let sq_es = norm(&lr.e_sigma).powi(2);
        let snr_sigma = (sq_es - bs / (2.0 - bs) * lr.v_sigma) / (lr.v_sigma - sq_es);
        let before_eta_mean = lr.eta_mean;
        let rel_mean = (snr_mean / LrAdapt::ALPHA / lr.eta_mean - 1.0).clamp(-1.0, 1.0);
        lr.eta_mean *= ((LrAdapt::GAMMA * lr.eta_mean).min(bm) * rel_mean).exp();
        let rel_sigma = (snr_sigma / LrAdapt::ALPHA / lr.eta_sigma - 1.0).clamp(-1.0, 1.0);
        lr.eta_sigma *= ((LrAdapt::GAMMA * lr.eta_sigma).min(bs) * rel_sigma).exp();
        lr.eta_mean = lr.eta_mean.min(1.0);
        lr.eta_sigma = lr.eta_sigma.min(1.0);
        if !(lr.eta_mean.is_finite() && lr.eta_sigma.is_finite()) {
            // 0/0 when a generation did not move: keep the plain update.
            lr.eta_mean = before_eta_mean.clamp(f64::MIN_POSITIVE, 1.0);
            lr.eta_sigma = 1.0;
        }
        let (eta_m, eta_s) = (lr.eta_mean, lr.eta_sigma);
        for i in 0..n {
            self.mean[i] = m0[i] + eta_m * d_mean[i];
        }
        let sigma_new: Vec<f64> = (0..n * n).map(|k| s0 * s0 * c0[k] + eta_s * d_sig[k]).collect();
        let log_det: f64 = match symmetric_eigen(&sigma_new, n) {
            Some((_, ev)) => ev.iter().map(|e| e.max(f64::MIN_POSITIVE).ln()).sum(),
            None => return,
        };
        let sigma = (log_det / 2.0 / n as f64).exp().min(SIGMA_MAX);
        self.c = sigma_new.iter().map(|v| v / (sigma * sigma)).collect();
        self.sigma = sigma * before_eta_mean / eta_m;
    }

    /// True when the run has converged or stalled (the `cmaes` library's criteria): the spread
    /// of recent values is below 1e-12, every coordinate's step is below 1e-12 sigma0, the
    /// distribution blew up, the mean no longer moves, or C's condition number passed 1e14.
    pub fn should_stop(&self) -> bool {
        let n = self.dim();
        let dc: Vec<f64> = if self.separable { self.c.clone() } else { (0..n).map(|i| self.c[i * n + i]).collect() };
        if self.g as usize > self.funhist_term {
            let (lo, hi) = self.funhist.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
            if hi - lo < 1e-12 {
                return true;
            }
        }
        if dc.iter().all(|c| self.sigma * c < self.tolx) && self.pc.iter().all(|p| self.sigma * p < self.tolx) {
            return true;
        }
        let dmax = self.d.iter().cloned().fold(0.0, f64::max);
        let dmin = self.d.iter().cloned().fold(f64::INFINITY, f64::min);
        if self.sigma * dmax > 1e4 {
            return true;
        }
        if (0..n).any(|i| self.mean[i] == self.mean[i] + 0.2 * self.sigma * dc[i].sqrt()) {
            return true;
        }
        if !self.separable {
            let k = self.g as usize % n;
            if (0..n).all(|i| self.mean[i] == self.mean[i] + 0.1 * self.sigma * self.d[k] * self.b[i * n + k]) {
                return true;
            }
        }
        dmax / dmin > 1e14
    }
}

pub fn identity(n: usize) -> Vec<f64> {
    let mut m = vec![0.0; n * n];
    for i in 0..n {
        m[i * n + i] = 1.0;
    }
    m
}

pub fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

//! Acquisition functions on the GP posterior, for maximization of standardized outputs.
//!
//! - `LogEi`: `ln E[max(0, f(x) - best)]`, computed stably far below the incumbent (the log form
//!   keeps a usable gradient where EI itself underflows).
//! - `LogPi`: `ln P(f(x) > best)`.
//! - `Ucb`: `mean + sqrt(beta) * sd`.

use std::sync::Mutex;

use super::normal::{log_cdf, log_h};
use super::regressor::Gp;
use crate::error::{Error, Result};

/// One block of screened candidates: kernel columns (column-major, n rows), means, bounds.
struct Block {
    /// Locked only by the one task that solves the block (a mutex lets it solve in place).
    kx: Mutex<Vec<f64>>,
    mu: Vec<f64>,
    ub: Vec<f64>,
}

/// The outcome of a screened sweep.
pub struct Screened {
    /// Exact values, or upper bounds for rows far below the best.
    pub vals: Vec<f64>,
    /// The rows evaluated exactly (ascending).
    pub kept: Vec<usize>,
    /// Their whitened kernel columns `L^-1 k(X, x)`, column-major with `n` rows.
    pub cols: Vec<f64>,
}

/// Candidates per block when screening.
const SCREEN_BLOCK: usize = 256;
/// Rows with the highest bounds evaluated first, to set the screening threshold.
const SCREEN_TOP: usize = 32;

/// Added to the posterior variance so that `sd > 0` at observed points.
const STABILIZING_NOISE: f64 = 1e-12;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Acquisition {
    LogEi,
    LogPi,
    Ucb { beta: f64 },
}

impl Acquisition {
    /// The acquisition named `name` (`"logei"`, `"logpi"` or `"ucb"`, any case). `beta` is used
    /// by UCB only but must be a finite number >= 0 whichever is named, so that a bad value is
    /// refused where it is given rather than when the acquisition changes.
    pub fn parse(name: &str, beta: f64) -> Result<Self> {
        if !(beta.is_finite() && beta >= 0.0) {
            return Err(Error::InvalidValue(format!("beta must be a finite number >= 0, got {beta}")));
        }
        match name.to_ascii_lowercase().as_str() {
            "logei" => Ok(Acquisition::LogEi),
            "logpi" => Ok(Acquisition::LogPi),
            "ucb" => Ok(Acquisition::Ucb { beta }),
            _ => Err(Error::InvalidValue(format!("acquisition must be 'logei', 'logpi' or 'ucb', got '{name}'"))),
        }
    }

    /// The value at posterior `(mean, var)` against the incumbent `best`, with the partial
    /// derivatives with respect to `mean` and `var`.
    pub fn value(&self, mean: f64, var: f64, best: f64) -> (f64, f64, f64) {
        let sd = (var + STABILIZING_NOISE).sqrt();
        match *self {
            Acquisition::LogEi => {
                let z = (mean - best) / sd;
                let (lh, dlh) = log_h(z);
                let d_sd = (1.0 - dlh * z) / sd;
                (lh + sd.ln(), dlh / sd, d_sd / (2.0 * sd))
            }
            Acquisition::LogPi => {
                let z = (mean - best) / sd;
                let (lc, dlc) = log_cdf(z);
                (lc, dlc / sd, -dlc * z / sd / (2.0 * sd))
            }
            Acquisition::Ucb { beta } => {
                let b = beta.sqrt();
                (mean + b * sd, 1.0, b / (2.0 * sd))
            }
        }
    }
}

/// What the optimizer of [`super::optimize`] maximizes: values, batches of values and
/// gradients over the encoded unit cube, with the lengthscales that set its step sizes.
pub trait Surface: Sync {
    fn dim(&self) -> usize;
    fn eval(&self, x: &[f64]) -> f64;
    /// Values at the rows of `xs` (row-major).
    fn eval_batch(&self, xs: &[f64]) -> Vec<f64>;
    /// Value and gradient with respect to `x`.
    fn eval_grad(&self, x: &[f64], grad: &mut [f64]) -> f64;
    fn lengthscales(&self) -> Vec<f64>;
}

impl Surface for AcqFn<'_> {
    fn dim(&self) -> usize {
        AcqFn::dim(self)
    }
    fn eval(&self, x: &[f64]) -> f64 {
        AcqFn::eval(self, x)
    }
    fn eval_batch(&self, xs: &[f64]) -> Vec<f64> {
        AcqFn::eval_batch(self, xs)
    }
    fn eval_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        AcqFn::eval_grad(self, x, grad)
    }
    fn lengthscales(&self) -> Vec<f64> {
        self.gp.params.lengthscales()
    }
}

/// The acquisition function of one suggestion: a GP, a criterion and the incumbent.
pub struct AcqFn<'a> {
    pub gp: &'a Gp,
    pub acq: Acquisition,
    pub best: f64,
}

impl AcqFn<'_> {
    pub fn dim(&self) -> usize {
        self.gp.dim
    }

    pub fn eval(&self, x: &[f64]) -> f64 {
        let (m, v) = self.gp.posterior(x);
        self.acq.value(m, v, self.best).0
    }

    /// Values at the rows of `xs` (row-major).
    pub fn eval_batch(&self, xs: &[f64]) -> Vec<f64> {
        let (m, v) = self.gp.posterior_batch(xs);
        m.iter().zip(&v).map(|(&m, &v)| self.acq.value(m, v, self.best).0).collect()
    }

    /// Values at the rows of `xs` for screening candidates: exact for every row whose value can
    /// be within `margin` of the best one, and an upper bound (from a variance bound, see
    /// [`Gp::mean_and_variance_bound`]) for the rows that cannot, where the exact O(n^2)
    /// variance cannot matter.
    pub fn eval_batch_screened(&self, xs: &[f64], margin: f64) -> Vec<f64> {
        self.screened(xs, margin, false).vals
    }

    /// [`AcqFn::eval_batch_screened`], also returning the rows it evaluated exactly and their
    /// whitened kernel columns `L^-1 k(X, x)` (for [`super::candidates::CandidateCache`]).
    pub fn screened_with_columns(&self, xs: &[f64], margin: f64) -> Screened {
        self.screened(xs, margin, true)
    }

    fn screened(&self, xs: &[f64], margin: f64, keep_cols: bool) -> Screened {
        let d = self.gp.dim.max(1);
        let n = self.gp.n();
        let m = xs.len() / d;
        let nb = m.div_ceil(SCREEN_BLOCK);
        // Pass 1 (per block, in parallel): kernel columns, means, bounds.
        let mut parts = super::parallel::map(nb, |b| {
            let rows = &xs[b * SCREEN_BLOCK * d..((b + 1) * SCREEN_BLOCK).min(m) * d];
            let mut kx = super::scratch::take(n * (rows.len() / d));
            let (mu, vb) = self.gp.mean_and_variance_bound(rows, &mut kx);
            let ub: Vec<f64> = mu.iter().zip(&vb).map(|(&mu, &vb)| self.upper_bound(mu, vb)).collect();
            Block { kx: Mutex::new(kx), mu, ub }
        });
        // The best exact value among the rows with the highest bounds is a lower bound of the
        // best value: rows bounded below it minus `margin` cannot come within `margin`.
        let ub = |parts: &[Block], r: usize| parts[r / SCREEN_BLOCK].ub[r % SCREEN_BLOCK];
        let mut order: Vec<usize> = (0..m).collect();
        let top = SCREEN_TOP.min(m);
        if top > 0 && top < m {
            order.select_nth_unstable_by(top - 1, |&a, &b| ub(&parts, b).total_cmp(&ub(&parts, a)));
        }
        let mut first = super::scratch::take(n * top);
        for (j, &r) in order[..top].iter().enumerate() {
            let kx = parts[r / SCREEN_BLOCK].kx.lock().unwrap_or_else(|e| e.into_inner());
            first[j * n..(j + 1) * n].copy_from_slice(&kx[(r % SCREEN_BLOCK) * n..(r % SCREEN_BLOCK + 1) * n]);
        }
        let first_vars = self.gp.variances_from_columns(&mut first, top);
        super::scratch::put(first);
        let mut vals: Vec<f64> = (0..m).map(|r| ub(&parts, r)).collect();
        let mut floor = f64::NEG_INFINITY;
        for (&r, v) in order[..top].iter().zip(first_vars) {
            let value = self.acq.value(parts[r / SCREEN_BLOCK].mu[r % SCREEN_BLOCK], v, self.best).0;
            vals[r] = value;
            floor = floor.max(value);
        }
        let floor = floor - margin;
        // Pass 2 (in parallel): the rows that may come within `margin`, gathered in row order
        // into chunks of SCREEN_BLOCK columns (a fixed grouping, whatever the thread count) and
        // solved there: equal chunks balance the threads and keep the solves wide.
        let kept: Vec<usize> = (0..m).filter(|&r| ub(&parts, r) >= floor || ub(&parts, r).is_nan()).collect();
        let chunks: Vec<&[usize]> = kept.chunks(SCREEN_BLOCK).collect();
        let exact = super::parallel::map(chunks.len(), |ci| {
            let rows = chunks[ci];
            let mut sub = super::scratch::take(n * rows.len());
            for (j, &r) in rows.iter().enumerate() {
                let kx = parts[r / SCREEN_BLOCK].kx.lock().unwrap_or_else(|e| e.into_inner());
                sub[j * n..(j + 1) * n].copy_from_slice(&kx[(r % SCREEN_BLOCK) * n..(r % SCREEN_BLOCK + 1) * n]);
            }
            let vars = self.gp.variances_from_columns(&mut sub, rows.len());
            let values: Vec<(usize, f64)> = rows
                .iter()
                .zip(vars)
                .map(|(&r, v)| (r, self.acq.value(parts[r / SCREEN_BLOCK].mu[r % SCREEN_BLOCK], v, self.best).0))
                .collect();
            (values, sub)
        });
        let mut cols = Vec::with_capacity(if keep_cols { n * kept.len() } else { 0 });
        for (values, sub) in exact {
            for (r, v) in values {
                vals[r] = v;
            }
            if keep_cols {
                cols.extend_from_slice(&sub);
            }
            super::scratch::put(sub);
        }
        for blk in parts.drain(..) {
            super::scratch::put(blk.kx.into_inner().unwrap_or_else(|e| e.into_inner()));
        }
        Screened { vals, kept, cols }
    }

    /// An upper bound of the value at posterior mean `mean` when the variance is at most `var`.
    fn upper_bound(&self, mean: f64, var: f64) -> f64 {
        match self.acq {
            // Probability of improvement falls with the variance above the incumbent.
            Acquisition::LogPi if mean >= self.best => 0.0,
            // The others rise with the variance.
            _ => self.acq.value(mean, var, self.best).0,
        }
    }

    /// Value and gradient with respect to `x`.
    pub fn eval_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        let d = self.gp.dim;
        let (mut gm, mut gv) = (vec![0.0; d], vec![0.0; d]);
        let (m, v) = self.gp.posterior_with_grad(x, &mut gm, &mut gv);
        let (val, dm, dv) = self.acq.value(m, v, self.best);
        for i in 0..d {
            grad[i] = dm * gm[i] + dv * gv[i];
        }
        val
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gp::kernel::KernelParams;

    #[test]
    fn parse_names_any_case_and_checks_beta() {
        assert_eq!(Acquisition::parse("LogEI", 2.0).unwrap(), Acquisition::LogEi);
        assert_eq!(Acquisition::parse("logpi", 0.0).unwrap(), Acquisition::LogPi);
        assert_eq!(Acquisition::parse("ucb", 3.0).unwrap(), Acquisition::Ucb { beta: 3.0 });
        let e = Acquisition::parse("ei", 2.0).unwrap_err().to_string();
        assert!(e.contains("acquisition") && e.contains("'logei'") && e.contains("'ei'"), "{e}");
        for beta in [-1.0, f64::NAN, f64::INFINITY] {
            let e = Acquisition::parse("logei", beta).unwrap_err().to_string();
            assert!(e.contains("beta must be a finite number >= 0"), "{e}");
        }
    }

    #[test]
    fn closed_forms() {
        // EI of N(mean, sd^2) over best: (mean - best) Phi(z) + sd phi(z).
        let (mean, var, best) = (0.3, 0.49, 0.1);
        let sd = (var + STABILIZING_NOISE).sqrt();
        let z = (mean - best) / sd;
        let phi = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
        let cdf = 0.5 * libm::erfc(-z / 2f64.sqrt());
        let ei = (mean - best) * cdf + sd * phi;
        assert!((Acquisition::LogEi.value(mean, var, best).0 - ei.ln()).abs() < 1e-14);
        assert!((Acquisition::LogPi.value(mean, var, best).0 - cdf.ln()).abs() < 1e-14);
        assert!((Acquisition::Ucb { beta: 4.0 }.value(mean, var, best).0 - (mean + 2.0 * sd)).abs() < 1e-14);
        // Far below the incumbent, log EI stays finite and ordered.
        let (a, _, _) = Acquisition::LogEi.value(-50.0, 1.0, 0.0);
        let (b, _, _) = Acquisition::LogEi.value(-40.0, 1.0, 0.0);
        assert!(a.is_finite() && b.is_finite() && a < b);
    }

    #[test]
    fn partial_derivatives_match_finite_differences() {
        for acq in [Acquisition::LogEi, Acquisition::LogPi, Acquisition::Ucb { beta: 2.0 }] {
            for &(m, v) in &[(0.2, 0.3), (-3.0, 0.01), (1.5, 2.0), (-12.0, 0.5)] {
                let (_, dm, dv) = acq.value(m, v, 0.4);
                let h = 1e-6;
                let fdm = (acq.value(m + h, v, 0.4).0 - acq.value(m - h, v, 0.4).0) / (2.0 * h);
                let fdv = (acq.value(m, v + h, 0.4).0 - acq.value(m, v - h, 0.4).0) / (2.0 * h);
                assert!((fdm - dm).abs() < 1e-5 * (1.0 + dm.abs()), "{acq:?} dm at ({m},{v}): {fdm} vs {dm}");
                assert!((fdv - dv).abs() < 1e-5 * (1.0 + dv.abs()), "{acq:?} dv at ({m},{v}): {fdv} vs {dv}");
            }
        }
    }

    #[test]
    fn screening_is_exact_near_the_top_and_an_upper_bound_elsewhere() {
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        let (n, d) = (200, 3);
        let x: Vec<f64> = (0..n * d).map(|_| crate::rng::uniform01(&mut rng)).collect();
        let y: Vec<f64> = (0..n).map(|r| -((x[r * d] - 0.3).powi(2) + (x[r * d + 1] - 0.6).powi(2)) * 5.0 + x[r * d + 2]).collect();
        let gp = Gp::new(x, y.clone(), vec![false; d], KernelParams { theta: vec![20.0, 20.0, 5.0], scale: 1.0, noise: 1e-4 }).unwrap();
        let cands: Vec<f64> = (0..3000 * d).map(|_| crate::rng::uniform01(&mut rng)).collect();
        let best = y.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        for acq in [Acquisition::LogEi, Acquisition::LogPi, Acquisition::Ucb { beta: 2.0 }] {
            let f = AcqFn { gp: &gp, acq, best };
            let skipped = crate::gp::check_screened(&f.eval_batch(&cands), &f.eval_batch_screened(&cands, 10.0), 10.0, &format!("{acq:?}"));
            if acq == Acquisition::LogEi {
                assert!(skipped > 0, "nothing was skipped: the test does not exercise the bound");
            }
        }
    }

    #[test]
    fn gradient_in_x_matches_finite_differences() {
        let x = vec![0.1, 0.2, 0.5, 0.9, 0.8, 0.4, 0.3, 0.7, 0.6, 0.6];
        let y = vec![0.3, -1.0, 0.8, 0.1, 1.2];
        let gp = Gp::new(x, y, vec![false, false], KernelParams { theta: vec![5.0, 2.0], scale: 1.1, noise: 1e-4 }).unwrap();
        for acq in [Acquisition::LogEi, Acquisition::LogPi, Acquisition::Ucb { beta: 2.0 }] {
            let f = AcqFn { gp: &gp, acq, best: 1.2 };
            for p in [[0.35, 0.45], [0.95, 0.05], [0.62, 0.58]] {
                let mut g = [0.0; 2];
                let v = f.eval_grad(&p, &mut g);
                assert!((v - f.eval(&p)).abs() < 1e-9);
                for i in 0..2 {
                    let h = 1e-6;
                    let (mut a, mut b) = (p, p);
                    a[i] += h;
                    b[i] -= h;
                    let fd = (f.eval(&a) - f.eval(&b)) / (2.0 * h);
                    assert!((fd - g[i]).abs() < 1e-4 * (1.0 + fd.abs()), "{acq:?} at {p:?} dim {i}: {fd} vs {}", g[i]);
                }
            }
        }
    }
}

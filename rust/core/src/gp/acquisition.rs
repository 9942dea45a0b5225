//! Acquisition functions on the GP posterior, for maximization of standardized outputs.
//!
//! - `LogEi`: `ln E[max(0, f(x) - best)]`, computed stably far below the incumbent (the log form
//!   keeps a usable gradient where EI itself underflows).
//! - `LogPi`: `ln P(f(x) > best)`.
//! - `Ucb`: `mean + sqrt(beta) * sd`.

use super::normal::{log_cdf, log_h};
use super::regressor::Gp;

/// Added to the posterior variance so that `sd > 0` at observed points.
const STABILIZING_NOISE: f64 = 1e-12;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Acquisition {
    LogEi,
    LogPi,
    Ucb { beta: f64 },
}

impl Acquisition {
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

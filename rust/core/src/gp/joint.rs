//! The acquisition function of constrained or multi-objective studies (Optuna's log CEI, log
//! EHVI and log CEHVI): a gain term plus, for each constraint, the log probability that it
//! holds under its own GP.
//!
//! Constraints and objectives are modelled as independent, so the log of the expected
//! feasible gain is the log of the gain plus the log probabilities of feasibility. The gain is
//! log EI over the best feasible value for one objective, log EHVI over the feasible outputs
//! for several, and nothing while no trial is feasible: the search then looks for feasibility
//! alone. Constraint outputs are the standardized negated constraint values, so a constraint
//! holds when its output is at least its threshold (the standardized 0).

use super::acquisition::{Acquisition, Surface};
use super::ehvi::LogEhvi;
use super::regressor::Gp;

/// The gain term.
pub enum Gain<'a> {
    /// No feasible trial yet: feasibility alone.
    Nothing,
    /// Log EI of one GP over `best`.
    Ei { gp: &'a Gp, best: f64 },
    /// Log EHVI of one GP per objective.
    Ehvi(LogEhvi<'a>),
}

pub struct JointAcq<'a> {
    pub gain: Gain<'a>,
    /// One GP per constraint with its threshold.
    pub constraints: Vec<(&'a Gp, f64)>,
    /// The local search's scale per coordinate (the mean of the objectives' lengthscales).
    pub lengthscales: Vec<f64>,
    pub dim: usize,
}

impl JointAcq<'_> {
    /// Log probability that every constraint holds at posterior `(mean, var)` of each, with
    /// the partial derivatives per constraint.
    fn log_feasibility(&self, post: &[(f64, f64)], d: Option<&mut [(f64, f64)]>) -> f64 {
        let mut total = 0.0;
        let mut d = d;
        for (k, ((_, thr), &(m, v))) in self.constraints.iter().zip(post).enumerate() {
            let (lp, dm, dv) = Acquisition::LogPi.value(m, v, *thr);
            total += lp;
            if let Some(d) = d.as_deref_mut() {
                d[k] = (dm, dv);
            }
        }
        total
    }
}

impl Surface for JointAcq<'_> {
    fn dim(&self) -> usize {
        self.dim
    }

    fn eval(&self, x: &[f64]) -> f64 {
        let post: Vec<(f64, f64)> = self.constraints.iter().map(|(gp, _)| gp.posterior(x)).collect();
        let feasible = self.log_feasibility(&post, None);
        feasible
            + match &self.gain {
                Gain::Nothing => 0.0,
                Gain::Ei { gp, best } => {
                    let (m, v) = gp.posterior(x);
                    Acquisition::LogEi.value(m, v, *best).0
                }
                Gain::Ehvi(f) => {
                    let (means, vars): (Vec<f64>, Vec<f64>) = f.gps.iter().map(|gp| gp.posterior(x)).unzip();
                    f.value(&means, &vars, None)
                }
            }
    }

    fn eval_batch(&self, xs: &[f64]) -> Vec<f64> {
        let rows = xs.len() / self.dim.max(1);
        let mut out = vec![0.0; rows];
        for (gp, thr) in &self.constraints {
            let (m, v) = gp.posterior_batch(xs);
            for r in 0..rows {
                out[r] += Acquisition::LogPi.value(m[r], v[r], *thr).0;
            }
        }
        match &self.gain {
            Gain::Nothing => {}
            Gain::Ei { gp, best } => {
                let (m, v) = gp.posterior_batch(xs);
                for r in 0..rows {
                    out[r] += Acquisition::LogEi.value(m[r], v[r], *best).0;
                }
            }
            Gain::Ehvi(f) => {
                let posts: Vec<(Vec<f64>, Vec<f64>)> = f.gps.iter().map(|gp| gp.posterior_batch(xs)).collect();
                let vals = super::parallel::map(rows, |r| {
                    let means: Vec<f64> = posts.iter().map(|p| p.0[r]).collect();
                    let vars: Vec<f64> = posts.iter().map(|p| p.1[r]).collect();
                    f.value(&means, &vars, None)
                });
                for (o, v) in out.iter_mut().zip(vals) {
                    *o += v;
                }
            }
        }
        out
    }

    fn eval_grad(&self, x: &[f64], grad: &mut [f64]) -> f64 {
        let d = self.dim;
        grad.iter_mut().for_each(|g| *g = 0.0);
        let (mut gm, mut gv) = (vec![0.0; d], vec![0.0; d]);
        let mut total = 0.0;
        let mut add = |gp: &Gp, f: &mut dyn FnMut(f64, f64) -> (f64, f64, f64), grad: &mut [f64]| {
            let (m, v) = gp.posterior_with_grad(x, &mut gm, &mut gv);
            let (val, dm, dv) = f(m, v);
            for i in 0..d {
                grad[i] += dm * gm[i] + dv * gv[i];
            }
            val
        };
        for (gp, thr) in &self.constraints {
            total += add(gp, &mut |m, v| Acquisition::LogPi.value(m, v, *thr), grad);
        }
        match &self.gain {
            Gain::Nothing => {}
            Gain::Ei { gp, best } => total += add(gp, &mut |m, v| Acquisition::LogEi.value(m, v, *best), grad),
            Gain::Ehvi(f) => {
                let k = f.gps.len();
                let (mut means, mut vars) = (vec![0.0; k], vec![0.0; k]);
                let mut grads = Vec::with_capacity(k);
                for (j, gp) in f.gps.iter().enumerate() {
                    let (mut a, mut b) = (vec![0.0; d], vec![0.0; d]);
                    (means[j], vars[j]) = gp.posterior_with_grad(x, &mut a, &mut b);
                    grads.push((a, b));
                }
                let (mut dm, mut dv) = (vec![0.0; k], vec![0.0; k]);
                total += f.value(&means, &vars, Some((&mut dm, &mut dv)));
                for (j, (a, b)) in grads.iter().enumerate() {
                    for i in 0..d {
                        grad[i] += dm[j] * a[i] + dv[j] * b[i];
                    }
                }
            }
        }
        total
    }

    fn lengthscales(&self) -> Vec<f64> {
        self.lengthscales.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gp::ehvi::normal_draws;
    use crate::gp::kernel::KernelParams;

    fn gp(x: Vec<f64>, y: Vec<f64>) -> Gp {
        Gp::new(x, y, vec![false], KernelParams { theta: vec![8.0], scale: 1.0, noise: 1e-4 }).unwrap()
    }

    /// The log probability of feasibility of a known posterior, by hand: one constraint whose
    /// GP has mean m and variance v at x holds with probability Phi((m - thr) / sqrt(v)).
    #[test]
    fn log_feasibility_of_a_known_posterior() {
        let c = gp(vec![0.2, 0.8], vec![1.0, -1.0]);
        let (m, v) = c.posterior(&[0.5]);
        let thr = 0.3;
        let f = JointAcq { gain: Gain::Nothing, constraints: vec![(&c, thr)], lengthscales: vec![1.0], dim: 1 };
        let z = (m - thr) / (v + 1e-12).sqrt();
        let p = 0.5 * libm::erfc(-z / 2f64.sqrt());
        assert!((f.eval(&[0.5]) - p.ln()).abs() < 1e-12, "{} vs {}", f.eval(&[0.5]), p.ln());
        // Two constraints: the product of the probabilities; with log EI on top, the sum of logs.
        let o = gp(vec![0.2, 0.8], vec![0.0, 2.0]);
        let two =
            JointAcq { gain: Gain::Ei { gp: &o, best: 1.0 }, constraints: vec![(&c, thr), (&c, -0.5)], lengthscales: vec![1.0], dim: 1 };
        let z2 = (m + 0.5) / (v + 1e-12).sqrt();
        let p2 = 0.5 * libm::erfc(-z2 / 2f64.sqrt());
        let (om, ov) = o.posterior(&[0.5]);
        let ei = Acquisition::LogEi.value(om, ov, 1.0).0;
        assert!((two.eval(&[0.5]) - (p.ln() + p2.ln() + ei)).abs() < 1e-12);
        assert_eq!(two.eval_batch(&[0.5, 0.1]).first().copied(), Some(two.eval(&[0.5])));
    }

    #[test]
    fn gradients_match_finite_differences() {
        let c = gp(vec![0.1, 0.5, 0.9], vec![1.0, 0.0, -1.0]);
        let o1 = gp(vec![0.1, 0.5, 0.9], vec![0.0, 1.0, -0.5]);
        let o2 = gp(vec![0.1, 0.5, 0.9], vec![1.0, -0.5, 0.3]);
        let obs = vec![vec![0.0, 1.0], vec![1.0, -0.5], vec![-0.5, 0.3]];
        let gains = [
            Gain::Nothing,
            Gain::Ei { gp: &o1, best: 1.0 },
            Gain::Ehvi(LogEhvi::new(vec![&o1, &o2], &obs, &obs, normal_draws(2, 128, 1).unwrap())),
        ];
        for gain in gains {
            let f = JointAcq { gain, constraints: vec![(&c, 0.2)], lengthscales: vec![1.0], dim: 1 };
            for x in [0.3, 0.62, 0.75] {
                let mut g = [0.0];
                let v = f.eval_grad(&[x], &mut g);
                assert!((v - f.eval(&[x])).abs() < 1e-12);
                let h = 1e-6;
                let fd = (f.eval(&[x + h]) - f.eval(&[x - h])) / (2.0 * h);
                assert!((fd - g[0]).abs() < 1e-4 * (1.0 + fd.abs()), "x={x}: {fd} vs {}", g[0]);
            }
        }
    }
}

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

/// A constraint whose posterior mean is this many standard deviations (at their bound) above
/// its threshold holds with probability above 1 - 1e-16: its log term and gradient are below
/// 1e-15 and are left out, which spares the O(n^2) variance.
const SURE: f64 = 8.3;

/// Whether constraint `gp` surely holds at `x` (see [`SURE`]), from its mean and the one-point
/// variance bound, O(n d).
fn surely_holds(gp: &Gp, thr: f64, x: &[f64]) -> bool {
    let mut k = vec![0.0; gp.n()];
    let (m, vb) = gp.mean_and_variance_bound(x, &mut k);
    m[0] - thr >= SURE * vb[0].sqrt()
}

/// Candidates per block when screening.
const SCREEN_BLOCK: usize = 256;
/// Rows with the highest bounds evaluated first, to set the screening threshold.
const SCREEN_TOP: usize = 32;

/// One term of the sum: log EI over an incumbent or log probability above a threshold.
#[derive(Clone, Copy)]
enum Term {
    Ei(f64),
    Pof(f64),
    /// One objective of the EHVI gain (combined with the others per row).
    Objective,
}

impl Term {
    fn value(self, mean: f64, var: f64) -> f64 {
        match self {
            Term::Ei(best) => Acquisition::LogEi.value(mean, var, best).0,
            Term::Pof(thr) => Acquisition::LogPi.value(mean, var, thr).0,
            Term::Objective => 0.0,
        }
    }

    /// An upper bound of the value when the variance is at most `var`: log EI rises with the
    /// variance, and so does the probability below the threshold (above it, it is at most 1).
    fn bound(self, mean: f64, var: f64) -> f64 {
        match self {
            Term::Pof(thr) if mean >= thr => 0.0,
            _ => self.value(mean, var),
        }
    }
}

impl<'a> JointAcq<'a> {
    /// The GP of every term: the constraints', then the gain's.
    fn terms(&self) -> Vec<(&'a Gp, Term)> {
        let mut out: Vec<(&'a Gp, Term)> = self.constraints.iter().map(|&(gp, thr)| (gp, Term::Pof(thr))).collect();
        match &self.gain {
            Gain::Nothing => {}
            Gain::Ei { gp, best } => out.push((*gp, Term::Ei(*best))),
            Gain::Ehvi(f) => out.extend(f.gps.iter().map(|&gp| (gp, Term::Objective))),
        }
        out
    }

    /// The EHVI of one row from its objectives' (mean, variance or its bound) pairs, exact or
    /// bounded; 0 without EHVI.
    fn ehvi(&self, post: &[(f64, f64)], bound: bool) -> f64 {
        let Gain::Ehvi(f) = &self.gain else { return 0.0 };
        let (means, vars): (Vec<f64>, Vec<f64>) = post.iter().cloned().unzip();
        if bound {
            f.bound(&means, &vars)
        } else {
            f.value(&means, &vars, None)
        }
    }

    /// Values at the rows of `xs`, exact for every row that can be within `margin` of the best
    /// one and an upper bound for the others (from each GP's variance bound, O(n d) per row
    /// against O(n^2) for the exact variance), as [`super::acquisition::AcqFn`] screens a
    /// sweep. EHVI is bounded by its draws' largest deviations at the variance bounds.
    pub fn eval_batch_screened(&self, xs: &[f64], margin: f64) -> Vec<f64> {
        let terms = self.terms();
        let d = self.dim.max(1);
        let m = xs.len() / d;
        let nb = m.div_ceil(SCREEN_BLOCK);
        // Pass 1 (per block, in parallel): kernel columns, means and bounds of every term.
        let parts = super::parallel::map(nb, |b| {
            let rows = &xs[b * SCREEN_BLOCK * d..((b + 1) * SCREEN_BLOCK).min(m) * d];
            terms
                .iter()
                .map(|(gp, _)| {
                    let mut kx = vec![0.0; gp.n() * (rows.len() / d)];
                    let (mu, vb) = gp.mean_and_variance_bound(rows, &mut kx);
                    (kx, mu, vb)
                })
                .collect::<Vec<_>>()
        });
        let at = |r: usize| (r / SCREEN_BLOCK, r % SCREEN_BLOCK);
        let mut vals: Vec<f64> = (0..m)
            .map(|r| {
                let (b, i) = at(r);
                let objectives: Vec<(f64, f64)> = terms
                    .iter()
                    .zip(&parts[b])
                    .filter(|((_, t), _)| matches!(t, Term::Objective))
                    .map(|(_, (_, mu, vb))| (mu[i], vb[i]))
                    .collect();
                terms.iter().zip(&parts[b]).map(|((_, t), (_, mu, vb))| t.bound(mu[i], vb[i])).sum::<f64>() + self.ehvi(&objectives, true)
            })
            .collect();
        // Exact values of some rows: each term's variances from its kernel columns.
        let exact = |rows: &[usize]| -> Vec<f64> {
            let mut out = vec![0.0; rows.len()];
            let mut objectives: Vec<Vec<(f64, f64)>> = vec![Vec::new(); rows.len()];
            for (k, (gp, t)) in terms.iter().enumerate() {
                let n = gp.n();
                let mut sub = vec![0.0; n * rows.len()];
                for (j, &r) in rows.iter().enumerate() {
                    let (b, i) = at(r);
                    sub[j * n..(j + 1) * n].copy_from_slice(&parts[b][k].0[i * n..(i + 1) * n]);
                }
                let vars = gp.variances_from_columns(&mut sub, rows.len());
                for (j, (&r, v)) in rows.iter().zip(vars).enumerate() {
                    let (b, i) = at(r);
                    out[j] += t.value(parts[b][k].1[i], v);
                    if matches!(t, Term::Objective) {
                        objectives[j].push((parts[b][k].1[i], v));
                    }
                }
            }
            for (o, post) in out.iter_mut().zip(&objectives) {
                *o += self.ehvi(post, false);
            }
            out
        };
        // The best exact value among the rows with the highest bounds is a lower bound of the
        // best value: rows bounded below it minus `margin` cannot come within `margin`.
        let mut order: Vec<usize> = (0..m).collect();
        let top = SCREEN_TOP.min(m);
        if top > 0 && top < m {
            order.select_nth_unstable_by(top - 1, |&a, &b| vals[b].total_cmp(&vals[a]));
        }
        order.truncate(top);
        order.sort_unstable();
        let mut floor = f64::NEG_INFINITY;
        for (&r, v) in order.iter().zip(exact(&order)) {
            vals[r] = v;
            floor = floor.max(v);
        }
        let floor = floor - margin;
        let kept: Vec<usize> = (0..m).filter(|&r| !order.contains(&r) && (vals[r] >= floor || vals[r].is_nan())).collect();
        let chunks: Vec<&[usize]> = kept.chunks(SCREEN_BLOCK).collect();
        let done = super::parallel::map(chunks.len(), |c| exact(chunks[c]));
        for (rows, v) in chunks.iter().zip(done) {
            for (&r, v) in rows.iter().zip(v) {
                vals[r] = v;
            }
        }
        vals
    }
}

impl Surface for JointAcq<'_> {
    fn dim(&self) -> usize {
        self.dim
    }

    fn eval(&self, x: &[f64]) -> f64 {
        let feasible: f64 = self
            .constraints
            .iter()
            .filter(|(gp, thr)| !surely_holds(gp, *thr, x))
            .map(|(gp, thr)| {
                let (m, v) = gp.posterior(x);
                Acquisition::LogPi.value(m, v, *thr).0
            })
            .sum();
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
            if !surely_holds(gp, *thr, x) {
                total += add(gp, &mut |m, v| Acquisition::LogPi.value(m, v, *thr), grad);
            }
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
    fn screening_is_exact_near_the_top_and_an_upper_bound_elsewhere() {
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
        let (n, d) = (220, 2);
        let x: Vec<f64> = (0..n * d).map(|_| crate::rng::uniform01(&mut rng)).collect();
        let y: Vec<f64> = (0..n).map(|r| -8.0 * ((x[r * d] - 0.3).powi(2) + (x[r * d + 1] - 0.6).powi(2))).collect();
        let c: Vec<f64> = (0..n).map(|r| x[r * d] + x[r * d + 1] - 0.8).collect();
        let p = KernelParams { theta: vec![30.0, 30.0], scale: 1.0, noise: 1e-4 };
        let go = Gp::new(x.clone(), y.clone(), vec![false; d], p.clone()).unwrap();
        let x2 = x.clone();
        let gc = Gp::new(x, c, vec![false; d], p).unwrap();
        let cands: Vec<f64> = (0..3000 * d).map(|_| crate::rng::uniform01(&mut rng)).collect();
        let best = y.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let y2: Vec<f64> = (0..n).map(|r| -8.0 * ((x2[r * d] - 0.7).powi(2) + (x2[r * d + 1] - 0.2).powi(2))).collect();
        let g2 =
            Gp::new(x2.clone(), y2.clone(), vec![false; d], KernelParams { theta: vec![30.0, 30.0], scale: 1.0, noise: 1e-4 }).unwrap();
        let outputs: Vec<Vec<f64>> = y.iter().zip(&y2).map(|(a, b)| vec![*a, *b]).collect();
        let ehvi = LogEhvi::new(vec![&go, &g2], &outputs, &outputs, crate::gp::ehvi::normal_draws(2, 128, 4).unwrap());
        for gain in [Gain::Nothing, Gain::Ei { gp: &go, best }, Gain::Ehvi(ehvi)] {
            let f = JointAcq { gain, constraints: vec![(&gc, 0.1)], lengthscales: vec![0.2; d], dim: d };
            let skipped = crate::gp::check_screened(&f.eval_batch(&cands), &f.eval_batch_screened(&cands, 10.0), 10.0, "joint");
            if !matches!(f.gain, Gain::Nothing) {
                assert!(skipped > 0, "nothing was skipped: the test does not exercise the bound");
            }
        }
    }

    /// A constraint that surely holds is left out: the value differs by less than 1e-14 from
    /// the full sum, and its gradient by as little.
    #[test]
    fn sure_constraints_are_left_out_without_changing_the_value() {
        let c = gp(vec![0.1, 0.5, 0.9], vec![1.0, 1.2, 0.9]);
        let o = gp(vec![0.1, 0.5, 0.9], vec![0.0, 1.0, -0.5]);
        let thr = -12.0;
        assert!(surely_holds(&c, thr, &[0.45]));
        let f = JointAcq { gain: Gain::Ei { gp: &o, best: 1.0 }, constraints: vec![(&c, thr)], lengthscales: vec![1.0], dim: 1 };
        let (m, v) = c.posterior(&[0.45]);
        let (om, ov) = o.posterior(&[0.45]);
        let full = Acquisition::LogPi.value(m, v, thr).0 + Acquisition::LogEi.value(om, ov, 1.0).0;
        assert!((f.eval(&[0.45]) - full).abs() < 1e-14);
        let mut g = [0.0];
        f.eval_grad(&[0.45], &mut g);
        let mut go = [0.0];
        JointAcq { gain: Gain::Ei { gp: &o, best: 1.0 }, constraints: vec![], lengthscales: vec![1.0], dim: 1 }.eval_grad(&[0.45], &mut go);
        assert!((g[0] - go[0]).abs() < 1e-14);
        // Near its threshold it is not left out.
        assert!(!surely_holds(&c, 1.0, &[0.45]));
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

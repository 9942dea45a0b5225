//! Log expected hypervolume improvement (log EHVI) of independent GPs, one per objective, as
//! Optuna's GPSampler computes it: the expectation over fixed quasi-Monte Carlo draws of the
//! posterior (scrambled Sobol points mapped to standard normals), so that the estimate is a
//! smooth deterministic function of `x` that L-BFGS can climb; the improvement of each draw is
//! a sum over the boxes of the undominated region ([`super::boxes`]).
//!
//! Outputs are maximized (standardized, larger is better), as everywhere in [`crate::gp`]. Each
//! box's extent in a draw is clamped below at `EPS` (as Optuna does), so the logarithm stays
//! finite and a draw that improves in one objective only still gives a gradient in it.

use super::boxes::{front, reference_point, undominated_boxes};
use super::regressor::Gp;
use crate::error::Result;
use crate::qmc::Sobol;
use crate::samplers::tpe::truncnorm::ndtri_exp;

/// The lower clamp of a box extent in one draw.
const EPS: f64 = 1e-12;
/// Added to the posterior variance so that `sd > 0` at observed points.
const STABILIZING_NOISE: f64 = 1e-12;
/// Posterior draws per evaluation (BoTorch's and Optuna's default).
pub const N_SAMPLES: usize = 128;

/// Log EHVI over a set of observed (maximized) output vectors.
pub struct LogEhvi<'a> {
    pub gps: Vec<&'a Gp>,
    /// Boxes of the region the observed vectors leave undominated above the reference point:
    /// lower corners and extents (row-major, `m` per box; an extent may be infinite).
    lower: Vec<f64>,
    width: Vec<f64>,
    /// Standard normal draws, `m` per draw.
    z: Vec<f64>,
    /// The largest draw of each objective (at least 0).
    z_max: Vec<f64>,
}

/// `n` standard normal vectors of dimension `m` from a scrambled Sobol sequence.
pub fn normal_draws(m: usize, n: usize, seed: u64) -> Result<Vec<f64>> {
    let mut sobol = Sobol::new(m, true, seed)?;
    Ok(sobol
        .points(n)
        .into_iter()
        .map(|u| {
            let u = u.clamp(1e-300, 1.0 - f64::EPSILON / 2.0);
            if u <= 0.5 {
                ndtri_exp(u.ln())
            } else {
                -ndtri_exp((1.0 - u).ln())
            }
        })
        .collect())
}

impl<'a> LogEhvi<'a> {
    /// Log EHVI for `gps` (one per objective) over the observed outputs `observed`, against
    /// the reference point of `baseline` (the observed trials' outputs; `observed` may add
    /// fantasies). `z` holds the normal draws, `gps.len()` per draw.
    pub fn new(gps: Vec<&'a Gp>, baseline: &[Vec<f64>], observed: &[Vec<f64>], z: Vec<f64>) -> Self {
        let m = gps.len();
        // Minimized copies: the reference point and the boxes are computed there.
        let neg = |v: &[Vec<f64>]| -> Vec<Vec<f64>> { v.iter().map(|p| p.iter().map(|x| -x).collect()).collect() };
        let reference = reference_point(&neg(baseline));
        let loss = neg(observed);
        let pareto: Vec<Vec<f64>> = front(&loss).into_iter().map(|i| loss[i].clone()).collect();
        let (mut lower, mut width) = (Vec::new(), Vec::new());
        for (lo, hi) in undominated_boxes(&pareto, &reference) {
            // Back to maximization: the box [lo, hi) of losses is (-hi, -lo] of outputs.
            for j in 0..m {
                lower.push(-hi[j]);
                width.push((hi[j] - lo[j]).max(EPS));
            }
        }
        let z_max = (0..m).map(|j| z.iter().skip(j).step_by(m.max(1)).fold(0.0f64, |a, &v| a.max(v))).collect();
        LogEhvi { gps, lower, width, z, z_max }
    }

    pub fn n_boxes(&self) -> usize {
        self.lower.len() / self.gps.len().max(1)
    }

    /// An upper bound of [`LogEhvi::value`] when each variance is at most `var`: every draw of
    /// an objective lies at most `sd z_max` above its mean and a box's extent grows with it, so
    /// each draw's improvement is at most that of the point `mean + sd z_max`. O(boxes).
    pub fn bound(&self, mean: &[f64], var: &[f64]) -> f64 {
        let m = mean.len();
        let top: Vec<f64> = (0..m).map(|j| mean[j] + (var[j].max(0.0) + STABILIZING_NOISE).sqrt() * self.z_max[j]).collect();
        let total: f64 = self
            .lower
            .chunks_exact(m)
            .zip(self.width.chunks_exact(m))
            .map(|(lo, w)| (0..m).map(|j| (top[j] - lo[j]).clamp(EPS, w[j])).product::<f64>())
            .sum();
        total.ln()
    }

    /// The value at posterior means `mean` and variances `var` (one per objective), with its
    /// partial derivatives with respect to each mean and variance when `grad` is given.
    pub fn value(&self, mean: &[f64], var: &[f64], grad: Option<(&mut [f64], &mut [f64])>) -> f64 {
        let m = mean.len();
        let sd: Vec<f64> = var.iter().map(|v| (v.max(0.0) + STABILIZING_NOISE).sqrt()).collect();
        let n_draws = self.z.len() / m;
        let mut y = vec![0.0; m];
        let mut t = vec![0.0; m];
        let mut total = 0.0;
        // d total / d y_j in each draw, accumulated against the draw's z for the sd.
        let want = grad.is_some();
        let (mut gm, mut gs) = (vec![0.0; m], vec![0.0; m]);
        let mut gy = vec![0.0; m];
        for s in 0..n_draws {
            let zs = &self.z[s * m..(s + 1) * m];
            for j in 0..m {
                y[j] = mean[j] + sd[j] * zs[j];
            }
            gy.iter_mut().for_each(|g| *g = 0.0);
            for (lo, w) in self.lower.chunks_exact(m).zip(self.width.chunks_exact(m)) {
                let mut prod = 1.0;
                for j in 0..m {
                    t[j] = (y[j] - lo[j]).clamp(EPS, w[j]);
                    prod *= t[j];
                }
                total += prod;
                if want {
                    for j in 0..m {
                        let d = y[j] - lo[j];
                        if d > EPS && d < w[j] {
                            gy[j] += prod / t[j];
                        }
                    }
                }
            }
            if want {
                for j in 0..m {
                    gm[j] += gy[j];
                    gs[j] += gy[j] * zs[j];
                }
            }
        }
        let value = (total / n_draws as f64).ln();
        if let Some((dm, dv)) = grad {
            for j in 0..m {
                dm[j] = gm[j] / total;
                // d sd / d var = 1 / (2 sd)
                dv[j] = gs[j] / total / (2.0 * sd[j]);
            }
        }
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gp::kernel::KernelParams;
    use crate::samplers::tpe::hypervolume::hypervolume;
    use rand::SeedableRng;

    fn gp1() -> Gp {
        Gp::new(vec![0.5], vec![0.0], vec![false], KernelParams::default_for(1)).unwrap()
    }

    /// Exact hypervolume gain of `y` (maximized) over `front` (maximized), by area.
    fn exact_gain(front: &[Vec<f64>], reference: &[f64], y: &[f64]) -> f64 {
        let neg = |p: &[f64]| p.iter().map(|v| -v).collect::<Vec<f64>>();
        let pts: Vec<Vec<f64>> = front.iter().map(|p| neg(p)).collect();
        let mut with = pts.clone();
        with.push(neg(y));
        hypervolume(&with, reference) - hypervolume(&pts, reference)
    }

    #[test]
    fn a_certain_posterior_gives_the_exact_gain() {
        let g = gp1();
        let obs = vec![vec![-1.0, -3.0], vec![-2.0, -2.0], vec![-3.0, -1.0]];
        let z = normal_draws(2, 16, 1).unwrap();
        let f = LogEhvi::new(vec![&g, &g], &obs, &obs, z);
        assert_eq!(f.n_boxes(), 4);
        let reference = reference_point(&obs.iter().map(|p| p.iter().map(|v| -v).collect()).collect::<Vec<_>>());
        for y in [[-1.5, -1.5], [-0.5, -2.5], [0.0, 0.0], [-2.5, -0.2]] {
            let v = f.value(&y, &[0.0, 0.0], None);
            let exact = exact_gain(&obs, &reference, &y);
            assert!((v.exp() - exact).abs() < 1e-6 * (1.0 + exact), "{y:?}: {} vs {exact}", v.exp());
        }
    }

    /// Against a brute-force Monte Carlo estimate of E[HVI] (pseudo-random draws, areas by the
    /// hypervolume routine), for an uncertain posterior.
    #[test]
    fn matches_brute_force_monte_carlo() {
        let g = gp1();
        let obs = vec![vec![-1.0, -3.0], vec![-2.0, -2.0], vec![-3.0, -1.0], vec![-2.5, -2.5]];
        let reference = reference_point(&obs.iter().map(|p| p.iter().map(|v| -v).collect()).collect::<Vec<_>>());
        let f = LogEhvi::new(vec![&g, &g], &obs, &obs, normal_draws(2, 4096, 3).unwrap());
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let normal = |rng: &mut rand_chacha::ChaCha8Rng| {
            let (u1, u2) = (crate::rng::uniform01(rng).max(1e-300), crate::rng::uniform01(rng));
            (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
        };
        for (mean, sd) in [([-1.8, -1.8], [0.5, 0.3]), ([-3.0, -3.0], [1.0, 1.0]), ([0.0, -4.0], [0.2, 0.8])] {
            let n = 100_000;
            let mut acc = 0.0;
            for _ in 0..n {
                let y = [mean[0] + sd[0] * normal(&mut rng), mean[1] + sd[1] * normal(&mut rng)];
                acc += exact_gain(&obs, &reference, &y);
            }
            let mc = acc / n as f64;
            let v = f.value(&mean, &[sd[0] * sd[0], sd[1] * sd[1]], None).exp();
            assert!((v - mc).abs() < 0.02 * mc + 1e-6, "mean {mean:?} sd {sd:?}: qmc {v} brute force {mc}");
        }
    }

    #[test]
    fn the_bound_is_above_the_value_for_smaller_variances() {
        let g = gp1();
        let obs = vec![vec![-1.0, -3.0], vec![-2.0, -2.0], vec![-3.0, -1.0]];
        let f = LogEhvi::new(vec![&g, &g], &obs, &obs, normal_draws(2, 128, 9).unwrap());
        for mean in [[-1.7, -1.9], [-4.0, -4.0], [-2.5, -0.5], [-9.0, -3.5]] {
            for vb in [0.01, 0.3, 2.0] {
                let b = f.bound(&mean, &[vb, vb]);
                for frac in [0.0, 0.5, 1.0] {
                    let v = f.value(&mean, &[vb * frac, vb * frac], None);
                    assert!(v <= b + 1e-12, "mean {mean:?} var {}: value {v} above the bound {b}", vb * frac);
                }
            }
        }
    }

    #[test]
    fn gradients_match_finite_differences() {
        let g = gp1();
        let obs = vec![vec![-1.0, -3.0], vec![-2.0, -2.0], vec![-3.0, -1.0]];
        let f = LogEhvi::new(vec![&g, &g], &obs, &obs, normal_draws(2, 128, 7).unwrap());
        for (mean, var) in [([-1.7, -1.9], [0.3, 0.2]), ([-2.5, -0.5], [0.05, 0.4])] {
            let (mut dm, mut dv) = ([0.0; 2], [0.0; 2]);
            f.value(&mean, &var, Some((&mut dm, &mut dv)));
            let h = 1e-6;
            for j in 0..2 {
                let (mut a, mut b) = (mean, mean);
                a[j] += h;
                b[j] -= h;
                let fd = (f.value(&a, &var, None) - f.value(&b, &var, None)) / (2.0 * h);
                assert!((fd - dm[j]).abs() < 1e-4 * (1.0 + fd.abs()), "d mean {j}: {fd} vs {}", dm[j]);
                let (mut a, mut b) = (var, var);
                a[j] += h;
                b[j] -= h;
                let fd = (f.value(&mean, &a, None) - f.value(&mean, &b, None)) / (2.0 * h);
                assert!((fd - dv[j]).abs() < 1e-4 * (1.0 + fd.abs()), "d var {j}: {fd} vs {}", dv[j]);
            }
        }
    }
}

//! A parameter's values counted on a grid of at most `n_steps` points and the Parzen estimator
//! (Scott's bandwidth) over that grid, as Optuna's `scott_parzen_estimator.py` builds them.

use crate::samplers::tpe::truncnorm::log_gauss_mass;
use crate::space::Distribution;

/// Counts of `values` (internal values drawn from `dist`) on the parameter's grid: one point per
/// choice of a categorical, else `n_steps` points (fewer for narrow integer or stepped ranges)
/// spread evenly in the parameter's scale (log for log parameters).
pub fn counts(dist: &Distribution, values: impl Iterator<Item = f64>, n_steps: usize) -> Vec<f64> {
    let (low, high, log, n) = match dist {
        Distribution::Categorical { choices } => {
            let mut c = vec![0.0; choices.len()];
            for v in values {
                c[(v as usize).min(choices.len() - 1)] += 1.0;
            }
            return c;
        }
        Distribution::Int { low, high, log: true, .. } => {
            let log2_size = (((high - low + 1) as f64).ln() / 2f64.ln()).ceil() as usize + 1;
            (*low as f64, *high as f64, true, n_steps.min(log2_size))
        }
        Distribution::Int { low, high, step, .. } => {
            (*low as f64, *high as f64, false, n_steps.min(((high - low) as f64 / *step as f64).round() as usize + 1))
        }
        Distribution::Float { low, high, log, step } => {
            let n = step.map_or(n_steps, |s| n_steps.min(((high - low) / s).round() as usize + 1));
            (*low, *high, *log, n)
        }
    };
    let n = n.max(1);
    let mut c = vec![0.0; n];
    let (low, high) = if log { (low.ln(), high.ln()) } else { (low, high) };
    let width = if n > 1 { (high - low) / (n - 1) as f64 } else { 1.0 };
    for v in values {
        let x = if log { v.ln() } else { v };
        // Midpoint ties go to the lower point, as in Optuna.
        let i = ((x - low) / width - 0.5).ceil();
        c[(i.max(0.0) as usize).min(n - 1)] += 1.0;
    }
    c
}

/// The Parzen estimator's probability of each grid point, from the counts of the points: one
/// kernel per occupied point weighted by its count, plus a prior kernel of weight `prior_weight`.
pub fn pdf(dist: &Distribution, counts: &[f64], prior_weight: f64) -> Vec<f64> {
    let occupied: Vec<(f64, f64)> = counts.iter().enumerate().filter(|(_, c)| **c > 0.0).map(|(i, c)| (i as f64, *c)).collect();
    let total: f64 = occupied.iter().map(|o| o.1).sum::<f64>() + prior_weight;
    let n = counts.len();
    let mut p = vec![0.0; n];
    if let Distribution::Categorical { .. } = dist {
        // Each kernel puts its mass on its choice, smoothed by a share of the prior's weight.
        let kernels = (occupied.len() + 1) as f64;
        let share = prior_weight / kernels;
        let row_sum = share * n as f64 + 1.0;
        for (c, pc) in p.iter_mut().enumerate() {
            let mut s = prior_weight / total / n as f64;
            for &(i, w) in &occupied {
                s += w / total * (share + if i as usize == c { 1.0 } else { 0.0 }) / row_sum;
            }
            *pc = s;
        }
        return p;
    }
    let sigma = scott_sigma(&occupied);
    let hi = (n - 1) as f64;
    // The observation kernels share one bandwidth and sit on grid points, so a point's mass
    // under a kernel depends only on their distance: one table of 2n - 1 masses serves all.
    let mass_at = |d: f64, s: f64| log_gauss_mass((d - 0.5) / s, (d + 0.5) / s).exp();
    let by_distance: Vec<f64> = (0..2 * n - 1).map(|i| mass_at(i as f64 - hi, sigma)).collect();
    let kernels: Vec<(usize, f64)> = occupied
        .iter()
        .map(|&(mu, w)| {
            let norm = log_gauss_mass((-0.5 - mu) / sigma, (hi + 0.5 - mu) / sigma);
            (mu as usize, w / total / norm.exp())
        })
        .collect();
    // The prior: one wide kernel in the middle of the grid.
    let (mid, wide) = (hi / 2.0, hi + 1.0);
    let prior_norm = log_gauss_mass((-0.5 - mid) / wide, (hi + 0.5 - mid) / wide).exp();
    for (x, px) in p.iter_mut().enumerate() {
        let observed: f64 = kernels.iter().map(|&(mu, w)| w * by_distance[x + n - 1 - mu]).sum();
        *px = observed + prior_weight / total * mass_at(x as f64 - mid, wide) / prior_norm;
    }
    p
}

/// Scott's rule on the weighted grid points (`(point, count)`, increasing), narrowed by the
/// interquartile range and floored so that 90% of a kernel's mass spans at least one point.
fn scott_sigma(occupied: &[(f64, f64)]) -> f64 {
    let total: f64 = occupied.iter().map(|o| o.1).sum();
    let mean = occupied.iter().map(|(x, w)| x * w).sum::<f64>() / total;
    let var = occupied.iter().map(|(x, w)| w * (x - mean).powi(2)).sum::<f64>() / (total - 1.0).max(1.0);
    let mut cum = Vec::with_capacity(occupied.len());
    let mut acc = 0.0;
    for o in occupied {
        acc += o.1;
        cum.push(acc);
    }
    let q1 = (total / 4.0).floor();
    let q3 = (total * 3.0 / 4.0).floor();
    let i1 = cum.partition_point(|c| *c < q1);
    let i3 = cum.partition_point(|c| *c <= q3).min(occupied.len() - 1);
    let iqr = occupied[i3].0 - occupied[i1.min(occupied.len() - 1)].0;
    let sigma = 1.059 * (iqr / 1.34).min(var.sqrt()) * total.powf(-0.2);
    sigma.max(0.5 / 1.64)
}

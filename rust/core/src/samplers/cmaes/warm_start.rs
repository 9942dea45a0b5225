//! Warm starting (WS-CMA-ES, Nomura et al., AAAI 2021): the initial distribution from the best
//! solutions of a related task.
//!
//! The top `gamma` share of the source solutions gives a Gaussian whose covariance is their
//! sample covariance plus `alpha^2 I`; sigma is its determinant's 2n-th root and C the
//! covariance divided by sigma^2 (so det C = 1).

use super::eigen::symmetric_eigen;
use crate::error::{Error, Result};

const GAMMA: f64 = 0.1;
const ALPHA: f64 = 0.1;

/// (mean, sigma, covariance `n x n` row-major) from (point, value to minimize) pairs.
pub fn warm_start(mut solutions: Vec<(Vec<f64>, f64)>) -> Result<(Vec<f64>, f64, Vec<f64>)> {
    solutions.sort_by(|a, b| a.1.total_cmp(&b.1));
    let top = (solutions.len() as f64 * GAMMA).floor() as usize;
    if top == 0 {
        return Err(Error::InvalidValue(format!(
            "source_trials: the warm start uses the best 10% of the compatible source trials, and {} is too few; \
             pass at least 10 finished trials over the same parameters",
            solutions.len()
        )));
    }
    let n = solutions[0].0.len();
    let best = &solutions[..top];
    let mut mean = vec![0.0; n];
    for (x, _) in best {
        for i in 0..n {
            mean[i] += x[i] / top as f64;
        }
    }
    let mut cov = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            let second: f64 = best.iter().map(|(x, _)| x[i] * x[j]).sum::<f64>() / top as f64;
            cov[i * n + j] = second - mean[i] * mean[j] + if i == j { ALPHA * ALPHA } else { 0.0 };
        }
    }
    let (_, ev) = symmetric_eigen(&cov, n).ok_or_else(|| Error::InvalidValue("source_trials: a parameter value is not finite".into()))?;
    let log_det: f64 = ev.iter().map(|e| e.max(f64::MIN_POSITIVE).ln()).sum();
    let sigma = (log_det / (2.0 * n as f64)).exp();
    let scale = (log_det / n as f64).exp();
    Ok((mean, sigma, cov.iter().map(|v| v / scale).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_cmaes_library() {
        // cmaes.get_warm_start_mgd on these 20 points gives mean (0.05, 0.1), sigma 0.1 * (1.0025)^.5..
        let sols: Vec<(Vec<f64>, f64)> = (0..20).map(|k| (vec![k as f64 * 0.05, k as f64 * 0.1 % 0.7], k as f64)).collect();
        let (mean, sigma, cov) = warm_start(sols).unwrap();
        assert!((mean[0] - 0.025).abs() < 1e-12 && (mean[1] - 0.05).abs() < 1e-12, "{mean:?}");
        // Sigma = diag(.01, .01) + cov of {(0,0), (.05,.1)} = [[.010625, .00125], [.00125, .0125]]
        let det: f64 = 0.010625 * 0.0125 - 0.00125 * 0.00125;
        assert!((sigma - det.powf(0.25)).abs() < 1e-12, "{sigma}");
        assert!((cov[1] - 0.00125 / det.sqrt()).abs() < 1e-12);
        assert!(warm_start(vec![(vec![0.0], 1.0); 9]).is_err());
    }
}

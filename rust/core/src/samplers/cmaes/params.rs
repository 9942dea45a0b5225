//! Strategy parameters of CMA-ES: recombination weights and learning rates.
//!
//! The full variant follows Hansen's tutorial (arXiv:1604.00772, eqs. 48-58, with negative
//! weights, "active" CMA); the separable variant (sep-CMA-ES, Ros & Hansen 2008) uses positive
//! weights only and a rank-mu rate scaled by (n + 2) / 3, since a diagonal covariance has n
//! parameters instead of n^2 / 2.

/// Learning rates and weights for dimension `n` and population `lambda`.
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    pub n: usize,
    pub lambda: usize,
    pub mu: usize,
    /// One weight per rank (best first); the separable variant has `mu` of them.
    pub weights: Vec<f64>,
    pub mu_eff: f64,
    pub c1: f64,
    pub cmu: f64,
    pub cc: f64,
    pub c_sigma: f64,
    pub d_sigma: f64,
    /// E||N(0, I)||.
    pub chi_n: f64,
}

/// The default population size, 4 + floor(3 ln n) (eq. 48).
pub fn default_popsize(n: usize) -> usize {
    4 + (3.0 * (n as f64).ln()).floor() as usize
}

fn chi_n(n: f64) -> f64 {
    n.sqrt() * (1.0 - 1.0 / (4.0 * n) + 1.0 / (21.0 * n * n))
}

fn d_sigma(mu_eff: f64, n: f64, c_sigma: f64) -> f64 {
    1.0 + 2.0 * (((mu_eff - 1.0) / (n + 1.0)).sqrt() - 1.0).max(0.0) + c_sigma
}

impl Params {
    /// Full-covariance CMA-ES (`lambda >= 2`).
    pub fn full(n: usize, lambda: usize) -> Params {
        let nf = n as f64;
        let mu = lambda / 2;
        let prime: Vec<f64> = (0..lambda).map(|i| ((lambda as f64 + 1.0) / 2.0).ln() - ((i + 1) as f64).ln()).collect();
        let eff = |w: &[f64]| {
            let s: f64 = w.iter().sum();
            s * s / w.iter().map(|x| x * x).sum::<f64>()
        };
        let mu_eff = eff(&prime[..mu]);
        let mu_eff_minus = if lambda > mu { eff(&prime[mu..]) } else { 0.0 };
        let alpha_cov = 2.0;
        let c1 = alpha_cov / ((nf + 1.3).powi(2) + mu_eff);
        let cmu = (1.0 - c1 - 1e-8).min(alpha_cov * (mu_eff - 2.0 + 1.0 / mu_eff) / ((nf + 2.0).powi(2) + alpha_cov * mu_eff / 2.0));
        // Negative weights are scaled so the covariance stays positive definite (eqs. 50-53).
        let min_alpha = (1.0 + c1 / cmu).min(1.0 + 2.0 * mu_eff_minus / (mu_eff + 2.0)).min((1.0 - c1 - cmu) / (nf * cmu));
        let pos: f64 = prime.iter().filter(|w| **w > 0.0).sum();
        let neg: f64 = prime.iter().filter(|w| **w < 0.0).map(|w| -w).sum();
        let weights = prime.iter().map(|&w| if w >= 0.0 { w / pos } else { min_alpha * w / neg }).collect();
        let c_sigma = (mu_eff + 2.0) / (nf + mu_eff + 5.0);
        Params {
            n,
            lambda,
            mu,
            weights,
            mu_eff,
            c1,
            cmu,
            cc: (4.0 + mu_eff / nf) / (nf + 4.0 + 2.0 * mu_eff / nf),
            c_sigma,
            d_sigma: d_sigma(mu_eff, nf, c_sigma),
            chi_n: chi_n(nf),
        }
    }

    /// Separable (diagonal) CMA-ES.
    pub fn separable(n: usize, lambda: usize) -> Params {
        let nf = n as f64;
        let mu = lambda / 2;
        let prime: Vec<f64> = (0..mu).map(|i| ((mu + 1) as f64).ln() - ((i + 1) as f64).ln()).collect();
        let s: f64 = prime.iter().sum();
        let weights: Vec<f64> = prime.iter().map(|w| w / s).collect();
        let mu_eff = 1.0 / weights.iter().map(|w| w * w).sum::<f64>();
        let c1 = 2.0 / ((nf + 1.3).powi(2) + mu_eff);
        let cmu_full = 2.0 / mu_eff / (nf + 2f64.sqrt()).powi(2)
            + (1.0 - 1.0 / mu_eff) * (1f64).min((2.0 * mu_eff - 1.0) / ((nf + 2.0).powi(2) + mu_eff));
        let c_sigma = (mu_eff + 2.0) / (nf + mu_eff + 3.0);
        Params {
            n,
            lambda,
            mu,
            weights,
            mu_eff,
            c1,
            cmu: (nf + 2.0) / 3.0 * cmu_full,
            cc: 4.0 / (nf + 4.0),
            c_sigma,
            d_sigma: d_sigma(mu_eff, nf, c_sigma),
            chi_n: chi_n(nf),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_and_rates_match_the_tutorial() {
        let p = Params::full(2, default_popsize(2));
        assert_eq!(p.lambda, 6);
        assert_eq!(p.mu, 3);
        // positive weights sum to 1, negative ones to -min_alpha
        let pos: f64 = p.weights.iter().filter(|w| **w > 0.0).sum();
        assert!((pos - 1.0).abs() < 1e-12);
        // values computed once from the `cmaes` library (CMA(mean=zeros(2), sigma=1))
        assert!((p.mu_eff - 2.0286114646100617).abs() < 1e-12, "{}", p.mu_eff);
        assert!((p.c1 - 0.1548153998964136).abs() < 1e-12, "{}", p.c1);
        assert!((p.cmu - 0.057859085071916304).abs() < 1e-12, "{}", p.cmu);
        assert!((p.c_sigma - 0.44620498737831715).abs() < 1e-12, "{}", p.c_sigma);
        assert!((p.cc - 0.6245545390268264).abs() < 1e-12, "{}", p.cc);
        assert_eq!(default_popsize(10), 10);
        let s = Params::separable(10, 10);
        assert_eq!(s.weights.len(), 5);
        assert!((s.weights.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }
}

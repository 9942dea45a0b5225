//! Output warping: a Yeo-Johnson power transform of the standardized objective values, with the
//! exponent chosen by maximum likelihood, so that the GP's Gaussian assumption fits objectives
//! whose values spread over orders of magnitude (a loss that explodes away from the optimum).
//!
//! The transform is monotone, so the order of trials and the incumbent are kept; the exponent
//! `lambda = 1` is the identity, which the likelihood picks for values already close to Gaussian.
//! The values are standardized before (to fix the scale the exponent acts on) and after.

/// Exponents searched.
const LAMBDA: (f64, f64) = (-2.0, 4.0);

/// Yeo-Johnson transform of one value.
pub fn yeo_johnson(y: f64, lambda: f64) -> f64 {
    if y >= 0.0 {
        if lambda.abs() < 1e-12 {
            y.ln_1p()
        } else {
            (lambda * y.ln_1p()).exp_m1() / lambda
        }
    } else if (lambda - 2.0).abs() < 1e-12 {
        -(-y).ln_1p()
    } else {
        -((2.0 - lambda) * (-y).ln_1p()).exp_m1() / (2.0 - lambda)
    }
}

/// The values with what the likelihood needs of them computed once: `ln(1 + |y|)`, the sign,
/// and the log-Jacobian sum (the exponent's coefficient).
struct Prepared {
    ln1p: Vec<f64>,
    negative: Vec<bool>,
    jac: f64,
}

impl Prepared {
    fn new(y: &[f64]) -> Self {
        let ln1p: Vec<f64> = y.iter().map(|v| v.abs().ln_1p()).collect();
        let negative: Vec<bool> = y.iter().map(|&v| v < 0.0).collect();
        let jac = ln1p.iter().zip(&negative).map(|(l, &neg)| if neg { -l } else { *l }).sum();
        Prepared { ln1p, negative, jac }
    }

    /// The profile log-likelihood of `lambda` for normal transformed values (up to a constant).
    fn log_likelihood(&self, lambda: f64) -> f64 {
        let n = self.ln1p.len() as f64;
        let t: Vec<f64> = self
            .ln1p
            .iter()
            .zip(&self.negative)
            .map(|(&l, &neg)| {
                // yeo_johnson() from the precomputed ln(1 + |y|).
                if !neg {
                    if lambda.abs() < 1e-12 {
                        l
                    } else {
                        (lambda * l).exp_m1() / lambda
                    }
                } else if (lambda - 2.0).abs() < 1e-12 {
                    -l
                } else {
                    -((2.0 - lambda) * l).exp_m1() / (2.0 - lambda)
                }
            })
            .collect();
        let mean = t.iter().sum::<f64>() / n;
        let var = t.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
        if var.is_nan() || var <= 0.0 || !var.is_finite() {
            return f64::NEG_INFINITY;
        }
        -0.5 * n * var.ln() + (lambda - 1.0) * self.jac
    }
}

/// The maximum-likelihood exponent (golden-section search on [-2, 4], to 1e-3).
pub fn fit_lambda(y: &[f64]) -> f64 {
    let p = Prepared::new(y);
    let g = 0.5 * (5f64.sqrt() - 1.0);
    let (mut a, mut b) = LAMBDA;
    let mut c = b - g * (b - a);
    let mut d = a + g * (b - a);
    let (mut fc, mut fd) = (p.log_likelihood(c), p.log_likelihood(d));
    while b - a > 1e-3 {
        if fc >= fd {
            b = d;
            (d, fd) = (c, fc);
            c = b - g * (b - a);
            fc = p.log_likelihood(c);
        } else {
            a = c;
            (c, fc) = (d, fd);
            d = a + g * (b - a);
            fd = p.log_likelihood(d);
        }
    }
    let lambda = 0.5 * (a + b);
    // Keep the identity unless the transform is clearly more likely (2 nats).
    if p.log_likelihood(lambda) > p.log_likelihood(1.0) + 2.0 {
        lambda
    } else {
        1.0
    }
}

/// Standardized values, warped, standardized again. `y` must be finite.
pub fn warp(y: &[f64]) -> Vec<f64> {
    let z = standardize(y);
    if z.len() < 3 {
        return z;
    }
    let lambda = fit_lambda(&z);
    if lambda == 1.0 {
        return z;
    }
    standardize(&z.iter().map(|&v| yeo_johnson(v, lambda)).collect::<Vec<_>>())
}

/// Zero mean, unit variance (a constant stays zero).
pub fn standardize(v: &[f64]) -> Vec<f64> {
    let n = v.len().max(1) as f64;
    let mean = v.iter().sum::<f64>() / n;
    let sd = (v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n).sqrt();
    v.iter().map(|x| (x - mean) / sd.max(1e-10)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transform_is_monotone_and_identity_at_one() {
        for lambda in [-2.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.5] {
            let mut prev = f64::NEG_INFINITY;
            for k in -100..=100 {
                let y = k as f64 * 0.37;
                let t = yeo_johnson(y, lambda);
                assert!(t > prev, "lambda {lambda} not increasing at {y}");
                prev = t;
            }
        }
        for y in [-3.0, -0.2, 0.0, 0.7, 12.0] {
            assert!((yeo_johnson(y, 1.0) - y).abs() < 1e-12);
        }
        // Continuity at the special exponents.
        assert!((yeo_johnson(2.5, 1e-9) - yeo_johnson(2.5, 0.0)).abs() < 1e-8, "{}", yeo_johnson(2.5, 1e-9) - yeo_johnson(2.5, 0.0));
        assert!((yeo_johnson(-2.5, 2.0 - 1e-9) - yeo_johnson(-2.5, 2.0)).abs() < 1e-8);
    }

    #[test]
    fn prepared_likelihood_matches_the_transform() {
        let y: Vec<f64> = (0..50).map(|i| (i as f64 - 20.0) * 0.31).collect();
        for lambda in [-1.5, 0.0, 0.7, 1.0, 2.0, 3.2] {
            let t: Vec<f64> = y.iter().map(|&v| yeo_johnson(v, lambda)).collect();
            let n = t.len() as f64;
            let mean = t.iter().sum::<f64>() / n;
            let var = t.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
            let jac: f64 = y.iter().map(|&v| v.signum() * v.abs().ln_1p()).sum();
            let want = -0.5 * n * var.ln() + (lambda - 1.0) * jac;
            let got = Prepared::new(&y).log_likelihood(lambda);
            assert!((got - want).abs() < 1e-9 * want.abs().max(1.0), "lambda {lambda}: {got} vs {want}");
        }
    }

    #[test]
    fn gaussian_values_stay_and_heavy_tails_are_compressed() {
        // Normal quantiles: the identity is kept.
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        let normal: Vec<f64> = (0..300)
            .map(|_| {
                let (u, v) = (crate::rng::uniform01(&mut rng).max(1e-300), crate::rng::uniform01(&mut rng));
                (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
            })
            .collect();
        let l = fit_lambda(&standardize(&normal));
        assert!((l - 1.0).abs() < 0.35, "{l}");
        // A loss spread over orders of magnitude, turned to "larger is better": the warped
        // values are much closer to normal (smaller excess kurtosis), order kept.
        let y: Vec<f64> = (0..200).map(|i| -((i as f64 / 20.0).exp())).collect();
        let w = warp(&y);
        let kurt = |v: &[f64]| v.iter().map(|x| x.powi(4)).sum::<f64>() / v.len() as f64 - 3.0;
        assert!(kurt(&w) < kurt(&standardize(&y)) / 2.0, "{} vs {}", kurt(&w), kurt(&standardize(&y)));
        for i in 1..200 {
            assert!(w[i] < w[i - 1]);
        }
        let c = warp(&[5.0; 10]);
        assert!(c.iter().all(|v| *v == 0.0));
    }
}

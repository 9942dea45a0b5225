//! Mapping a uniform draw onto a distribution: the primitive of random search and of
//! every sampler's initial design.

use super::distribution::Distribution;

/// Maps `u` in [0, 1) to an internal value of `dist`, uniformly in the distribution's own scale
/// (log-uniform for log parameters, uniform over the grid for stepped ones).
pub fn from_unit(dist: &Distribution, u: f64) -> f64 {
    debug_assert!((0.0..1.0).contains(&u));
    match dist {
        Distribution::Float { low, high, log, step } => {
            let (low, high) = (*low, *high);
            if low == high {
                return low;
            }
            match step {
                Some(step) => {
                    let n = ((high - low) / step).round();
                    let k = (u * (n + 1.0)).floor().min(n);
                    (low + k * step).min(high)
                }
                None if *log => {
                    let (a, b) = (low.ln(), high.ln());
                    (a + u * (b - a)).exp().clamp(low, high)
                }
                None => lerp(low, high, u),
            }
        }
        Distribution::Int { low, high, log, step } => {
            if *log {
                // Log-uniform over [low - 0.5, high + 0.5], then rounded: each integer gets the
                // log-mass of its rounding cell.
                let (a, b) = ((*low as f64 - 0.5).ln(), (*high as f64 + 0.5).ln());
                let v = (a + u * (b - a)).exp().round();
                v.clamp(*low as f64, *high as f64)
            } else {
                let n = (high - low) / step;
                let k = ((u * (n + 1) as f64).floor() as i64).min(n);
                (low + k * step) as f64
            }
        }
        Distribution::Categorical { choices } => ((u * choices.len() as f64).floor() as usize).min(choices.len() - 1) as f64,
    }
}

/// `low + u * (high - low)`, without overflow when the range is wider than `f64::MAX`.
fn lerp(low: f64, high: f64, u: f64) -> f64 {
    let span = high - low;
    let v = if span.is_finite() { low + u * span } else { low * (1.0 - u) + high * u };
    v.clamp(low, high)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_and_grid() {
        let d = Distribution::Float { low: 0.0, high: 1.0, log: false, step: Some(0.25) };
        assert_eq!(from_unit(&d, 0.0), 0.0);
        assert_eq!(from_unit(&d, 0.999_999), 1.0);
        assert_eq!(from_unit(&d, 0.5), 0.5);
        let i = Distribution::Int { low: -3, high: 3, log: false, step: 3 };
        assert_eq!(from_unit(&i, 0.0), -3.0);
        assert_eq!(from_unit(&i, 0.5), 0.0);
        assert_eq!(from_unit(&i, 0.99), 3.0);
    }

    #[test]
    fn range_wider_than_f64_max_is_sampled_across() {
        let d = Distribution::Float { low: -1e308, high: 1e308, log: false, step: None };
        assert_eq!(from_unit(&d, 0.0), -1e308);
        assert!((from_unit(&d, 0.25) + 0.5e308).abs() < 1e295);
        assert!(from_unit(&d, 0.75) > 0.0);
    }

    #[test]
    fn log_int_mass_follows_log_scale() {
        let d = Distribution::Int { low: 1, high: 100, log: true, step: 1 };
        let n = 100_000;
        let below10 = (0..n).filter(|k| from_unit(&d, *k as f64 / n as f64) < 10.0).count() as f64 / n as f64;
        // P(v <= 9) = ln(9.5/0.5) / ln(100.5/0.5)
        let expect = (9.5f64 / 0.5).ln() / (100.5f64 / 0.5).ln();
        assert!((below10 - expect).abs() < 1e-3, "{below10} vs {expect}");
    }

    #[test]
    fn every_value_is_contained() {
        let ds = [
            Distribution::Float { low: 1e-4, high: 1.0, log: true, step: None },
            Distribution::Float { low: -1.0, high: 1.0, log: false, step: Some(0.1) },
            Distribution::Int { low: 1, high: 1000, log: true, step: 1 },
            Distribution::Int { low: 0, high: 10, log: false, step: 5 },
        ];
        for d in &ds {
            for k in 0..1000 {
                let v = from_unit(d, k as f64 / 1000.0);
                assert!(d.contains(v), "{v} not in {d:?}");
            }
        }
    }
}

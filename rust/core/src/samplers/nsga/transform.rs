//! The space crossover and mutation work in, as Optuna's `_SearchSpaceTransform` builds it
//! (log scale for log parameters; half a step beyond each bound for stepped floats and
//! integers), and the way back to a value of the distribution.

use crate::space::Distribution;

/// The transformed space's bounds for a numerical distribution.
pub fn bounds(d: &Distribution) -> (f64, f64) {
    match d {
        Distribution::Float { low, high, log: true, .. } => (low.ln(), high.ln()),
        Distribution::Float { low, high, step: Some(s), .. } => (low - 0.5 * s, high + 0.5 * s),
        Distribution::Float { low, high, .. } => (*low, *high),
        Distribution::Int { low, high, log: true, step } => {
            let h = 0.5 * *step as f64;
            ((*low as f64 - h).ln(), (*high as f64 + h).ln())
        }
        Distribution::Int { low, high, step, .. } => {
            let h = 0.5 * *step as f64;
            (*low as f64 - h, *high as f64 + h)
        }
        Distribution::Categorical { .. } => (0.0, 1.0),
    }
}

/// A stored (internal) value in the transformed space.
pub fn forward(d: &Distribution, v: f64) -> f64 {
    match d {
        Distribution::Float { log: true, .. } | Distribution::Int { log: true, .. } => v.ln(),
        _ => v,
    }
}

/// Back to an internal value: rounded to the grid and clipped to the range, except that a
/// plain float below `low` (or NaN) stays outside, so the caller rejects it as Optuna does.
pub fn backward(d: &Distribution, t: f64) -> f64 {
    match d {
        Distribution::Float { low, high, log: true, .. } => {
            let v = t.exp();
            if d.single() {
                v
            } else {
                v.clamp(*low, high.next_down())
            }
        }
        Distribution::Float { low, high, step: Some(s), .. } => (((t - low) / s).round_ties_even() * s + low).clamp(*low, *high),
        Distribution::Float { high, .. } => {
            if d.single() {
                t
            } else {
                t.min(high.next_down())
            }
        }
        Distribution::Int { low, high, log: true, .. } => t.exp().round().clamp(*low as f64, *high as f64),
        Distribution::Int { low, high, step, .. } => {
            let k = ((t - *low as f64) / *step as f64 + 0.5).floor();
            (k * *step as f64 + *low as f64).clamp(*low as f64, *high as f64)
        }
        Distribution::Categorical { .. } => t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_grids() {
        let lf = Distribution::Float { low: 1e-3, high: 1.0, log: true, step: None };
        assert!((backward(&lf, forward(&lf, 0.01)) - 0.01).abs() < 1e-15);
        let sf = Distribution::Float { low: 0.0, high: 1.0, log: false, step: Some(0.25) };
        assert_eq!(bounds(&sf), (-0.125, 1.125));
        assert_eq!(backward(&sf, 0.3), 0.25);
        assert_eq!(backward(&sf, 1.12), 1.0);
        let i = Distribution::Int { low: 1, high: 9, log: false, step: 2 };
        assert_eq!(bounds(&i), (0.0, 10.0));
        assert_eq!(backward(&i, 4.2), 5.0);
        assert_eq!(backward(&i, -0.5), 1.0);
        let li = Distribution::Int { low: 1, high: 100, log: true, step: 1 };
        assert_eq!(backward(&li, 100f64.ln() + 0.1), 100.0);
        // a plain float below its range stays outside (rejected by the caller), above is clipped
        let f = Distribution::Float { low: 0.0, high: 1.0, log: false, step: None };
        assert!(backward(&f, -0.1) < 0.0);
        assert!(backward(&f, 1.5) < 1.0);
    }
}

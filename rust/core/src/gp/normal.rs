//! The standard normal pieces of the acquisition functions, accurate far into the tails:
//! `ln Phi(z)` and `ln h(z)` with `h(z) = E[max(0, Z + z)] = phi(z) + z Phi(z)`, each with its
//! derivative. Below `z = -5` both are written through Mills' ratio `M(t) = Q(t) / phi(t)`
//! (continued fraction), avoiding the cancellation of `phi(z) + z Phi(z)`.

use std::f64::consts::FRAC_1_SQRT_2;

/// `ln sqrt(2 pi)`.
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;
/// Where the tail formulas take over.
const TAIL: f64 = -5.0;

#[inline]
pub fn pdf(z: f64) -> f64 {
    (-0.5 * z * z - LN_SQRT_2PI).exp()
}

#[inline]
pub fn cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z * FRAC_1_SQRT_2)
}

/// Mills' ratio `Q(t) / phi(t)` for `t >= 5`, by the continued fraction
/// `1 / (t + 1 / (t + 2 / (t + 3 / (t + ...))))` evaluated from the tail.
fn mills_tail(t: f64) -> f64 {
    let depth = if t < 10.0 { 200 } else { 60 };
    let mut acc = t;
    for k in (1..=depth).rev() {
        acc = t + k as f64 / acc;
    }
    1.0 / acc
}

/// `ln Phi(z)` and `d ln Phi / dz = phi(z) / Phi(z)`.
pub fn log_cdf(z: f64) -> (f64, f64) {
    if z.is_nan() {
        return (f64::NAN, f64::NAN);
    }
    if z >= TAIL {
        if z > 0.0 {
            let q = 0.5 * libm::erfc(z * FRAC_1_SQRT_2);
            return ((-q).ln_1p(), pdf(z) / (1.0 - q));
        }
        let c = cdf(z);
        return (c.ln(), pdf(z) / c);
    }
    let t = -z;
    let m = mills_tail(t);
    (-0.5 * z * z - LN_SQRT_2PI + m.ln(), 1.0 / m)
}

/// `ln h(z)` with `h(z) = phi(z) + z Phi(z)`, and `d ln h / dz = Phi(z) / h(z)`.
pub fn log_h(z: f64) -> (f64, f64) {
    if z.is_nan() {
        return (f64::NAN, f64::NAN);
    }
    if z >= TAIL {
        let (p, c) = (pdf(z), cdf(z));
        let h = p + z * c;
        return (h.ln(), c / h);
    }
    let t = -z;
    let m = mills_tail(t);
    // h(z) = phi(z) (1 - t M(t)); for huge t use the series 1/t^2 - 3/t^4 + 15/t^6.
    let r = if t > 1e4 {
        let u = 1.0 / (t * t);
        u * (1.0 - 3.0 * u + 15.0 * u * u)
    } else {
        1.0 - t * m
    };
    (-0.5 * z * z - LN_SQRT_2PI + r.ln(), m / r)
}

#[cfg(test)]
// The reference values are 50-digit mpmath results, kept as printed.
#[allow(clippy::excessive_precision)]
mod tests {
    use super::*;

    /// Reference values computed with 50-digit arithmetic (mpmath).
    #[test]
    fn log_h_matches_high_precision_values() {
        let cases = [
            (3.0, 1.0987396653277078),  // ln(phi(3) + 3 Phi(3))
            (0.0, -0.9189385332046727), // ln(1/sqrt(2 pi))
            (-1.0, -2.4851210257126413),
            (-4.9, -16.212816407897736),
            (-5.1, -17.285185774704834),
            (-10.0, -55.553122036122356),
            (-40.0, -808.29856835661996),
        ];
        for (z, want) in cases {
            let (v, _) = log_h(z);
            assert!((v - want).abs() <= 1e-12 * want.abs().max(1.0), "ln h({z}) = {v}, want {want}");
        }
    }

    #[test]
    fn log_cdf_matches_high_precision_values() {
        let cases = [
            (2.0, -0.023012909328963488),
            (0.0, -std::f64::consts::LN_2),
            (-3.0, -6.6077262215103495),
            (-5.1, -15.588487091871466),
            (-20.0, -203.91715537109726),
            (9.0, -1.1285884059538406e-19),
        ];
        for (z, want) in cases {
            let (v, _) = log_cdf(z);
            assert!((v - want).abs() <= 1e-12 * want.abs().max(1e-300), "ln Phi({z}) = {v}, want {want}");
        }
    }

    #[test]
    fn derivatives_match_finite_differences_and_are_continuous() {
        for &z in &[-60.0f64, -20.0, -5.0001, -4.9999, -2.0, 0.0, 0.3, 4.0, 12.0] {
            let h = 1e-5 * (1.0f64).max(z.abs());
            for f in [log_h, log_cdf] {
                let fd = (f(z + h).0 - f(z - h).0) / (2.0 * h);
                let g = f(z).1;
                assert!((fd - g).abs() < 1e-5 * (1.0 + g.abs()), "z={z}: fd {fd} vs {g}");
            }
        }
        // No jump where the tail formula takes over.
        // (Slopes there are about 5.4 and 5.2, so 2e-12 apart moves the value by 1.1e-11.)
        let (a, b) = (log_h(-5.0 - 1e-12).0, log_h(-5.0 + 1e-12).0);
        assert!((a - b).abs() < 2e-11, "{a} {b}");
        assert!((a + 16.74430116266099).abs() < 1e-11, "{a}");
        let (a, b) = (log_cdf(-5.0 - 1e-12).0, log_cdf(-5.0 + 1e-12).0);
        assert!((a - b).abs() < 2e-11, "{a} {b}");
    }
}

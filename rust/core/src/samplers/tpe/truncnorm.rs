//! The standard normal distribution truncated to [a, b]: log probability mass, log density and
//! inverse-CDF sampling, accurate far into the tails (TPE kernels are often truncated tightly).

use std::f64::consts::{PI, SQRT_2};

const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8; // ln(sqrt(2 pi))

/// Φ(x), the standard normal CDF.
pub fn ndtr(x: f64) -> f64 {
    0.5 * libm::erfc(-x / SQRT_2)
}

/// ln Φ(x), without underflow for very negative x.
pub fn log_ndtr(x: f64) -> f64 {
    if x > 6.0 {
        -ndtr(-x) // ln(1 - t) ≈ -t for tiny t
    } else if x > -20.0 {
        ndtr(x).ln()
    } else {
        // Asymptotic expansion of the Mills ratio.
        let x2 = x * x;
        let series = 1.0 - 1.0 / x2 + 3.0 / (x2 * x2) - 15.0 / (x2 * x2 * x2) + 105.0 / (x2 * x2 * x2 * x2);
        -0.5 * x2 - (-x).ln() - LN_SQRT_2PI + series.ln()
    }
}

/// ln(e^p - e^q) for p >= q.
fn log_diff(p: f64, q: f64) -> f64 {
    if q == f64::NEG_INFINITY {
        return p;
    }
    p + (-(q - p).exp_m1()).ln()
}

/// ln(e^p + e^q).
fn log_sum(p: f64, q: f64) -> f64 {
    let m = p.max(q);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + ((p - m).exp() + (q - m).exp()).ln()
}

/// Beyond this many standard deviations a tail's mass (< 1e-19) is below f64 resolution of 1.
const FAR: f64 = 9.0;

/// ln(Φ(b) - Φ(a)) for a <= b, computed on the side of the distribution where it is accurate.
pub fn log_gauss_mass(a: f64, b: f64) -> f64 {
    // Fast paths: most TPE kernels are narrow next to the search range, so at least one bound
    // sits many deviations away and its tail cannot change the result.
    // (A far tail is negligible only next to a mass of order one on the other side.)
    if a < -FAR && b > FAR {
        return 0.0;
    }
    if a < -FAR && b > -1.0 {
        return log_ndtr(b);
    }
    if b > FAR && a < 1.0 {
        return log_ndtr(-a);
    }
    if b <= 0.0 {
        log_diff(log_ndtr(b), log_ndtr(a))
    } else if a > 0.0 {
        log_diff(log_ndtr(-a), log_ndtr(-b))
    } else {
        (-ndtr(a) - ndtr(-b)).ln_1p()
    }
}

/// Log density of the standard normal.
#[inline]
pub fn norm_logpdf(z: f64) -> f64 {
    -0.5 * z * z - LN_SQRT_2PI
}

/// Φ⁻¹(p): Acklam's rational approximation, for a starting point (its published coefficients).
#[allow(clippy::excessive_precision)]
fn ndtri_approx(p: f64) -> f64 {
    const A: [f64; 6] =
        [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.383577518672690e2, -3.066479806614716e1, 2.506628277459239];
    const B: [f64; 5] = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
    const C: [f64; 6] =
        [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
    const D: [f64; 4] = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
    const P_LOW: f64 = 0.02425;
    if p < P_LOW {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - P_LOW {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    }
}

/// x with ln Φ(x) = y (y <= 0): a start from Acklam's approximation (or the tail asymptote),
/// polished by Newton steps on ln Φ, which stay accurate where Φ(x) underflows.
pub fn ndtri_exp(y: f64) -> f64 {
    if y >= 0.0 {
        return f64::INFINITY;
    }
    if y == f64::NEG_INFINITY {
        return f64::NEG_INFINITY;
    }
    let mut x = if y > -700.0 {
        let p = y.exp();
        if p > 0.5 {
            // upper half: use 1 - p computed accurately
            -ndtri_approx(-y.exp_m1())
        } else {
            ndtri_approx(p)
        }
    } else {
        -(-2.0 * y - (-2.0 * y).ln() - (2.0 * PI).ln()).sqrt()
    };
    for _ in 0..4 {
        let ly = log_ndtr(x);
        // d/dx ln Φ(x) = φ(x) / Φ(x)
        let slope = (norm_logpdf(x) - ly).exp();
        if !slope.is_finite() || slope == 0.0 {
            break;
        }
        let step = (ly - y) / slope;
        x -= step;
        // Newton converges quadratically: from Acklam's 1e-9 start, a step under 1e-7 leaves
        // an error near 1e-16, so no further step (and its check) is needed.
        if step.abs() < 1e-7 * x.abs().max(1.0) {
            break;
        }
    }
    x
}

/// The q-quantile (0 < q < 1) of the standard normal truncated to [a, b].
pub fn ppf(q: f64, a: f64, b: f64) -> f64 {
    let log_mass = log_gauss_mass(a, b);
    let x = if a < 0.0 {
        // Work from the left tail: Φ(x) = Φ(a) + q (Φ(b) - Φ(a)).
        ndtri_exp(log_sum(log_ndtr(a), q.ln() + log_mass))
    } else {
        // Mirror: work from the right tail, which is where the mass is small.
        -ndtri_exp(log_sum(log_ndtr(-b), (-q).ln_1p() + log_mass))
    };
    x.clamp(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mass_matches_direct_formula_in_the_body() {
        for (a, b) in [(-1.0, 1.0), (-3.0, -0.5), (0.2, 2.5), (-0.1, 0.1)] {
            let direct = (ndtr(b) - ndtr(a)).ln();
            assert!((log_gauss_mass(a, b) - direct).abs() < 1e-12, "{a} {b}");
        }
        // 1 - Φ(1) = 0.15865525393145707 (tables)
        assert!((log_gauss_mass(1.0, f64::INFINITY) - 0.15865525393145707f64.ln()).abs() < 1e-12);
    }

    #[test]
    fn mass_is_finite_far_in_the_tails() {
        let m = log_gauss_mass(40.0, 41.0);
        // ln Φ(-40) ≈ -804.608 (asymptotic); the interval holds nearly all of the tail beyond 40
        assert!(m.is_finite() && (m + 804.608).abs() < 0.01, "{m}");
        assert!(log_gauss_mass(-41.0, -40.0).is_finite());
    }

    #[test]
    fn ndtri_inverts_log_ndtr() {
        for x in [-30.0, -8.0, -2.0, -0.3, 0.0, 0.7, 3.0, 7.5] {
            let y = log_ndtr(x);
            assert!((ndtri_exp(y) - x).abs() < 1e-8 * x.abs().max(1.0), "{x} -> {}", ndtri_exp(y));
        }
    }

    #[test]
    fn ppf_stays_inside_and_is_monotone() {
        for (a, b) in [(-2.0, 2.0), (3.0, 9.0), (-9.0, -3.0), (-0.5, 30.0)] {
            let mut prev = f64::NEG_INFINITY;
            for k in 1..100 {
                let x = ppf(k as f64 / 100.0, a, b);
                assert!(x >= a && x <= b && x >= prev, "{a} {b} {x}");
                prev = x;
            }
        }
        // median of the symmetric truncation is 0
        assert!(ppf(0.5, -1.0, 1.0).abs() < 1e-12);
    }
}

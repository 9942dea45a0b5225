//! Small numeric kernels shared by the samplers' hot loops.

/// e^x for x in [-700, 0], to about 1 ulp: Cody-Waite reduction and a degree-12 Taylor
/// polynomial, branch-free so mixture sums vectorize (libm's exp is a call per element).
#[inline(always)]
pub fn fast_exp(x: f64) -> f64 {
    const MAGIC: f64 = 6_755_399_441_055_744.0; // 1.5 * 2^52: adding it rounds to an integer
    const LN2_HI: f64 = 0.693_147_180_369_123_8;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    let t = x * std::f64::consts::LOG2_E + MAGIC;
    let k = t - MAGIC;
    let r = x - k * LN2_HI - k * LN2_LO;
    // Taylor coefficients 1/k!, k = 12 down to 0, evaluated by Horner's rule.
    const C: [f64; 13] = [
        1.0 / 479_001_600.0,
        1.0 / 39_916_800.0,
        1.0 / 3_628_800.0,
        1.0 / 362_880.0,
        1.0 / 40_320.0,
        1.0 / 5_040.0,
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ];
    let mut p = C[0];
    for c in &C[1..] {
        p = p * r + c;
    }
    let ki = (t.to_bits() as i64).wrapping_sub(MAGIC.to_bits() as i64);
    p * f64::from_bits(((ki + 1023) as u64) << 52)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_exp_matches_libm() {
        for i in 0..=70_000 {
            let x = -(i as f64) * 0.01;
            let (a, b) = (fast_exp(x), x.exp());
            assert!(((a - b) / b).abs() < 4e-16, "{x}: {a} vs {b}");
        }
    }
}

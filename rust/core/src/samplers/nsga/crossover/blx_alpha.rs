//! BLX-alpha (Eshelman and Schaffer): each coordinate uniform on the parents' interval
//! widened by `alpha` times its length on both sides.

use rand::RngCore;

use crate::rng::uniform01;

pub fn crossover<R: RngCore>(parents: &[&[f64]], alpha: f64, rng: &mut R) -> Vec<f64> {
    (0..parents[0].len())
        .map(|i| {
            let lo = parents.iter().map(|p| p[i]).fold(f64::INFINITY, f64::min);
            let hi = parents.iter().map(|p| p[i]).fold(f64::NEG_INFINITY, f64::max);
            let d = alpha * (hi - lo);
            let (low, high) = (lo - d, hi + d);
            (high - low) * uniform01(rng) + low
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::testing::moments;
    use super::super::Crossover;

    #[test]
    fn uniform_on_the_widened_interval() {
        let c = Crossover::BlxAlpha { alpha: 0.5 };
        // interval [1, 3] widened by 1 on each side: uniform on [0, 4], mean 2, sd 4/sqrt(12)
        let (mean, sd, children) = moments(&c, &[&[1.0], &[3.0]], &[(-10.0, 10.0)], 20_000);
        assert!(children.iter().all(|c| (0.0..=4.0).contains(&c[0])));
        assert!((mean[0] - 2.0).abs() < 0.03, "{mean:?}");
        assert!((sd[0] - 4.0 / 12f64.sqrt()).abs() < 0.02, "{sd:?}");
        assert!(children.iter().any(|c| c[0] < 0.1) && children.iter().any(|c| c[0] > 3.9));
    }
}

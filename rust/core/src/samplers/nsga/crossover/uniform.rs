//! Uniform crossover: each coordinate from one of two parents, the second with probability
//! `1 - swapping_prob` (Optuna's mask `rand >= swapping_prob` picks the second parent).

use rand::RngCore;

use crate::rng::uniform01;

pub fn crossover<R: RngCore>(parents: &[&[f64]], swapping_prob: f64, rng: &mut R) -> Vec<f64> {
    let (a, b) = (parents[0], parents[parents.len() - 1]);
    (0..a.len()).map(|i| if uniform01(rng) >= swapping_prob { b[i] } else { a[i] }).collect()
}

#[cfg(test)]
mod tests {
    use super::super::testing::moments;
    use super::super::Crossover;

    #[test]
    fn takes_each_parent_with_its_probability() {
        let c = Crossover::Uniform { swapping_prob: 0.25 };
        let (mean, _, children) = moments(&c, &[&[0.0, 10.0], &[1.0, 20.0]], &[(0.0, 1.0), (0.0, 30.0)], 20_000);
        assert!(children.iter().all(|c| (c[0] == 0.0 || c[0] == 1.0) && (c[1] == 10.0 || c[1] == 20.0)));
        // second parent with probability 0.75: sd of the mean ~0.003
        assert!((mean[0] - 0.75).abs() < 0.02, "{mean:?}");
        assert!((mean[1] - 17.5).abs() < 0.2, "{mean:?}");
    }
}

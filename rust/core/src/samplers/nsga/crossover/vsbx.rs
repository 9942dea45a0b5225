//! Vector-wise SBX (Optuna's `VSBXCrossover`): both children from the same spread factors,
//! without bounds (a child outside the space is rejected by the caller, as in Optuna).

use rand::RngCore;

use super::pick_genes;
use crate::rng::uniform01;

pub fn crossover<R: RngCore>(parents: &[&[f64]], eta: f64, uniform_prob: f64, child_prob: f64, rng: &mut R) -> Vec<f64> {
    let n = parents[0].len();
    let (x1, x2) = (parents[0], parents[1]);
    let eps = 1e-10;
    let us: Vec<f64> = (0..n).map(|_| uniform01(rng)).collect();
    let beta1: Vec<f64> = us.iter().map(|u| (1.0 / (2.0 * u).max(eps)).powf(1.0 / (eta + 1.0))).collect();
    let beta2: Vec<f64> = us.iter().map(|u| (1.0 / (2.0 * (1.0 - u)).max(eps)).powf(1.0 / (eta + 1.0))).collect();
    let first_low = uniform01(rng) <= 0.5;
    let c1: Vec<f64> = (0..n)
        .map(|i| {
            if first_low {
                0.5 * ((1.0 + beta1[i]) * x1[i] + (1.0 - beta2[i]) * x2[i])
            } else {
                0.5 * ((1.0 - beta1[i]) * x1[i] + (1.0 + beta2[i]) * x2[i])
            }
        })
        .collect();
    let second_low = uniform01(rng) <= 0.5;
    let c2: Vec<f64> = (0..n)
        .map(|i| {
            if second_low {
                0.5 * ((3.0 - beta1[i]) * x1[i] - (1.0 - beta2[i]) * x2[i])
            } else {
                0.5 * (-(1.0 - beta1[i]) * x1[i] + (3.0 - beta2[i]) * x2[i])
            }
        })
        .collect();
    pick_genes(&c1, &c2, x1, x2, uniform_prob, child_prob, rng)
}

#[cfg(test)]
mod tests {
    use super::super::testing::moments;
    use super::super::Crossover;

    #[test]
    fn children_centre_on_the_parents_and_spread_with_their_distance() {
        let c = Crossover::Vsbx { eta: Some(20.0), uniform_crossover_prob: 0.5, use_child_gene_prob: 1.0 };
        let (mean, sd, _) = moments(&c, &[&[4.0], &[6.0]], &[(0.0, 10.0)], 20_000);
        // the children are spread symmetrically about the parents' midpoint, mostly near the parents
        assert!((mean[0] - 5.0).abs() < 0.1, "{mean:?}");
        let (_, sd_far, _) = moments(&c, &[&[2.0], &[8.0]], &[(0.0, 10.0)], 20_000);
        assert!(sd_far[0] > 2.0 * sd[0], "{sd:?} {sd_far:?}");
    }
}

//! Simulated binary crossover (Deb and Agrawal) with the bounded spread of Deb's NSGA-II code:
//! the children's spread factor is drawn from a polynomial distribution truncated so that
//! both children stay inside the bounds.

use rand::RngCore;

use super::pick_genes;
use crate::rng::uniform01;

pub fn crossover<R: RngCore>(
    parents: &[&[f64]],
    bounds: &[(f64, f64)],
    eta: f64,
    uniform_prob: f64,
    child_prob: f64,
    rng: &mut R,
) -> Vec<f64> {
    let n = bounds.len();
    let (x1, x2) = (parents[0], parents[1]);
    let mut c1 = vec![0.0; n];
    let mut c2 = vec![0.0; n];
    let us: Vec<f64> = (0..n).map(|_| uniform01(rng)).collect();
    let betaq = |beta: f64, u: f64| {
        let alpha = 2.0 - beta.powf(-(eta + 1.0));
        if u > 1.0 / alpha {
            (1.0 / (2.0 - u * alpha)).powf(1.0 / (eta + 1.0))
        } else {
            (u * alpha).powf(1.0 / (eta + 1.0))
        }
    };
    for i in 0..n {
        let (lo, hi) = (x1[i].min(x2[i]), x1[i].max(x2[i]));
        let (xl, xu) = bounds[i];
        let diff = (hi - lo).max(1e-10);
        let b1 = 1.0 + 2.0 * (lo - xl) / diff;
        let b2 = 1.0 + 2.0 * (xu - hi) / diff;
        c1[i] = 0.5 * ((lo + hi) - betaq(b1, us[i]) * diff);
        c2[i] = 0.5 * ((lo + hi) + betaq(b2, us[i]) * diff);
    }
    pick_genes(&c1, &c2, x1, x2, uniform_prob, child_prob, rng)
}

#[cfg(test)]
mod tests {
    use super::super::testing::moments;
    use super::super::Crossover;

    #[test]
    fn children_stay_in_bounds_around_the_parents() {
        let c = Crossover::Sbx { eta: Some(2.0), uniform_crossover_prob: 0.5, use_child_gene_prob: 1.0 };
        let bounds = [(0.0, 10.0)];
        let (mean, _, children) = moments(&c, &[&[4.0], &[6.0]], &bounds, 20_000);
        assert!(children.iter().all(|c| (0.0..=10.0).contains(&c[0])), "outside the bounds");
        // symmetric parents inside symmetric bounds: the children's mean is the parents' mean
        assert!((mean[0] - 5.0).abs() < 0.05, "{mean:?}");
        // a larger eta concentrates the children near the parents
        let tight = Crossover::Sbx { eta: Some(30.0), uniform_crossover_prob: 0.5, use_child_gene_prob: 1.0 };
        let near = |cs: &Vec<Vec<f64>>| cs.iter().filter(|c| (c[0] - 4.0).abs() < 0.3 || (c[0] - 6.0).abs() < 0.3).count();
        let (_, _, tight_children) = moments(&tight, &[&[4.0], &[6.0]], &bounds, 20_000);
        assert!(near(&tight_children) > near(&children) + 5_000);
    }

    #[test]
    fn without_child_genes_it_swaps_parents() {
        let c = Crossover::Sbx { eta: None, uniform_crossover_prob: 0.5, use_child_gene_prob: 1e-12 };
        let (_, _, children) = moments(&c, &[&[1.0, 2.0], &[3.0, 4.0]], &[(0.0, 5.0), (0.0, 5.0)], 1_000);
        assert!(children.iter().all(|c| (c[0] == 1.0 || c[0] == 3.0) && (c[1] == 2.0 || c[1] == 4.0)));
    }
}

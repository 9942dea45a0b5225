//! Simplex crossover (Tsutsui et al.): a child uniform in the simplex of the parents expanded
//! by `epsilon` about their centroid.

use rand::RngCore;

use crate::rng::uniform01;

pub fn crossover<R: RngCore>(parents: &[&[f64]], epsilon: Option<f64>, rng: &mut R) -> Vec<f64> {
    let n = parents[0].len();
    let k = parents.len();
    let centroid: Vec<f64> = (0..n).map(|i| parents.iter().map(|p| p[i]).sum::<f64>() / k as f64).collect();
    let rs: Vec<f64> = (0..k - 1).map(|j| uniform01(rng).powf(1.0 / (j as f64 + 1.0))).collect();
    let epsilon = epsilon.unwrap_or(((n + 2) as f64).sqrt());
    let xs: Vec<Vec<f64>> = parents.iter().map(|p| (0..n).map(|i| centroid[i] + epsilon * (p[i] - centroid[i])).collect()).collect();
    let mut c = vec![0.0; n];
    for j in 1..k {
        for i in 0..n {
            c[i] = rs[j - 1] * (xs[j - 1][i] - xs[j][i] + c[i]);
        }
    }
    (0..n).map(|i| xs[k - 1][i] + c[i]).collect()
}

#[cfg(test)]
mod tests {
    use super::super::testing::moments;
    use super::super::Crossover;

    #[test]
    fn uniform_in_the_expanded_simplex() {
        let c = Crossover::Spx { epsilon: Some(1.0) };
        let p: [&[f64]; 3] = [&[0.0, 0.0], &[1.0, 0.0], &[0.0, 1.0]];
        let (mean, _, children) = moments(&c, &p, &[(-9.0, 9.0), (-9.0, 9.0)], 40_000);
        // epsilon = 1: the parents' own triangle; uniform there means the centroid as mean
        for ch in &children {
            assert!(ch[0] >= -1e-12 && ch[1] >= -1e-12 && ch[0] + ch[1] <= 1.0 + 1e-12, "{ch:?}");
        }
        assert!((mean[0] - 1.0 / 3.0).abs() < 0.01 && (mean[1] - 1.0 / 3.0).abs() < 0.01, "{mean:?}");
        // a quarter of the triangle's area lies below x + y = 1/2
        let below = children.iter().filter(|c| c[0] + c[1] < 0.5).count() as f64 / children.len() as f64;
        assert!((below - 0.25).abs() < 0.01, "{below}");
    }
}

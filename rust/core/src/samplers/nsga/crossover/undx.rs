//! Unimodal normal distribution crossover (Ono et al.): a child around the midpoint of the
//! first two parents, spread along their difference and, scaled by the third parent's distance
//! from that line, across it. As in Optuna, `sigma_xi` and `sigma_eta` are squared into the
//! standard deviations of the normal draws.

use rand::RngCore;

use super::normal;

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// `n - 1` orthonormal vectors orthogonal to `e` (a unit vector or zero), by Gram-Schmidt over
/// `e` and the coordinate axes.
fn orthogonal_basis(e: &[f64]) -> Vec<Vec<f64>> {
    let n = e.len();
    let mut basis: Vec<Vec<f64>> = Vec::with_capacity(n);
    if norm(e) > 0.0 {
        basis.push(e.to_vec());
    }
    for axis in 0..n {
        if basis.len() == n {
            break;
        }
        let mut v = vec![0.0; n];
        v[axis] = 1.0;
        for b in &basis {
            let p = dot(&v, b);
            v.iter_mut().zip(b).for_each(|(x, y)| *x -= p * y);
        }
        let m = norm(&v);
        if m > 1e-8 {
            v.iter_mut().for_each(|x| *x /= m);
            basis.push(v);
        }
    }
    let skip = usize::from(norm(e) > 0.0);
    basis.into_iter().skip(skip).take(n.saturating_sub(1)).collect()
}

pub fn crossover<R: RngCore>(parents: &[&[f64]], sigma_xi: f64, sigma_eta: Option<f64>, rng: &mut R) -> Vec<f64> {
    let n = parents[0].len();
    let (x1, x2, x3) = (parents[0], parents[1], parents[2]);
    let sigma_eta = sigma_eta.unwrap_or(0.35 / (n as f64).sqrt());
    let v12: Vec<f64> = (0..n).map(|i| x2[i] - x1[i]).collect();
    let m12 = norm(&v12).max(1e-10);
    let e12: Vec<f64> = v12.iter().map(|v| v / m12).collect();
    let etas: Vec<f64> = (0..n).map(|_| sigma_eta * sigma_eta * normal(rng)).collect();
    let xi = sigma_xi * sigma_xi * normal(rng);
    let mut child: Vec<f64> = (0..n).map(|i| 0.5 * (x1[i] + x2[i]) + xi * (x1[i] - x2[i])).collect();
    if n > 1 {
        // distance of the third parent from the line through the first two
        let v13: Vec<f64> = (0..n).map(|i| x3[i] - x1[i]).collect();
        let p = dot(&v13, &e12);
        let d = norm(&v13.iter().zip(&e12).map(|(v, e)| v - p * e).collect::<Vec<_>>());
        for (eta, e) in etas.iter().zip(orthogonal_basis(&e12)) {
            child.iter_mut().zip(&e).for_each(|(c, ei)| *c += d * eta * ei);
        }
    }
    child
}

#[cfg(test)]
mod tests {
    use super::super::testing::moments;
    use super::super::Crossover;
    use super::*;

    #[test]
    fn basis_is_orthonormal_and_orthogonal_to_the_line() {
        let e = [0.0, 0.6, 0.8];
        let b = orthogonal_basis(&e);
        assert_eq!(b.len(), 2);
        for (i, u) in b.iter().enumerate() {
            assert!(dot(u, &e).abs() < 1e-12 && (norm(u) - 1.0).abs() < 1e-12);
            for v in &b[i + 1..] {
                assert!(dot(u, v).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn spread_along_and_across_the_parents_line() {
        let c = Crossover::Undx { sigma_xi: 0.5, sigma_eta: Some(0.5) };
        // x1, x2 on the first axis at distance 2; x3 at distance 1 from their line
        let (mean, sd, _) = moments(&c, &[&[0.0, 0.0], &[2.0, 0.0], &[1.0, 1.0]], &[(-9.0, 9.0), (-9.0, 9.0)], 40_000);
        assert!((mean[0] - 1.0).abs() < 0.02 && mean[1].abs() < 0.02, "{mean:?}");
        // along: xi * (x1 - x2), sd 0.25 * 2; across: D * eta, sd 1 * 0.25
        assert!((sd[0] - 0.5).abs() < 0.02, "{sd:?}");
        assert!((sd[1] - 0.25).abs() < 0.01, "{sd:?}");
    }
}

//! Elite selection: which of the last generation and its parents survive as the next
//! generation's parents. Whole fronts are kept in rank order; the front that fits only in part
//! is cut by crowding distance (NSGA-II) or by reference-point niching (NSGA-III).

use rand::RngCore;

use super::config::Survival;
use super::crowding::most_isolated;
use super::niching::{associate, default_reference_points, n_default_reference_points, normalize, preserve_niches, MAX_REFERENCE_POINTS};
use super::sorting::constrained_ranks;
use crate::error::{Error, Result};

/// Indices of the `size` survivors among `points` (objectives to minimize); `penalty` holds
/// each point's constraint violation when the population has constraints.
pub fn select_elite<R: RngCore>(
    points: &[Vec<f64>],
    penalty: Option<&[f64]>,
    size: usize,
    survival: &Survival,
    rng: &mut R,
) -> Result<Vec<usize>> {
    if points.is_empty() {
        return Ok(Vec::new());
    }
    let rank = constrained_ranks(points, penalty);
    let n_ranks = rank.iter().max().map_or(0, |r| r + 1);
    let mut fronts: Vec<Vec<usize>> = vec![Vec::new(); n_ranks];
    for (i, r) in rank.iter().enumerate() {
        fronts[*r].push(i);
    }
    let mut elite: Vec<usize> = Vec::with_capacity(size.min(points.len()));
    for front in fronts {
        if elite.len() + front.len() < size {
            elite.extend(front);
            continue;
        }
        let n = size - elite.len();
        match survival {
            Survival::Crowding => {
                let front_points: Vec<Vec<f64>> = front.iter().map(|&i| points[i].clone()).collect();
                elite.extend(most_isolated(&front_points, n).into_iter().map(|j| front[j]));
            }
            Survival::Niching { reference_points, dividing_parameter } => {
                let m = points[0].len();
                let refs = match reference_points {
                    Some(r) => r.clone(),
                    None => {
                        if n_default_reference_points(m, *dividing_parameter) > MAX_REFERENCE_POINTS {
                            return Err(Error::InvalidValue(format!(
                                "NSGAIIISampler: dividing_parameter={dividing_parameter} gives more than {MAX_REFERENCE_POINTS} \
                                 reference points for {m} objectives; use a smaller dividing_parameter or pass reference_points"
                            )));
                        }
                        default_reference_points(m, *dividing_parameter)
                    }
                };
                if refs[0].len() != m {
                    return Err(Error::InvalidValue(format!(
                        "NSGAIIISampler: the reference points have {} coordinates but the study has {m} objectives; \
                         give one coordinate per objective",
                        refs[0].len()
                    )));
                }
                let mut all: Vec<Vec<f64>> = elite.iter().chain(&front).map(|&i| points[i].clone()).collect();
                normalize(&mut all);
                let assoc = associate(&all, &refs);
                let picked = preserve_niches(n, elite.len(), &assoc, rng);
                elite.extend(picked.into_iter().map(|j| front[j]));
            }
        }
        break;
    }
    Ok(elite)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn whole_fronts_then_the_most_isolated() {
        // front 0: (0,4) (2,2) (4,0); front 1: (1,5) (3,3) (5,1) (4.5, 1.5)
        let p = vec![vec![0.0, 4.0], vec![2.0, 2.0], vec![4.0, 0.0], vec![1.0, 5.0], vec![3.0, 3.0], vec![5.0, 1.0], vec![4.5, 1.5]];
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let mut e = select_elite(&p, None, 5, &Survival::Crowding, &mut rng).unwrap();
        e.sort();
        // the extremes of front 1 have infinite distance
        assert_eq!(e, vec![0, 1, 2, 3, 5]);
        // constraints: the infeasible point is ranked after every feasible one
        let pen = [0.0, 5.0, 0.0, 0.0, 0.0, 0.0, 0.0];
        let mut e = select_elite(&p, Some(&pen), 6, &Survival::Crowding, &mut rng).unwrap();
        e.sort();
        assert_eq!(e, vec![0, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn niching_spreads_over_reference_lines() {
        // one point per line direction plus crowded points near the first axis
        let p = vec![vec![0.0, 1.0], vec![0.5, 0.5], vec![1.0, 0.0], vec![0.05, 0.95], vec![0.1, 0.9]];
        let s = Survival::Niching { reference_points: None, dividing_parameter: 2 };
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut e = select_elite(&p, None, 3, &s, &mut rng).unwrap();
        e.sort();
        assert_eq!(e, vec![0, 1, 2]);
        let bad = Survival::Niching { reference_points: Some(vec![vec![1.0, 1.0, 1.0]]), dividing_parameter: 3 };
        assert!(select_elite(&p, None, 3, &bad, &mut rng).unwrap_err().to_string().contains("3 coordinates"));
        let huge = Survival::Niching { reference_points: None, dividing_parameter: 1 << 40 };
        assert!(select_elite(&p, None, 3, &huge, &mut rng).unwrap_err().to_string().contains("dividing_parameter"));
    }
}

//! Crowding distance (Deb et al., NSGA-II): per objective, the gap between a point's two
//! neighbours in that objective over the objective's range, summed; the extremes of each
//! objective get infinity. O(M n log n).

// objectives are columns of the points: indexing by `k` reads best
#[allow(clippy::needless_range_loop)]
pub fn crowding_distance(points: &[Vec<f64>]) -> Vec<f64> {
    let n = points.len();
    let mut dist = vec![0.0; n];
    let Some(m) = points.first().map(Vec::len) else { return dist };
    for k in 0..m {
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| points[a][k].total_cmp(&points[b][k]));
        let (lo, hi) = (points[order[0]][k], points[order[n - 1]][k]);
        if lo == hi {
            continue; // the objective does not separate these points
        }
        let width = if hi - lo > 0.0 && (hi - lo).is_finite() { hi - lo } else { 1.0 };
        for w in 0..n {
            let below = if w == 0 { f64::NEG_INFINITY } else { points[order[w - 1]][k] };
            let above = if w + 1 == n { f64::INFINITY } else { points[order[w + 1]][k] };
            let gap = if below == above { 0.0 } else { above - below };
            dist[order[w]] += gap / width;
        }
    }
    dist
}

/// The `n` points of a front to keep: the most isolated first (ties in input order).
pub fn most_isolated(points: &[Vec<f64>], n: usize) -> Vec<usize> {
    let d = crowding_distance(points);
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&a, &b| d[b].total_cmp(&d[a]));
    order.truncate(n);
    order
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Straight from the definition, one point at a time.
    fn brute_force(points: &[Vec<f64>]) -> Vec<f64> {
        let n = points.len();
        let m = points[0].len();
        (0..n)
            .map(|i| {
                (0..m)
                    .map(|k| {
                        let lo = points.iter().map(|p| p[k]).fold(f64::INFINITY, f64::min);
                        let hi = points.iter().map(|p| p[k]).fold(f64::NEG_INFINITY, f64::max);
                        if lo == hi {
                            return 0.0;
                        }
                        // neighbours in a stable sort by this objective
                        let mut order: Vec<usize> = (0..n).collect();
                        order.sort_by(|&a, &b| points[a][k].total_cmp(&points[b][k]));
                        let w = order.iter().position(|&j| j == i).unwrap();
                        if w == 0 || w == n - 1 {
                            return f64::INFINITY;
                        }
                        (points[order[w + 1]][k] - points[order[w - 1]][k]) / (hi - lo)
                    })
                    .sum()
            })
            .collect()
    }

    proptest! {
        #[test]
        fn matches_the_definition(p in prop::collection::vec(prop::collection::vec(-100f64..100.0, 2..4), 1..40)) {
            let m = p[0].len();
            let p: Vec<Vec<f64>> = p.into_iter().filter(|q| q.len() == m).collect();
            let fast = crowding_distance(&p);
            for (a, b) in fast.iter().zip(brute_force(&p)) {
                prop_assert!(a == &b || (a - b).abs() < 1e-9, "{} {}", a, b);
            }
        }
    }

    #[test]
    fn extremes_are_kept_first() {
        let p = vec![vec![0.0, 4.0], vec![1.0, 3.0], vec![1.5, 2.5], vec![3.0, 1.0], vec![4.0, 0.0]];
        let d = crowding_distance(&p);
        assert!(d[0].is_infinite() && d[4].is_infinite());
        // interior: (1.5 - 0)/4 + (4 - 2.5)/4 for the second point
        assert!((d[1] - 0.75).abs() < 1e-12);
        let keep = most_isolated(&p, 3);
        assert_eq!(&keep[..2], &[0, 4]);
        assert_eq!(keep[2], 3); // (4 - 1.5)/4 + (2.5 - 0)/4 = 1.25, the widest gap
    }
}

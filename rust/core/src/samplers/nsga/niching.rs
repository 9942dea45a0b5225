//! NSGA-III's survival of the last front that fits only in part (Deb and Jain): objectives
//! normalized by the hyperplane through the extreme points, each point associated with the
//! closest reference line, and the front's points picked one at a time for the reference
//! points with the fewest points kept so far. Follows Optuna's `NSGAIIISampler`.

use std::collections::BTreeMap;

use rand::seq::SliceRandom;
use rand::RngCore;

/// The most default reference points the sampler builds (an NSGA-III population is about as
/// large; beyond this a generation's selection would take minutes and gigabytes).
pub const MAX_REFERENCE_POINTS: usize = 100_000;

/// How many default reference points `m` objectives and `divisions` give: C(m + p - 1, p),
/// saturating.
pub fn n_default_reference_points(m: usize, divisions: usize) -> usize {
    let mut c: u128 = 1;
    for i in 1..m {
        // C(p + i, i) from C(p + i - 1, i - 1)
        c = c.saturating_mul((divisions + i) as u128) / i as u128;
        if c > MAX_REFERENCE_POINTS as u128 {
            return usize::MAX;
        }
    }
    c as usize
}

/// Optuna's default reference points: every way of spreading `divisions` units over `m`
/// objectives (integer points of the simplex scaled by `divisions`), in the order of
/// `itertools.combinations_with_replacement(range(m), divisions)`.
pub fn default_reference_points(m: usize, divisions: usize) -> Vec<Vec<f64>> {
    fn walk(m: usize, left: usize, from: usize, cur: &mut Vec<f64>, out: &mut Vec<Vec<f64>>) {
        if left == 0 {
            out.push(cur.clone());
            return;
        }
        for k in from..m {
            cur[k] += 1.0;
            walk(m, left - 1, k, cur, out);
            cur[k] -= 1.0;
        }
    }
    let mut out = Vec::new();
    walk(m, divisions, 0, &mut vec![0.0; m], &mut out);
    out
}

/// Infinite objectives clipped to three ranges beyond the finite ones, as Optuna does.
fn clip_infinite(points: &mut [Vec<f64>]) {
    let m = points.first().map_or(0, Vec::len);
    for k in 0..m {
        let finite = points.iter().map(|p| p[k]).filter(|v| v.is_finite());
        let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
        if lo > hi {
            continue;
        }
        let margin = 3.0 * (hi - lo);
        for p in points.iter_mut() {
            p[k] = p[k].clamp(lo - margin, hi + margin);
        }
    }
}

/// Solves `a x = b` by Gaussian elimination with partial pivoting; `None` when `a` is singular
/// (to a relative tolerance).
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    let scale = a.iter().flatten().fold(0.0f64, |s, v| s.max(v.abs()));
    if !(scale > 0.0 && scale.is_finite()) {
        return None;
    }
    for c in 0..n {
        let p = (c..n).max_by(|&i, &j| a[i][c].abs().total_cmp(&a[j][c].abs()))?;
        if a[p][c].abs() <= scale * 1e-12 * n as f64 {
            return None;
        }
        a.swap(c, p);
        b.swap(c, p);
        let pivot = a[c].clone();
        for r in c + 1..n {
            let f = a[r][c] / pivot[c];
            a[r][c..].iter_mut().zip(&pivot[c..]).for_each(|(x, p)| *x -= f * p);
            b[r] -= f * b[c];
        }
    }
    let mut x = vec![0.0; n];
    for c in (0..n).rev() {
        let s: f64 = (c + 1..n).map(|k| a[c][k] * x[k]).sum();
        x[c] = (b[c] - s) / a[c][c];
    }
    Some(x)
}

/// Objectives translated so the ideal point is the origin and divided by the intercepts of
/// the hyperplane through the extreme points (each objective's maximum when that plane is
/// degenerate).
pub fn normalize(points: &mut [Vec<f64>]) {
    let Some(m) = points.first().map(Vec::len) else { return };
    clip_infinite(points);
    for k in 0..m {
        let lo = points.iter().map(|p| p[k]).fold(f64::INFINITY, f64::min);
        points.iter_mut().for_each(|p| p[k] -= lo);
    }
    // extreme point of axis d: the minimizer of the achievement scalarizing function with
    // weight 1 on d and 1e6 elsewhere
    let extremes: Vec<Vec<f64>> = (0..m)
        .map(|d| {
            let asf = |p: &Vec<f64>| p.iter().enumerate().map(|(k, v)| if k == d { *v } else { v * 1e6 }).fold(f64::NEG_INFINITY, f64::max);
            let best = (0..points.len()).min_by(|&a, &b| asf(&points[a]).total_cmp(&asf(&points[b]))).unwrap_or(0);
            points[best].clone()
        })
        .collect();
    let inv = match extremes.iter().flatten().all(|v| v.is_finite()).then(|| solve(extremes, vec![1.0; m])).flatten() {
        Some(x) => x,
        None => (0..m)
            .map(|k| {
                let hi = points.iter().map(|p| p[k]).fold(f64::NEG_INFINITY, f64::max);
                1.0 / if hi == 0.0 { 1.0 } else { hi }
            })
            .collect(),
    };
    for p in points.iter_mut() {
        for (v, s) in p.iter_mut().zip(&inv) {
            *v *= if s.is_finite() { *s } else { 1.0 };
        }
    }
}

/// For each (normalized) point, the closest reference line through the origin and its
/// perpendicular distance to it.
pub fn associate(points: &[Vec<f64>], refs: &[Vec<f64>]) -> Vec<(usize, f64)> {
    let norms: Vec<f64> = refs.iter().map(|r| r.iter().map(|x| x * x).sum()).collect();
    points
        .iter()
        .map(|p| {
            let mut best = (0, f64::INFINITY);
            for (j, r) in refs.iter().enumerate() {
                let t = p.iter().zip(r).map(|(a, b)| a * b).sum::<f64>() / norms[j];
                let d2: f64 = p.iter().zip(r).map(|(a, b)| (a - t * b).powi(2)).sum();
                let d = d2.sqrt();
                if d < best.1 {
                    best = (j, d);
                }
            }
            best
        })
        .collect()
}

/// Picks `target` points of the last front (`assoc[n_elite..]`) one at a time: a reference
/// point with the fewest kept points is chosen at random; with none kept, the front's point
/// closest to its line is taken, otherwise a random one of its points. Returns indices into
/// the front.
pub fn preserve_niches<R: RngCore>(target: usize, n_elite: usize, assoc: &[(usize, f64)], rng: &mut R) -> Vec<usize> {
    let mut members: BTreeMap<usize, Vec<(f64, usize)>> = BTreeMap::new();
    for (i, &(r, d)) in assoc[n_elite..].iter().enumerate() {
        members.entry(r).or_default().push((d, i));
    }
    let mut kept: BTreeMap<usize, usize> = BTreeMap::new();
    for &(r, _) in &assoc[..n_elite] {
        *kept.entry(r).or_default() += 1;
    }
    // reference points with front members, by the number of points already kept there
    let mut by_count: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for &r in members.keys() {
        by_count.entry(kept.get(&r).copied().unwrap_or(0)).or_default().push(r);
    }
    let mut shuffled = std::collections::BTreeSet::new();
    let mut out = Vec::with_capacity(target);
    let Some(&first) = by_count.keys().next() else { return out };
    let mut count = first;
    by_count.entry(count).or_default().shuffle(rng);
    while out.len() < target {
        let Some(r) = by_count.get_mut(&count).and_then(Vec::pop) else {
            count += 1;
            if count > assoc.len() + 1 {
                break; // every member taken (cannot happen when the front holds `target`)
            }
            by_count.entry(count).or_default().shuffle(rng);
            continue;
        };
        let list = members.get_mut(&r).expect("reference point with members");
        if count == 0 {
            // nearest last: popped first
            list.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
        } else if shuffled.insert(r) {
            list.shuffle(rng);
        }
        let (_, i) = list.pop().expect("non-empty");
        out.push(i);
        if !list.is_empty() {
            by_count.entry(count + 1).or_default().push(r);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn default_points_match_optuna() {
        // combinations_with_replacement(range(3), 2): (0,0) (0,1) (0,2) (1,1) (1,2) (2,2)
        let p = default_reference_points(3, 2);
        let want = [[2.0, 0.0, 0.0], [1.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 2.0, 0.0], [0.0, 1.0, 1.0], [0.0, 0.0, 2.0]];
        assert_eq!(p, want.iter().map(|r| r.to_vec()).collect::<Vec<_>>());
        assert_eq!(default_reference_points(4, 3).len(), 20); // C(6, 3)
        for (m, p) in [(2, 1), (3, 12), (4, 3), (5, 6), (1, 7)] {
            assert_eq!(n_default_reference_points(m, p), default_reference_points(m, p).len(), "{m} {p}");
        }
        assert_eq!(n_default_reference_points(3, 1_000_000), usize::MAX);
    }

    #[test]
    fn normalization_maps_the_extremes_to_the_unit_simplex() {
        let mut p = vec![vec![1.0, 10.0], vec![3.0, 2.0], vec![2.0, 6.0]];
        normalize(&mut p);
        // ideal (1, 2); extremes (0, 8) and (2, 0): intercepts 2 and 8
        assert!((p[0][0] - 0.0).abs() < 1e-9 && (p[0][1] - 1.0).abs() < 1e-9, "{p:?}");
        assert!((p[1][0] - 1.0).abs() < 1e-9 && (p[1][1] - 0.0).abs() < 1e-9, "{p:?}");
        assert!((p[2][0] - 0.5).abs() < 1e-9 && (p[2][1] - 0.5).abs() < 1e-9, "{p:?}");
    }

    #[test]
    fn association_is_the_nearest_line() {
        let refs = default_reference_points(2, 2); // (2,0) (1,1) (0,2)
        let a = associate(&[vec![1.0, 0.1], vec![0.5, 0.6], vec![0.0, 3.0]], &refs);
        assert_eq!(a.iter().map(|x| x.0).collect::<Vec<_>>(), vec![0, 1, 2]);
        assert!((a[0].1 - 0.1).abs() < 1e-12 && a[2].1.abs() < 1e-12);
    }

    #[test]
    fn empty_niches_are_filled_first_with_their_closest_point() {
        // elite: two points on line 0; front: three on line 0, one on line 1 far away, one on line 2
        let assoc = [(0, 0.0), (0, 0.0), (0, 0.1), (0, 0.2), (1, 0.9), (2, 0.5), (2, 0.05)];
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let picked = preserve_niches(2, 2, &assoc, &mut rng);
        let mut got = picked.clone();
        got.sort();
        // lines 1 and 2 have no kept point: one each, line 2's closest (front index 4)
        assert_eq!(got, vec![2, 4]);
        let all = preserve_niches(5, 2, &assoc, &mut rng);
        let mut all_sorted = all.clone();
        all_sorted.sort();
        assert_eq!(all_sorted, vec![0, 1, 2, 3, 4]);
    }
}

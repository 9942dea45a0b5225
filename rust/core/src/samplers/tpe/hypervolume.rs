//! Hypervolume of a point set (minimization) and greedy hypervolume subset selection, for
//! MOTPE's tie-break among trials of equal non-domination rank.

/// Hypervolume dominated by `points` (each minimized) and bounded by `reference`.
pub fn hypervolume(points: &[Vec<f64>], reference: &[f64]) -> f64 {
    let pts: Vec<&Vec<f64>> = points.iter().filter(|p| p.iter().zip(reference).all(|(a, r)| a < r)).collect();
    if pts.is_empty() {
        return 0.0;
    }
    let m = reference.len();
    if m == 1 {
        return pts.iter().map(|p| reference[0] - p[0]).fold(0.0, f64::max);
    }
    if m == 2 {
        let mut s: Vec<(f64, f64)> = pts.iter().map(|p| (p[0], p[1])).collect();
        s.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let mut hv = 0.0;
        let mut best_y = reference[1];
        for (x, y) in s {
            if y < best_y {
                hv += (reference[0] - x) * (best_y - y);
                best_y = y;
            }
        }
        return hv;
    }
    // Slice along the last objective: sort by it, and integrate the (m-1)-dimensional
    // hypervolume of the points below each slice.
    let mut s: Vec<&Vec<f64>> = pts;
    s.sort_by(|a, b| a[m - 1].total_cmp(&b[m - 1]));
    let mut hv = 0.0;
    for i in 0..s.len() {
        let top = if i + 1 < s.len() { s[i + 1][m - 1] } else { reference[m - 1] };
        let depth = top - s[i][m - 1];
        if depth <= 0.0 {
            continue;
        }
        let proj: Vec<Vec<f64>> = s[..=i].iter().map(|p| p[..m - 1].to_vec()).collect();
        hv += depth * hypervolume(&proj, &reference[..m - 1]);
    }
    hv
}

/// Greedily picks `k` of `points` maximizing the hypervolume of the picked set; returns indices.
pub fn greedy_subset(points: &[Vec<f64>], k: usize, reference: &[f64]) -> Vec<usize> {
    let mut chosen: Vec<usize> = Vec::with_capacity(k);
    let mut chosen_pts: Vec<Vec<f64>> = Vec::with_capacity(k);
    let mut left: Vec<usize> = (0..points.len()).collect();
    let mut base = 0.0;
    while chosen.len() < k && !left.is_empty() {
        let mut best = (f64::NEG_INFINITY, 0usize);
        for (pos, &i) in left.iter().enumerate() {
            chosen_pts.push(points[i].clone());
            let gain = hypervolume(&chosen_pts, reference) - base;
            chosen_pts.pop();
            if gain > best.0 {
                best = (gain, pos);
            }
        }
        let i = left.remove(best.1);
        chosen_pts.push(points[i].clone());
        base = hypervolume(&chosen_pts, reference);
        chosen.push(i);
    }
    chosen
}

/// Non-domination rank of each point (0 = Pareto front), minimizing every objective.
/// Ranks are computed only as deep as needed to rank `at_least` points; the rest get `usize::MAX`.
pub fn nondomination_ranks(points: &[Vec<f64>], at_least: usize) -> Vec<usize> {
    let n = points.len();
    let dominates = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(x, y)| x <= y) && a.iter().zip(b).any(|(x, y)| x < y);
    let mut rank = vec![usize::MAX; n];
    let mut remaining: Vec<usize> = (0..n).collect();
    let mut ranked = 0;
    let mut r = 0;
    while !remaining.is_empty() && ranked < at_least {
        let front: Vec<usize> =
            remaining.iter().copied().filter(|&i| !remaining.iter().any(|&j| j != i && dominates(&points[j], &points[i]))).collect();
        for &i in &front {
            rank[i] = r;
        }
        ranked += front.len();
        remaining.retain(|i| rank[*i] == usize::MAX);
        r += 1;
    }
    rank
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hypervolume_2d_and_3d_by_hand() {
        let p = vec![vec![1.0, 2.0], vec![2.0, 1.0]];
        // union of [1,3]x[2,3] and [2,3]x[1,3] = 2 + 2 - 1
        assert!((hypervolume(&p, &[3.0, 3.0]) - 3.0).abs() < 1e-12);
        let q = vec![vec![0.0, 0.0, 0.0]];
        assert!((hypervolume(&q, &[1.0, 2.0, 3.0]) - 6.0).abs() < 1e-12);
        let r = vec![vec![0.0, 1.0, 1.0], vec![1.0, 0.0, 1.0], vec![1.0, 1.0, 0.0]];
        // three boxes of volume 2 in [0,2]^3, each pair and the triple meeting in [1,2]^3: 6 - 3 + 1
        assert!((hypervolume(&r, &[2.0, 2.0, 2.0]) - 4.0).abs() < 1e-12);
    }

    #[test]
    fn greedy_prefers_spread_points() {
        let p = vec![vec![0.0, 4.0], vec![0.1, 3.9], vec![4.0, 0.0], vec![2.0, 2.0]];
        // alone, the knee (2,2) covers 9, more than any extreme point (5.0 or 5.1)
        let s = greedy_subset(&p, 2, &[5.0, 5.0]);
        assert_eq!(s[0], 3);
        assert_eq!(s.len(), 2);
    }

    #[test]
    fn ranks_peel_fronts() {
        let p = vec![vec![1.0, 1.0], vec![2.0, 2.0], vec![0.5, 3.0], vec![3.0, 3.0]];
        assert_eq!(nondomination_ranks(&p, 4), vec![0, 1, 0, 2]);
        assert_eq!(nondomination_ranks(&p, 1), vec![0, usize::MAX, 0, usize::MAX]);
    }
}

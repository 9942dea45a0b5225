//! Non-dominated sorting of points to minimize: rank 0 is the Pareto front, rank 1 the front
//! of the rest, and so on. Two objectives take O(n log n) (a sweep over the points sorted by
//! the first objective, each joining the first front whose lowest second objective is above
//! its own, found by binary search); more objectives use Deb's O(M n^2) sort.

use std::cmp::Ordering;

/// True when `a` is no worse than `b` everywhere and better somewhere (minimizing).
pub fn dominates(a: &[f64], b: &[f64]) -> bool {
    let mut strictly = false;
    for (x, y) in a.iter().zip(b) {
        if x > y {
            return false;
        }
        strictly |= x < y;
    }
    strictly
}

/// The non-domination rank of each point.
pub fn ranks(points: &[Vec<f64>]) -> Vec<usize> {
    match points.first().map(Vec::len) {
        None => Vec::new(),
        Some(2) => ranks_2d(points),
        Some(1) => ranks_1d(points.iter().map(|p| p[0])),
        Some(_) => ranks_general(points),
    }
}

/// One objective: equal values share a rank.
fn ranks_1d(values: impl Iterator<Item = f64>) -> Vec<usize> {
    let values: Vec<f64> = values.collect();
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut rank = vec![0; values.len()];
    let mut r = 0;
    for w in 0..order.len() {
        if w > 0 && values[order[w]] != values[order[w - 1]] {
            r += 1;
        }
        rank[order[w]] = r;
    }
    rank
}

fn ranks_2d(points: &[Vec<f64>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&a, &b| match points[a][0].total_cmp(&points[b][0]) {
        Ordering::Equal => points[a][1].total_cmp(&points[b][1]),
        o => o,
    });
    let mut rank = vec![0; points.len()];
    // lowest second objective of each front so far; non-decreasing in the front's rank
    let mut front_min: Vec<f64> = Vec::new();
    for (w, &i) in order.iter().enumerate() {
        let p = &points[i];
        if w > 0 && points[order[w - 1]] == *p {
            rank[i] = rank[order[w - 1]]; // a copy of the previous point: neither dominates
            continue;
        }
        // every earlier point has a first objective <= p's, so a front dominates p exactly
        // when its lowest second objective is <= p's (equal points were handled above)
        let k = front_min.partition_point(|&m| m <= p[1]);
        if k == front_min.len() {
            front_min.push(p[1]);
        } else {
            front_min[k] = p[1];
        }
        rank[i] = k;
    }
    rank
}

fn ranks_general(points: &[Vec<f64>]) -> Vec<usize> {
    let n = points.len();
    let mut dominated_by = vec![0usize; n];
    let mut dominates_list: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..n {
        for j in i + 1..n {
            if dominates(&points[i], &points[j]) {
                dominates_list[i].push(j);
                dominated_by[j] += 1;
            } else if dominates(&points[j], &points[i]) {
                dominates_list[j].push(i);
                dominated_by[i] += 1;
            }
        }
    }
    let mut rank = vec![0; n];
    let mut front: Vec<usize> = (0..n).filter(|&i| dominated_by[i] == 0).collect();
    let mut r = 0;
    while !front.is_empty() {
        let mut next = Vec::new();
        for &i in &front {
            rank[i] = r;
            for &j in &dominates_list[i] {
                dominated_by[j] -= 1;
                if dominated_by[j] == 0 {
                    next.push(j);
                }
            }
        }
        front = next;
        r += 1;
    }
    rank
}

/// Ranks under constrained domination (Deb): feasible points (penalty <= 0) ranked by their
/// objectives first, then infeasible ones by their penalty alone, a smaller one first.
pub fn constrained_ranks(points: &[Vec<f64>], penalty: Option<&[f64]>) -> Vec<usize> {
    let Some(penalty) = penalty else { return ranks(points) };
    let feasible: Vec<usize> = (0..points.len()).filter(|&i| penalty[i] <= 0.0).collect();
    let infeasible: Vec<usize> = (0..points.len()).filter(|&i| penalty[i] > 0.0).collect();
    let mut rank = vec![0; points.len()];
    let fr = ranks(&feasible.iter().map(|&i| points[i].clone()).collect::<Vec<_>>());
    let top = fr.iter().map(|r| r + 1).max().unwrap_or(0);
    for (&i, r) in feasible.iter().zip(fr) {
        rank[i] = r;
    }
    for (&i, r) in infeasible.iter().zip(ranks_1d(infeasible.iter().map(|&i| penalty[i]))) {
        rank[i] = top + r;
    }
    rank
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The definition: a point's rank is one more than the highest rank among the points that
    /// dominate it (0 when none does).
    fn brute_force(points: &[Vec<f64>]) -> Vec<usize> {
        let n = points.len();
        let mut rank = vec![usize::MAX; n];
        let mut left: Vec<usize> = (0..n).collect();
        let mut r = 0;
        while !left.is_empty() {
            let front: Vec<usize> = left.iter().copied().filter(|&i| !left.iter().any(|&j| dominates(&points[j], &points[i]))).collect();
            for &i in &front {
                rank[i] = r;
            }
            left.retain(|i| !front.contains(i));
            r += 1;
        }
        rank
    }

    fn points(m: usize) -> impl Strategy<Value = Vec<Vec<f64>>> {
        // small integer grids make ties and duplicates common
        prop::collection::vec(prop::collection::vec((0i32..6).prop_map(f64::from), m), 0..40)
    }

    proptest! {
        #[test]
        fn two_objectives_match_brute_force(p in points(2)) {
            prop_assert_eq!(ranks(&p), brute_force(&p));
        }

        #[test]
        fn more_objectives_match_brute_force(p in points(3)) {
            prop_assert_eq!(ranks(&p), brute_force(&p));
        }

        #[test]
        fn continuous_values_match_brute_force(p in prop::collection::vec(prop::collection::vec(-1e3f64..1e3, 2), 0..60)) {
            prop_assert_eq!(ranks(&p), brute_force(&p));
            prop_assert_eq!(ranks_general(&p), brute_force(&p));
        }

        #[test]
        fn constrained_feasible_first(p in points(2), pen in prop::collection::vec((0i32..3).prop_map(|x| f64::from(x) * 0.5), 40)) {
            let pen = &pen[..p.len()];
            let r = constrained_ranks(&p, Some(pen));
            for i in 0..p.len() {
                for j in 0..p.len() {
                    if pen[i] <= 0.0 && pen[j] > 0.0 { prop_assert!(r[i] < r[j]); }
                    if pen[i] > 0.0 && pen[j] > 0.0 { prop_assert_eq!(r[i] < r[j], pen[i] < pen[j]); }
                }
            }
        }
    }

    #[test]
    fn hand_worked() {
        let p = vec![vec![1.0, 4.0], vec![2.0, 2.0], vec![4.0, 1.0], vec![3.0, 3.0], vec![2.0, 2.0], vec![5.0, 5.0], vec![1.0, 5.0]];
        assert_eq!(ranks(&p), vec![0, 0, 0, 1, 0, 2, 1]);
    }
}

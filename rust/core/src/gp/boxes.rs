//! The region a set of points leaves undominated below a reference point, as disjoint boxes:
//! the hypervolume a new point adds is then a sum of box volumes, which log EHVI evaluates for
//! every posterior sample.
//!
//! Everything here minimizes. The region is `{y < ref : no point p has p <= y}`; a box is
//! `[lower, upper)` with `upper <= ref` and lower ends possibly `-inf`. The decomposition slices
//! along the last objective: between two consecutive values of it, the points below the slice
//! are fixed and the slice's cross-section is the undominated region of their projections, one
//! objective fewer. Slices whose cross-section does not change are merged, so two objectives
//! give one box per point of the front, plus one.

/// Disjoint boxes `(lower, upper)` covering the region `points` leave undominated below
/// `reference`. Points not strictly below the reference in every objective dominate nothing
/// there and are ignored.
pub fn undominated_boxes(points: &[Vec<f64>], reference: &[f64]) -> Vec<(Vec<f64>, Vec<f64>)> {
    let pts: Vec<&[f64]> = points.iter().map(|p| p.as_slice()).filter(|p| p.iter().zip(reference).all(|(a, r)| a < r)).collect();
    let mut out = Vec::new();
    slice(&pts, reference, &mut out);
    out
}

fn weakly_dominates(a: &[f64], b: &[f64]) -> bool {
    a.iter().zip(b).all(|(x, y)| x <= y)
}

fn slice(pts: &[&[f64]], reference: &[f64], out: &mut Vec<(Vec<f64>, Vec<f64>)>) {
    let m = reference.len();
    if m == 1 {
        let top = pts.iter().map(|p| p[0]).fold(reference[0], f64::min);
        if top > f64::NEG_INFINITY {
            out.push((vec![f64::NEG_INFINITY], vec![top]));
        }
        return;
    }
    let mut sorted: Vec<&[f64]> = pts.to_vec();
    sorted.sort_by(|a, b| a[m - 1].total_cmp(&b[m - 1]));
    // The projections of the points at or below the current slice (kept non-dominated).
    let mut active: Vec<Vec<f64>> = Vec::new();
    let mut start = f64::NEG_INFINITY;
    let close = |active: &[Vec<f64>], from: f64, to: f64, out: &mut Vec<(Vec<f64>, Vec<f64>)>| {
        if from >= to {
            return;
        }
        let proj: Vec<&[f64]> = active.iter().map(|p| p.as_slice()).collect();
        let mut sub = Vec::new();
        slice(&proj, &reference[..m - 1], &mut sub);
        for (mut lo, mut hi) in sub {
            lo.push(from);
            hi.push(to);
            out.push((lo, hi));
        }
    };
    for p in sorted {
        let proj = &p[..m - 1];
        if active.iter().any(|q| weakly_dominates(q, proj)) {
            continue; // the cross-section does not change: the slice goes on
        }
        close(&active, start, p[m - 1], out);
        active.retain(|q| !weakly_dominates(proj, q));
        active.push(proj.to_vec());
        start = p[m - 1];
    }
    close(&active, start, reference[m - 1], out);
}

/// The reference point of a set of (minimized) values: a little worse than the worst value of
/// each objective (10% of its magnitude, then the next float up, so that it is strictly worse
/// even at 0).
pub fn reference_point(points: &[Vec<f64>]) -> Vec<f64> {
    let m = points.first().map_or(0, |p| p.len());
    (0..m)
        .map(|j| {
            let w = points.iter().map(|p| p[j]).fold(f64::NEG_INFINITY, f64::max);
            next_up((1.1 * w).max(0.9 * w))
        })
        .collect()
}

fn next_up(x: f64) -> f64 {
    if x.is_nan() || x == f64::INFINITY {
        return x;
    }
    if x == 0.0 {
        return f64::from_bits(1);
    }
    let b = x.to_bits();
    f64::from_bits(if x > 0.0 { b + 1 } else { b - 1 })
}

/// The points that no other point dominates (minimization), in their order.
pub fn front(points: &[Vec<f64>]) -> Vec<usize> {
    let strictly = |a: &[f64], b: &[f64]| weakly_dominates(a, b) && a != b;
    (0..points.len()).filter(|&i| !points.iter().any(|q| strictly(q, &points[i]))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::samplers::tpe::hypervolume::hypervolume;
    use proptest::prelude::*;

    /// The hypervolume `y` adds to `points`, from the boxes.
    fn gain(boxes: &[(Vec<f64>, Vec<f64>)], y: &[f64]) -> f64 {
        boxes.iter().map(|(lo, hi)| lo.iter().zip(hi).zip(y).map(|((l, h), v)| (h - v.max(*l)).max(0.0)).product::<f64>()).sum()
    }

    #[test]
    fn two_objectives_give_a_staircase() {
        let pts = vec![vec![1.0, 3.0], vec![2.0, 2.0], vec![3.0, 1.0], vec![2.5, 2.5]];
        let b = undominated_boxes(&pts, &[4.0, 4.0]);
        assert_eq!(b.len(), 4, "{b:?}");
        // (1.5, 1.5) adds the squares [1.5,2)x[2,3) + [1.5,3)x[1.5,2) + ... by hand: 2.25 - 0.25 - 0.25.
        let g = gain(&b, &[1.5, 1.5]);
        assert!((g - 1.25).abs() < 1e-12, "{g}");
        let ninf = f64::NEG_INFINITY;
        assert!(b.contains(&(vec![ninf, ninf], vec![4.0, 1.0])) && b.contains(&(vec![ninf, 3.0], vec![1.0, 4.0])), "{b:?}");
    }

    #[test]
    fn the_reference_point_is_strictly_worse() {
        let r = reference_point(&[vec![0.0, -2.0], vec![-1.0, -3.0]]);
        assert!(r[0] > 0.0 && r[0] < 1e-300);
        assert!(r[1] > -1.8 && r[1] < -1.79);
        assert_eq!(front(&[vec![1.0, 2.0], vec![2.0, 1.0], vec![2.0, 2.0], vec![1.0, 2.0]]), vec![0, 1, 3]);
    }

    proptest! {
        /// The boxes' gain of a new point is the exact hypervolume gain (up to four objectives,
        /// with ties on a coarse grid).
        #[test]
        fn boxes_give_the_exact_hypervolume_gain(
            m in 2usize..5,
            raw in proptest::collection::vec(0u8..8, 2..40),
            probe in proptest::collection::vec(0u8..10, 4),
        ) {
            let pts: Vec<Vec<f64>> = raw.chunks_exact(m).map(|c| c.iter().map(|&v| v as f64 * 0.5).collect()).collect();
            let reference = vec![4.0; m];
            let boxes = undominated_boxes(&pts, &reference);
            let y: Vec<f64> = probe[..m].iter().map(|&v| v as f64 * 0.45 - 0.3).collect();
            let mut with = pts.clone();
            with.push(y.clone());
            let exact = hypervolume(&with, &reference) - hypervolume(&pts, &reference);
            let g = gain(&boxes, &y);
            prop_assert!((g - exact).abs() < 1e-9 * (1.0 + exact), "boxes {} exact {}", g, exact);
            // Disjoint: the total volume below the reference from the lowest probe point.
            let low = vec![-0.3; m];
            let total: f64 = reference.iter().zip(&low).map(|(r, l)| r - l).product();
            prop_assert!((gain(&boxes, &low) - (total - hypervolume(&pts, &reference)) ).abs() < 1e-9 * total);
        }
    }
}

//! fANOVA (Hutter et al., ICML 2014) on a fitted forest: the share of a tree's variance over
//! the search space that one parameter's marginal explains, as Optuna's `_FanovaTree` computes
//! it. A node's statistics are its mean prediction and the volume of the box it covers.

use super::forest::{Node, Tree};

/// One tree prepared for marginals over the search space `bounds` (`[low, high]` per feature).
pub struct FanovaTree<'t> {
    nodes: &'t [Node],
    /// (mean prediction over the node's box, the box's volume).
    stats: Vec<(f64, f64)>,
    /// `active[node * d + f]`: some split in the node's subtree is on feature `f`.
    active: Vec<bool>,
    /// Each feature's sorted distinct thresholds, with the bounds at both ends.
    cuts: Vec<Vec<f64>>,
    d: usize,
    bounds: Vec<[f64; 2]>,
    /// The tree's variance over the whole space.
    pub variance: f64,
}

impl<'t> FanovaTree<'t> {
    pub fn new(tree: &'t Tree, bounds: &[[f64; 2]]) -> Self {
        let nodes = &tree.nodes[..];
        let d = bounds.len();
        let mut boxes: Vec<Vec<[f64; 2]>> = vec![Vec::new(); nodes.len()];
        boxes[0] = bounds.to_vec();
        let mut stats = vec![(0.0, 0.0); nodes.len()];
        let mut cuts: Vec<Vec<f64>> = vec![Vec::new(); d];
        // Children come after their parents: boxes top-down, statistics bottom-up.
        for (i, n) in nodes.iter().enumerate() {
            let b = std::mem::take(&mut boxes[i]);
            if n.feature < 0 {
                stats[i] = (n.value, volume(&b));
            } else {
                let f = n.feature as usize;
                cuts[f].push(n.threshold);
                let (mut l, mut r) = (b.clone(), b);
                l[f][1] = n.threshold;
                r[f][0] = n.threshold;
                boxes[n.left as usize] = l;
                boxes[n.right as usize] = r;
            }
        }
        let mut active = vec![false; nodes.len() * d];
        for (i, n) in nodes.iter().enumerate().rev() {
            if n.feature < 0 {
                continue;
            }
            let (l, r) = (n.left as usize, n.right as usize);
            let (sl, sr) = (stats[l], stats[r]);
            let w = sl.1 + sr.1;
            stats[i] = (if w > 0.0 { (sl.0 * sl.1 + sr.0 * sr.1) / w } else { 0.5 * (sl.0 + sr.0) }, w);
            for f in 0..d {
                active[i * d + f] = active[l * d + f] || active[r * d + f];
            }
            active[i * d + n.feature as usize] = true;
        }
        for (f, c) in cuts.iter_mut().enumerate() {
            c.sort_by(f64::total_cmp);
            c.dedup();
            c.insert(0, bounds[f][0]);
            c.push(bounds[f][1]);
        }
        let leaves: Vec<(f64, f64)> = nodes.iter().zip(&stats).filter(|(n, _)| n.feature < 0).map(|(_, s)| *s).collect();
        let variance = weighted_variance(&leaves);
        FanovaTree { nodes, stats, active, cuts, d, bounds: bounds.to_vec(), variance }
    }

    /// The variance of the marginal prediction over the features `group` (the encoded columns
    /// of one parameter), each varied over the midpoints between its thresholds.
    pub fn marginal_variance(&self, group: &[usize]) -> f64 {
        if group.len() == 1 {
            return self.marginal_variance_1d(group[0]).max(0.0);
        }
        let grids: Vec<(Vec<f64>, Vec<f64>)> = group.iter().map(|&f| self.midpoints(f)).collect();
        let mut points = Vec::new();
        let mut idx = vec![0usize; group.len()];
        let mut x = vec![0.0; group.len()];
        loop {
            let mut size = 1.0;
            for (k, &i) in idx.iter().enumerate() {
                x[k] = grids[k].0[i];
                size *= grids[k].1[i];
            }
            let (v, w) = self.marginalized(group, &x);
            points.push((v, w * size));
            // Next combination, the last feature fastest (itertools.product's order).
            let mut k = group.len();
            loop {
                if k == 0 {
                    return weighted_variance(&points).max(0.0);
                }
                k -= 1;
                idx[k] += 1;
                if idx[k] < grids[k].0.len() {
                    break;
                }
                idx[k] = 0;
            }
        }
    }

    fn midpoints(&self, f: usize) -> (Vec<f64>, Vec<f64>) {
        let c = &self.cuts[f];
        c.windows(2).map(|w| (0.5 * (w[0] + w[1]), w[1] - w[0])).unzip()
    }

    /// The mean prediction and weight with the features of `group` at `x`, the others averaged
    /// over the space.
    fn marginalized(&self, group: &[usize], x: &[f64]) -> (f64, f64) {
        let mut stack = vec![(0usize, group.iter().map(|&f| self.bounds[f]).collect::<Vec<_>>())];
        let (mut vw, mut ww) = (0.0, 0.0);
        while let Some((i, b)) = stack.pop() {
            let n = &self.nodes[i];
            if n.feature >= 0 {
                if let Some(k) = group.iter().position(|&f| f == n.feature as usize) {
                    let mut b = b;
                    if x[k] <= n.threshold {
                        b[k][1] = n.threshold;
                        stack.push((n.left as usize, b));
                    } else {
                        b[k][0] = n.threshold;
                        stack.push((n.right as usize, b));
                    }
                    continue;
                }
                if group.iter().any(|&f| self.active[i * self.d + f]) {
                    stack.push((n.right as usize, b.clone()));
                    stack.push((n.left as usize, b));
                    continue;
                }
            }
            let (v, w) = self.stats[i];
            let w = w / b.iter().map(|r| r[1] - r[0]).product::<f64>();
            vw += v * w;
            ww += w;
        }
        (vw / ww, ww)
    }

    /// `marginal_variance` for one feature in one pass over the tree: each node reached is
    /// reached by the midpoints inside its interval of the feature, so its contribution is added
    /// to that run of midpoints at once.
    fn marginal_variance_1d(&self, f: usize) -> f64 {
        let (mids, sizes) = self.midpoints(f);
        let m = mids.len();
        // Difference arrays of sum(v * w) and sum(w) over the midpoints.
        let (mut dvw, mut dw) = (vec![0.0; m + 1], vec![0.0; m + 1]);
        let mut stack = vec![(0usize, self.bounds[f][0], self.bounds[f][1])];
        while let Some((i, lo, hi)) = stack.pop() {
            let n = &self.nodes[i];
            if n.feature >= 0 {
                if n.feature as usize == f {
                    stack.push((n.left as usize, lo, n.threshold));
                    stack.push((n.right as usize, n.threshold, hi));
                    continue;
                }
                if self.active[i * self.d + f] {
                    stack.push((n.right as usize, lo, hi));
                    stack.push((n.left as usize, lo, hi));
                    continue;
                }
            }
            // Midpoints strictly inside (lo, hi]: the cuts are the thresholds, so the first
            // one past `lo` starts the run and the run ends where `hi` is a cut.
            let a = self.cuts[f].partition_point(|c| *c < lo).min(m);
            let b = self.cuts[f].partition_point(|c| *c < hi).min(m);
            if a >= b {
                continue;
            }
            let (v, w) = self.stats[i];
            let w = w / (hi - lo);
            dvw[a] += v * w;
            dvw[b] -= v * w;
            dw[a] += w;
            dw[b] -= w;
        }
        let (mut svw, mut sw) = (0.0, 0.0);
        let mut points = Vec::with_capacity(m);
        for j in 0..m {
            svw += dvw[j];
            sw += dw[j];
            points.push((svw / sw, sw * sizes[j]));
        }
        weighted_variance(&points)
    }
}

fn volume(b: &[[f64; 2]]) -> f64 {
    b.iter().map(|r| r[1] - r[0]).product()
}

/// Variance of `(value, weight)` points under their weights.
fn weighted_variance(points: &[(f64, f64)]) -> f64 {
    let w: f64 = points.iter().map(|p| p.1).sum();
    let mean = points.iter().map(|p| p.0 * p.1).sum::<f64>() / w;
    points.iter().map(|p| p.1 * (p.0 - mean).powi(2)).sum::<f64>() / w
}

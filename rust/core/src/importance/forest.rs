//! A random forest of regression trees (CART on squared error, bootstrap samples), the model
//! that fANOVA and mean decrease impurity read, with scikit-learn's `RandomForestRegressor`
//! settings as Optuna uses them: every feature tried at every split, thresholds halfway between
//! neighbouring values, nodes split down to one sample or `max_depth`.

use crate::gp::parallel;
use rand::RngCore;

use crate::rng::{below, stream};

/// One node; `feature < 0` marks a leaf.
#[derive(Debug, Clone, Copy)]
pub struct Node {
    pub feature: i32,
    pub threshold: f64,
    pub left: u32,
    pub right: u32,
    /// Mean target of the node's samples.
    pub value: f64,
    /// Number of (bootstrap) samples in the node.
    pub n: f64,
    /// Mean squared deviation of the node's samples from `value`.
    pub impurity: f64,
}

/// A fitted tree; node 0 is the root, children come after their parent.
#[derive(Debug, Clone)]
pub struct Tree {
    pub nodes: Vec<Node>,
}

/// The training data by column: `x[f][i]` is feature `f` of sample `i`.
pub struct Data<'a> {
    pub x: &'a [Vec<f64>],
    pub y: &'a [f64],
}

/// Fits `n_trees` trees, each on a bootstrap sample drawn from `(seed, tree index)`, so the
/// forest is the same whatever the number of threads.
pub fn fit(data: &Data<'_>, n_trees: usize, max_depth: usize, seed: u64) -> Vec<Tree> {
    let n = data.y.len();
    // Rows sorted by each feature once; a tree's orders repeat each row as often as drawn.
    let sorted: Vec<Vec<u32>> = data
        .x
        .iter()
        .map(|col| {
            let mut o: Vec<u32> = (0..n as u32).collect();
            o.sort_by(|&a, &b| col[a as usize].total_cmp(&col[b as usize]));
            o
        })
        .collect();
    parallel::map(n_trees, |t| {
        let mut rng = stream(seed, t as u64, "importance-forest");
        let mut drawn = vec![0u32; n];
        for _ in 0..n {
            drawn[below(&mut rng, n as u64) as usize] += 1;
        }
        grow(data, &sorted, &drawn, max_depth, &mut rng)
    })
}

/// One feature's distinct sampled rows in the node ranges, sorted by the feature within each
/// node: the row, its value of the feature, its bootstrap count `w` and `w * y` side by side, so
/// a split search reads memory in order. (A count is scikit-learn's sample weight: the
/// bootstrap enters its trees the same way.)
struct Column {
    rows: Vec<u32>,
    x: Vec<f64>,
    w: Vec<f64>,
    wy: Vec<f64>,
}

impl Column {
    fn with_capacity(m: usize) -> Self {
        Column { rows: Vec::with_capacity(m), x: Vec::with_capacity(m), w: Vec::with_capacity(m), wy: Vec::with_capacity(m) }
    }
}

/// Grows one tree on the bootstrap sample (`drawn[row]` copies of each row). A split
/// partitions every feature's column stably, so no node sorts again.
fn grow(data: &Data<'_>, sorted: &[Vec<u32>], drawn: &[u32], max_depth: usize, rng: &mut impl RngCore) -> Tree {
    let mut cols: Vec<Column> = sorted
        .iter()
        .zip(data.x)
        .map(|(order, xf)| {
            let mut c = Column::with_capacity(order.len());
            for &r in order {
                let k = drawn[r as usize];
                if k > 0 {
                    c.rows.push(r);
                    c.x.push(xf[r as usize]);
                    c.w.push(k as f64);
                    c.wy.push(k as f64 * data.y[r as usize]);
                }
            }
            c
        })
        .collect();
    let m = cols[0].rows.len();
    let mut tree = Tree { nodes: vec![leaf(&cols[0], 0, m, data.y)] };
    let mut goes_left = vec![false; data.y.len()];
    let mut scratch = Column::with_capacity(m);
    // (node index, start, end, depth) of the nodes still to split.
    let mut stack = vec![(0usize, 0usize, m, 0usize)];
    let mut features: Vec<usize> = (0..cols.len()).collect();
    while let Some((id, start, end, depth)) = stack.pop() {
        if depth >= max_depth || end - start < 2 || tree.nodes[id].impurity <= f64::EPSILON {
            continue;
        }
        // Features are tried in a random order and a tie keeps the first, as in scikit-learn,
        // so features that split the samples equally well share the splits across trees.
        for i in (1..features.len()).rev() {
            features.swap(i, below(rng, i as u64 + 1) as usize);
        }
        let Some((f, threshold, n_left)) = best_split(&cols, &features, start, end) else { continue };
        for (&r, &x) in cols[f].rows[start..end].iter().zip(&cols[f].x[start..end]) {
            goes_left[r as usize] = x <= threshold;
        }
        for c in cols.iter_mut() {
            scratch.rows.clear();
            scratch.x.clear();
            scratch.w.clear();
            scratch.wy.clear();
            let mut k = start;
            for i in start..end {
                let r = c.rows[i];
                if goes_left[r as usize] {
                    c.rows[k] = r;
                    c.x[k] = c.x[i];
                    c.w[k] = c.w[i];
                    c.wy[k] = c.wy[i];
                    k += 1;
                } else {
                    scratch.rows.push(r);
                    scratch.x.push(c.x[i]);
                    scratch.w.push(c.w[i]);
                    scratch.wy.push(c.wy[i]);
                }
            }
            c.rows[k..end].copy_from_slice(&scratch.rows);
            c.x[k..end].copy_from_slice(&scratch.x);
            c.w[k..end].copy_from_slice(&scratch.w);
            c.wy[k..end].copy_from_slice(&scratch.wy);
        }
        let mid = start + n_left;
        let (l, r) = (tree.nodes.len(), tree.nodes.len() + 1);
        tree.nodes.push(leaf(&cols[0], start, mid, data.y));
        tree.nodes.push(leaf(&cols[0], mid, end, data.y));
        let n = &mut tree.nodes[id];
        n.feature = f as i32;
        n.threshold = threshold;
        n.left = l as u32;
        n.right = r as u32;
        stack.push((r, mid, end, depth + 1));
        stack.push((l, start, mid, depth + 1));
    }
    tree
}

/// A node over the column's positions `start..end`: weighted mean and mean squared deviation.
fn leaf(c: &Column, start: usize, end: usize, y: &[f64]) -> Node {
    let n: f64 = c.w[start..end].iter().sum();
    let mean = c.wy[start..end].iter().sum::<f64>() / n;
    let sq: f64 = (start..end).map(|i| c.w[i] * (y[c.rows[i] as usize] - mean).powi(2)).sum();
    Node { feature: -1, threshold: f64::NAN, left: 0, right: 0, value: mean, n, impurity: sq / n }
}

/// The split with the smallest total squared error over every feature and threshold:
/// (feature, threshold, samples going left), or `None` when every feature is constant.
fn best_split(cols: &[Column], features: &[usize], start: usize, end: usize) -> Option<(usize, f64, usize)> {
    let n: f64 = cols[0].w[start..end].iter().sum();
    let total: f64 = cols[0].wy[start..end].iter().sum();
    let mut best: Option<(f64, usize, f64, usize)> = None;
    for &f in features {
        let c = &cols[f];
        let (x, w, wy) = (&c.x[start..end], &c.w[start..end], &c.wy[start..end]);
        if x[0] >= x[x.len() - 1] {
            continue; // constant in this node
        }
        let (mut left, mut nl) = (0.0, 0.0);
        for i in 1..x.len() {
            left += wy[i - 1];
            nl += w[i - 1];
            let (a, b) = (x[i - 1], x[i]);
            if a >= b {
                continue;
            }
            let right = total - left;
            // Minimizing the total squared error is maximizing this (the sum of squares cancels).
            let gain = left * left / nl + right * right / (n - nl);
            if best.is_none_or(|(g, ..)| gain > g) {
                let mut t = 0.5 * (a + b);
                if t >= b || !t.is_finite() {
                    t = a;
                }
                best = Some((gain, f, t, i));
            }
        }
    }
    best.map(|(_, f, t, nl)| (f, t, nl))
}

/// A tree on every row once (no bootstrap), for tests.
#[cfg(test)]
pub fn grow_all(data: &Data<'_>, max_depth: usize) -> Tree {
    let n = data.y.len();
    let sorted: Vec<Vec<u32>> = data
        .x
        .iter()
        .map(|col| {
            let mut o: Vec<u32> = (0..n as u32).collect();
            o.sort_by(|&a, &b| col[a as usize].total_cmp(&col[b as usize]));
            o
        })
        .collect();
    grow(data, &sorted, &vec![1; n], max_depth, &mut stream(0, 0, "test"))
}

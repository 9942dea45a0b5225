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
    let sorted = sorted_rows(data);
    parallel::map(n_trees, |t| {
        let mut rng = stream(seed, t as u64, "importance-forest");
        let mut drawn = vec![0u32; n];
        for _ in 0..n {
            drawn[below(&mut rng, n as u64) as usize] += 1;
        }
        grow(data, &sorted, &drawn, max_depth, &mut rng)
    })
}

/// Every row, sorted by each feature's values in turn.
fn sorted_rows(data: &Data<'_>) -> Vec<Vec<u32>> {
    let n = data.y.len() as u32;
    data.x
        .iter()
        .map(|col| {
            let mut o: Vec<u32> = (0..n).collect();
            o.sort_by(|&a, &b| col[a as usize].total_cmp(&col[b as usize]));
            o
        })
        .collect()
}

/// One feature's distinct sampled rows in the node ranges, sorted by the feature within each
/// node, with the row's value of the feature beside it so a split search reads the values in
/// order. The bootstrap count `w` and `w * y` are looked up by row (`Weights`): keeping them in
/// every column too made each split move four arrays per feature instead of two, and the
/// partition was most of a tree's time. (A count is scikit-learn's sample weight: the
/// bootstrap enters its trees the same way.)
struct Column {
    rows: Vec<u32>,
    x: Vec<f64>,
}

/// A tree's bootstrap count of each row and that count times the row's target.
struct Weights {
    w: Vec<f64>,
    wy: Vec<f64>,
}

/// Grows one tree on the bootstrap sample (`drawn[row]` copies of each row). A split
/// partitions every feature's column stably, so no node sorts again.
fn grow(data: &Data<'_>, sorted: &[Vec<u32>], drawn: &[u32], max_depth: usize, rng: &mut impl RngCore) -> Tree {
    let wt = Weights { w: drawn.iter().map(|&k| k as f64).collect(), wy: drawn.iter().zip(data.y).map(|(&k, &y)| k as f64 * y).collect() };
    let mut cols: Vec<Column> = sorted
        .iter()
        .zip(data.x)
        .map(|(order, xf)| {
            let rows: Vec<u32> = order.iter().copied().filter(|&r| drawn[r as usize] > 0).collect();
            let x = rows.iter().map(|&r| xf[r as usize]).collect();
            Column { rows, x }
        })
        .collect();
    let m = cols[0].rows.len();
    let mut tree = Tree { nodes: vec![leaf(&cols[0].rows[..m], &wt, data.y)] };
    let mut goes_left = vec![false; data.y.len()];
    let (mut spill_rows, mut spill_x) = (vec![0u32; m], vec![0.0f64; m]);
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
        let Some((f, threshold, n_left)) = best_split(&cols, &wt, &features, start, end) else { continue };
        for (&r, &x) in cols[f].rows[start..end].iter().zip(&cols[f].x[start..end]) {
            goes_left[r as usize] = x <= threshold;
        }
        for c in cols.iter_mut() {
            // Branch-free: each sample is written to both sides and only one index moves (the
            // side a sample goes is a coin flip to the branch predictor). `k <= i` throughout,
            // so the left side is compacted in place.
            let (mut k, mut j) = (start, 0);
            for i in start..end {
                let (r, x) = (c.rows[i], c.x[i]);
                let left = goes_left[r as usize] as usize;
                c.rows[k] = r;
                c.x[k] = x;
                spill_rows[j] = r;
                spill_x[j] = x;
                k += left;
                j += 1 - left;
            }
            c.rows[k..end].copy_from_slice(&spill_rows[..j]);
            c.x[k..end].copy_from_slice(&spill_x[..j]);
        }
        let mid = start + n_left;
        let (l, r) = (tree.nodes.len(), tree.nodes.len() + 1);
        tree.nodes.push(leaf(&cols[0].rows[start..mid], &wt, data.y));
        tree.nodes.push(leaf(&cols[0].rows[mid..end], &wt, data.y));
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

/// A node over `rows`: weighted mean and mean squared deviation.
fn leaf(rows: &[u32], wt: &Weights, y: &[f64]) -> Node {
    let n: f64 = rows.iter().map(|&r| wt.w[r as usize]).sum();
    let mean = rows.iter().map(|&r| wt.wy[r as usize]).sum::<f64>() / n;
    let sq: f64 = rows.iter().map(|&r| wt.w[r as usize] * (y[r as usize] - mean).powi(2)).sum();
    Node { feature: -1, threshold: f64::NAN, left: 0, right: 0, value: mean, n, impurity: sq / n }
}

/// The split with the smallest total squared error over every feature and threshold:
/// (feature, threshold, samples going left), or `None` when every feature is constant.
fn best_split(cols: &[Column], wt: &Weights, features: &[usize], start: usize, end: usize) -> Option<(usize, f64, usize)> {
    let node = &cols[0].rows[start..end];
    let n: f64 = node.iter().map(|&r| wt.w[r as usize]).sum();
    let total: f64 = node.iter().map(|&r| wt.wy[r as usize]).sum();
    let mut best: Option<(f64, usize, f64, usize)> = None;
    for &f in features {
        let c = &cols[f];
        let (rows, x) = (&c.rows[start..end], &c.x[start..end]);
        if x[0] >= x[x.len() - 1] {
            continue; // constant in this node
        }
        let (mut left, mut nl) = (0.0, 0.0);
        for i in 1..x.len() {
            let r = rows[i - 1] as usize;
            left += wt.wy[r];
            nl += wt.w[r];
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
    grow(data, &sorted_rows(data), &vec![1; n], max_depth, &mut stream(0, 0, "test"))
}

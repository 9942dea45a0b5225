//! Symmetric eigendecomposition (faer), for the covariance's square root C = B D^2 B^T.

use faer::{Mat, Side};

/// Eigenvectors (row-major `n x n`, one per column) and eigenvalues of the symmetric `n x n`
/// row-major matrix `c` (its lower triangle is read), eigenvalues in nondecreasing order.
/// `None` when the decomposition fails (a non-finite entry).
pub fn symmetric_eigen(c: &[f64], n: usize) -> Option<(Vec<f64>, Vec<f64>)> {
    if c.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let m = Mat::from_fn(n, n, |i, j| c[i * n + j]);
    let evd = m.self_adjoint_eigen(Side::Lower).ok()?;
    let u = evd.U();
    let s = evd.S().column_vector();
    let mut b = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            b[i * n + j] = u[(i, j)];
        }
    }
    Some((b, (0..n).map(|i| s[i]).collect()))
}

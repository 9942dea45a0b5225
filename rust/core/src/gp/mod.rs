//! Gaussian-process Bayesian optimization: the surrogate model, its fitting, the acquisition
//! functions and their optimizer. Used by [`crate::samplers::GpSampler`].
//!
//! - [`kernel`]: Matérn-5/2 with one lengthscale per dimension, Hamming for categoricals.
//! - [`linalg`]: Cholesky with jitter, solves and inverse (faer).
//! - [`regressor`]: the conditioned GP: posterior mean, variance and their gradients.
//! - [`fit`]: maximum a posteriori hyperparameters by L-BFGS on the log marginal likelihood.
//! - [`lbfgsb`]: box-constrained L-BFGS.
//! - [`normal`]: tail-accurate `ln Phi` and `ln(phi + z Phi)`.
//! - [`acquisition`]: log EI, log PI, UCB.
//! - [`joint`]: the acquisition of constrained and multi-objective studies (log CEI, log EHVI).
//! - [`ehvi`]: log expected hypervolume improvement over quasi-Monte Carlo posterior draws.
//! - [`boxes`]: the undominated region of a Pareto front as disjoint boxes.
//! - [`space`]: search space to unit cube and back.
//! - [`warp`]: Yeo-Johnson warping of the objective values.
//! - [`optimize`]: Sobol sweep plus local search of the acquisition function.
//! - [`candidates`]: the sweep's candidates kept across suggestions with fixed hyperparameters.
//! - [`scratch`]: a pool of reusable buffers for per-block matrices.
//! - [`parallel`]: independent pieces of a suggestion over the cores, in a fixed order.

pub mod acquisition;
pub mod boxes;
pub mod candidates;
pub mod ehvi;
pub mod fit;
pub mod joint;
pub mod kernel;
pub mod lbfgsb;
pub mod linalg;
pub mod normal;
pub mod optimize;
pub mod parallel;
pub mod regressor;
pub mod scratch;
pub mod space;
pub mod warp;

/// Checks a screened evaluation against the exact one (tests of every acquisition): a row may
/// hold an upper bound instead of its value only when that bound is at least the value and lies
/// more than `margin` below the best value. Returns how many rows held a bound.
#[cfg(test)]
pub(crate) fn check_screened(exact: &[f64], screened: &[f64], margin: f64, what: &str) -> usize {
    let top = exact.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let mut skipped = 0;
    for (e, s) in exact.iter().zip(screened) {
        if (e - s).abs() > 1e-9 * e.abs().max(1.0) {
            skipped += 1;
            assert!(*s >= *e - 1e-9, "{what}: the bound {s} is below the value {e}");
            assert!(*s < top - margin + 1e-9, "{what}: a row within the margin was not computed");
        }
    }
    skipped
}

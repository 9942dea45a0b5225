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

//! `_core.cmaes_sampler`: a handle on the core's CMA-ES sampler.

use std::sync::Arc;

use ferrotune_core::history::TrialState;
use ferrotune_core::samplers::cmaes::SourceTrial;
use ferrotune_core::samplers::{CmaEsConfig, CmaEsSampler};
use pyo3::prelude::*;

use crate::errors::pure;
use crate::sampler::Sampler;

/// A source trial of the warm start as Python hands it over: (state name, value, all parameter
/// names, internal values of the float and integer parameters).
type PySource = (String, Option<f64>, Vec<String>, Vec<(String, f64)>);

/// CMA-ES with Optuna's arguments. `independent` is the core of the sampler used for start-up
/// trials and parameters outside the space (random with the same seed when `None`);
/// `independent_name` its class name, for warnings. `x0` holds internal values.
#[pyfunction]
#[pyo3(signature = (x0, sigma0, n_startup_trials, independent, independent_name, warn_independent_sampling, seed,
    consider_pruned_trials, restart_strategy, popsize, inc_popsize, use_separable_cma, with_margin, lr_adapt, source_trials))]
pub fn cmaes_sampler(
    py: Python<'_>,
    x0: Option<Vec<(String, f64)>>,
    sigma0: Option<f64>,
    n_startup_trials: usize,
    independent: Option<PyRef<'_, Sampler>>,
    independent_name: String,
    warn_independent_sampling: bool,
    seed: Option<u64>,
    consider_pruned_trials: bool,
    restart_strategy: Option<String>,
    popsize: Option<usize>,
    inc_popsize: i64,
    use_separable_cma: bool,
    with_margin: bool,
    lr_adapt: bool,
    source_trials: Option<Vec<PySource>>,
) -> PyResult<Sampler> {
    let source_trials = source_trials.map(|ts| {
        ts.into_iter()
            .map(|(state, value, names, values)| SourceTrial {
                state: match state.as_str() {
                    "COMPLETE" => TrialState::Complete,
                    "PRUNED" => TrialState::Pruned,
                    "FAIL" => TrialState::Fail,
                    "WAITING" => TrialState::Waiting,
                    _ => TrialState::Running,
                },
                value,
                names,
                values,
            })
            .collect()
    });
    let cfg = CmaEsConfig {
        x0,
        sigma0,
        n_startup_trials,
        independent: independent.map(|s| (s.inner.clone(), independent_name)),
        warn_independent_sampling,
        seed,
        consider_pruned_trials,
        restart_strategy,
        popsize,
        inc_popsize,
        use_separable_cma,
        with_margin,
        lr_adapt,
        source_trials,
    };
    let s = pure(py, || CmaEsSampler::new(cfg))?;
    let seed = s.seed();
    Ok(Sampler::wrap(Arc::new(s), seed))
}

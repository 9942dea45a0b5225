//! The terminator's improvement estimates: the GP work of the core, on a study's history read
//! in one call or on trials given as arrays (GIL released either way).

use ferrotune_core::space::Distribution;
use ferrotune_core::storage::read_with;
use ferrotune_core::terminator::{Emmr, Observations, RegretBound};
use pyo3::prelude::*;

use crate::distribution::PyDistribution;
use crate::errors::enter_core;
use crate::storage::Storage;

/// Trials as arrays: `(name, distribution)` of the intersection search space, internal values
/// row-major, objective values, and whether the study maximizes.
type Arrays = (Vec<(String, Distribution)>, Vec<f64>, Vec<f64>, bool);

fn arrays(space: Vec<(String, PyRef<'_, PyDistribution>)>, internal: Vec<f64>, values: Vec<f64>, maximize: bool) -> Arrays {
    (space.into_iter().map(|(n, d)| (n, d.inner.clone())).collect(), internal, values, maximize)
}

/// The regret bound of study `study` of `storage`, over its complete trials (those numbered in
/// `numbers` only, when given).
#[pyfunction]
#[pyo3(signature = (storage, study, numbers, top_trials_ratio, min_n_trials, seed))]
pub fn regret_bound_study(
    py: Python<'_>,
    storage: &Storage,
    study: u32,
    numbers: Option<Vec<usize>>,
    top_trials_ratio: f64,
    min_n_trials: usize,
    seed: u64,
) -> PyResult<f64> {
    let inner = storage.inner.clone();
    enter_core(py, move || {
        let obs = read_with(inner.as_ref(), study, |h| Observations::from_history(h, numbers.as_deref()))??;
        RegretBound { top_trials_ratio, min_n_trials }.evaluate(&obs, seed)
    })
}

/// The regret bound of trials given as arrays.
#[pyfunction]
#[pyo3(signature = (space, internal, values, maximize, top_trials_ratio, min_n_trials, seed))]
#[allow(clippy::too_many_arguments)]
pub fn regret_bound_trials(
    py: Python<'_>,
    space: Vec<(String, PyRef<'_, PyDistribution>)>,
    internal: Vec<f64>,
    values: Vec<f64>,
    maximize: bool,
    top_trials_ratio: f64,
    min_n_trials: usize,
    seed: u64,
) -> PyResult<f64> {
    let (space, internal, values, maximize) = arrays(space, internal, values, maximize);
    enter_core(py, move || {
        let obs = Observations::from_internal(&space, &internal, &values, maximize)?;
        RegretBound { top_trials_ratio, min_n_trials }.evaluate(&obs, seed)
    })
}

/// The expected minimum model regret of study `study` of `storage` after its last complete
/// trial (among `numbers`, when given), and a warning to show, if any.
#[pyfunction]
#[pyo3(signature = (storage, study, numbers, deterministic, delta, min_n_trials, seed))]
#[allow(clippy::too_many_arguments)]
pub fn emmr_study(
    py: Python<'_>,
    storage: &Storage,
    study: u32,
    numbers: Option<Vec<usize>>,
    deterministic: bool,
    delta: f64,
    min_n_trials: i64,
    seed: u64,
) -> PyResult<(f64, Option<String>)> {
    let inner = storage.inner.clone();
    enter_core(py, move || {
        let e = Emmr::new(deterministic, delta, min_n_trials)?;
        let obs = read_with(inner.as_ref(), study, |h| Observations::from_history(h, numbers.as_deref()))??;
        let r = e.evaluate(&obs, seed)?;
        Ok((r.value, r.warning))
    })
}

/// The expected minimum model regret of trials given as arrays (trial order).
#[pyfunction]
#[pyo3(signature = (space, internal, values, maximize, deterministic, delta, min_n_trials, seed))]
#[allow(clippy::too_many_arguments)]
pub fn emmr_trials(
    py: Python<'_>,
    space: Vec<(String, PyRef<'_, PyDistribution>)>,
    internal: Vec<f64>,
    values: Vec<f64>,
    maximize: bool,
    deterministic: bool,
    delta: f64,
    min_n_trials: i64,
    seed: u64,
) -> PyResult<(f64, Option<String>)> {
    let (space, internal, values, maximize) = arrays(space, internal, values, maximize);
    enter_core(py, move || {
        let e = Emmr::new(deterministic, delta, min_n_trials)?;
        let obs = Observations::from_internal(&space, &internal, &values, maximize)?;
        let r = e.evaluate(&obs, seed)?;
        Ok((r.value, r.warning))
    })
}

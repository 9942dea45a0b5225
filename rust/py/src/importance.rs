//! Parameter importances: the core's evaluators over a study's history, read in one call.

use ferrotune_core::importance::{ForestImportance, Method, PedAnova};
use ferrotune_core::rng::os_seed;
use ferrotune_core::storage::read_with;
use pyo3::prelude::*;

use crate::errors::{enter_core, pure};
use crate::storage::Storage;

/// What an evaluation returns: `(name, importance)` in descending order, and warnings to show.
type Evaluated = (Vec<(String, f64)>, Vec<String>);

/// Checks PED-ANOVA's quantiles; returns the warning Optuna gives for the combination, if any.
#[pyfunction]
pub fn ped_anova_check(py: Python<'_>, target_quantile: f64, region_quantile: f64, evaluate_on_local: bool) -> PyResult<Option<String>> {
    pure(py, || PedAnova::new(target_quantile, region_quantile, evaluate_on_local).map(|(_, w)| w))
}

/// PED-ANOVA importances of study `study` of `storage` (GIL released while the history is read).
/// `target` is `(trial number, value)` of the complete trials when the user gave a target.
#[pyfunction]
#[pyo3(signature = (storage, study, params, target, target_quantile, region_quantile, evaluate_on_local))]
#[allow(clippy::too_many_arguments)]
pub fn ped_anova_importances(
    py: Python<'_>,
    storage: &Storage,
    study: u32,
    params: Option<Vec<String>>,
    target: Option<Vec<(usize, f64)>>,
    target_quantile: f64,
    region_quantile: f64,
    evaluate_on_local: bool,
) -> PyResult<Evaluated> {
    let inner = storage.inner.clone();
    enter_core(py, move || {
        let (e, _) = PedAnova::new(target_quantile, region_quantile, evaluate_on_local)?;
        let r = read_with(inner.as_ref(), study, |h| e.evaluate(h, params.as_deref(), target.as_deref()))??;
        Ok((r.values, r.warnings))
    })
}

/// fANOVA (`method="fanova"`) or mean decrease impurity (`"mdi"`) importances of study `study`
/// of `storage` on a random forest fitted in the core (GIL released). `seed=None` draws one.
#[pyfunction]
#[pyo3(signature = (storage, study, params, target, method, n_trees, max_depth, seed))]
#[allow(clippy::too_many_arguments)]
pub fn forest_importances(
    py: Python<'_>,
    storage: &Storage,
    study: u32,
    params: Option<Vec<String>>,
    target: Option<Vec<(usize, f64)>>,
    method: &str,
    n_trees: i64,
    max_depth: i64,
    seed: Option<u64>,
) -> PyResult<Evaluated> {
    let method = match method {
        "fanova" => Method::Fanova,
        "mdi" => Method::MeanDecreaseImpurity,
        other => return Err(pyo3::exceptions::PyValueError::new_err(format!("method must be 'fanova' or 'mdi', not {other:?}"))),
    };
    let inner = storage.inner.clone();
    enter_core(py, move || {
        let e = ForestImportance::new(method, n_trees, max_depth, seed.unwrap_or_else(os_seed))?;
        let r = read_with(inner.as_ref(), study, |h| e.evaluate(h, params.as_deref(), target.as_deref()))??;
        Ok((r.values, r.warnings))
    })
}

/// Checks a forest's settings (`n_trees`, `max_depth` at least 1).
#[pyfunction]
pub fn forest_check(py: Python<'_>, n_trees: i64, max_depth: i64) -> PyResult<()> {
    pure(py, || ForestImportance::new(Method::Fanova, n_trees, max_depth, 0).map(|_| ()))
}

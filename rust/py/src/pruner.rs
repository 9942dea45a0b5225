//! `_core.Pruner`: a handle on a built-in core pruner.

use std::sync::Arc;

use ferrotune_core::pruners::{
    HyperbandPruner, NopPruner, PatientPruner, PercentilePruner, Pruner as CorePruner, SuccessiveHalvingPruner, ThresholdPruner,
    WilcoxonPruner,
};
use pyo3::prelude::*;

use crate::errors::pure;

#[pyclass(frozen, module = "ferrotune._core")]
pub struct Pruner {
    pub inner: Arc<dyn CorePruner>,
}

fn wrap(p: impl CorePruner + 'static) -> Pruner {
    Pruner { inner: Arc::new(p) }
}

#[pymethods]
impl Pruner {
    #[staticmethod]
    fn nop() -> Self {
        wrap(NopPruner)
    }

    #[staticmethod]
    fn percentile(
        py: Python<'_>,
        percentile: f64,
        n_startup_trials: i64,
        n_warmup_steps: i64,
        interval_steps: i64,
        n_min_trials: i64,
    ) -> PyResult<Self> {
        pure(py, || PercentilePruner::new(percentile, n_startup_trials, n_warmup_steps, interval_steps, n_min_trials)).map(wrap)
    }

    #[staticmethod]
    #[pyo3(signature = (lower, upper, n_warmup_steps, interval_steps))]
    fn threshold(py: Python<'_>, lower: Option<f64>, upper: Option<f64>, n_warmup_steps: i64, interval_steps: i64) -> PyResult<Self> {
        pure(py, || ThresholdPruner::new(lower, upper, n_warmup_steps, interval_steps)).map(wrap)
    }

    /// `wrapped`: the core of a built-in pruner, or None (pure early stopping; a pruner
    /// written in Python is then consulted by the Python class).
    #[staticmethod]
    #[pyo3(signature = (wrapped, patience, min_delta))]
    fn patient(py: Python<'_>, wrapped: Option<&Pruner>, patience: i64, min_delta: f64) -> PyResult<Self> {
        let wrapped = wrapped.map(|w| w.inner.clone());
        pure(py, || PatientPruner::new(wrapped, patience, min_delta)).map(wrap)
    }

    #[staticmethod]
    fn wilcoxon(py: Python<'_>, p_threshold: f64, n_startup_steps: i64) -> PyResult<Self> {
        pure(py, || WilcoxonPruner::new(p_threshold, n_startup_steps)).map(wrap)
    }

    /// `min_resource=None` is "auto".
    #[staticmethod]
    #[pyo3(signature = (min_resource, reduction_factor, min_early_stopping_rate, bootstrap_count))]
    fn successive_halving(
        py: Python<'_>,
        min_resource: Option<i64>,
        reduction_factor: i64,
        min_early_stopping_rate: i64,
        bootstrap_count: i64,
    ) -> PyResult<Self> {
        pure(py, || SuccessiveHalvingPruner::new(min_resource, reduction_factor, min_early_stopping_rate, bootstrap_count)).map(wrap)
    }

    /// `max_resource=None` is "auto".
    #[staticmethod]
    #[pyo3(signature = (min_resource, max_resource, reduction_factor, bootstrap_count))]
    fn hyperband(
        py: Python<'_>,
        min_resource: i64,
        max_resource: Option<i64>,
        reduction_factor: i64,
        bootstrap_count: i64,
    ) -> PyResult<Self> {
        pure(py, || HyperbandPruner::new(min_resource, max_resource, reduction_factor, bootstrap_count)).map(wrap)
    }
}

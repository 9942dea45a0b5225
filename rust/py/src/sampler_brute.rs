//! Constructors of the brute force and partially fixed core samplers.

use std::sync::Arc;

use ferrotune_core::samplers::{BruteForceSampler, PartialFixedSampler};
use pyo3::prelude::*;

use crate::convert::choice_from_py;
use crate::errors::pure;
use crate::sampler::Sampler;

/// Every combination of a finite define-by-run space once (Optuna's `BruteForceSampler`).
#[pyfunction]
#[pyo3(signature = (seed=None, avoid_premature_stop=false))]
pub fn brute_force_sampler(seed: Option<u64>, avoid_premature_stop: bool) -> Sampler {
    let s = BruteForceSampler::new(seed, avoid_premature_stop);
    let seed = s.seed();
    Sampler::wrap(Arc::new(s), seed)
}

/// `base` with the parameters of `fixed` (name, value) pinned (Optuna's `PartialFixedSampler`).
#[pyfunction]
pub fn partial_fixed_sampler(py: Python<'_>, fixed: Vec<(String, Bound<'_, PyAny>)>, base: PyRef<'_, Sampler>) -> PyResult<Sampler> {
    let mut parsed = Vec::with_capacity(fixed.len());
    for (name, v) in &fixed {
        parsed.push((name.clone(), choice_from_py(v, &format!("fixed_params['{name}']"))?));
    }
    let inner = base.inner.clone();
    let seed = base.seed;
    let s = pure(py, || PartialFixedSampler::new(parsed, inner))?;
    Ok(Sampler::wrap(Arc::new(s), seed))
}

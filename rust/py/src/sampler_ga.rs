//! Constructor of the core sampler that keeps a Python genetic algorithm's generations.

use std::sync::Arc;

use ferrotune_core::samplers::GaGenerationSampler;
use pyo3::prelude::*;

use crate::errors::pure;
use crate::sampler::Sampler;

/// Tags each new trial with its generation (`<class_name>:generation`) inside the storage's
/// atomic create, and the first of each generation with `token` (`<class_name>:opens_generation`);
/// `BaseGASampler` makes the children itself.
#[pyfunction]
#[pyo3(signature = (class_name, token, population_size=None))]
pub fn ga_generation_sampler(py: Python<'_>, class_name: String, token: String, population_size: Option<usize>) -> PyResult<Sampler> {
    let s = pure(py, || GaGenerationSampler::new(&class_name, population_size, &token))?;
    Ok(Sampler::wrap(Arc::new(s), 0))
}

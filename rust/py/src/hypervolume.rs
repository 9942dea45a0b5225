//! A multi-objective study's hypervolume after each complete trial, read in one call.

use ferrotune_core::hypervolume::CompletedPoints;
use ferrotune_core::storage::read_with;
use pyo3::prelude::*;

use crate::errors::enter_core;
use crate::storage::Storage;

/// `(trial numbers, hypervolumes)` of the complete trials of study `study` of `storage`,
/// bounded by `reference` (in the study's directions). The storage's lock is held only while
/// the values are copied; the GIL is released throughout.
#[pyfunction]
pub fn hypervolume_history(py: Python<'_>, storage: &Storage, study: u32, reference: Vec<f64>) -> PyResult<(Vec<usize>, Vec<f64>)> {
    let inner = storage.inner.clone();
    enter_core(py, move || {
        let c = read_with(inner.as_ref(), study, CompletedPoints::of)?;
        let hv = c.hypervolume_history(&reference)?;
        Ok((c.rows, hv))
    })
}

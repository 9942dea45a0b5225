//! `ferrotune._core`: thin PyO3 glue over ferrotune-core. No algorithm lives here; each
//! function converts arguments, releases the GIL around the core call, and maps errors.

// pymethods mirror Python signatures, which legitimately take many arguments.
#![allow(clippy::too_many_arguments)]

mod convert;
mod engine;
mod errors;
mod pruner;
mod sampler;
mod storage;

use pyo3::prelude::*;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<storage::Storage>()?;
    m.add_class::<sampler::Sampler>()?;
    m.add_class::<engine::Engine>()?;
    m.add_class::<pruner::Pruner>()?;
    m.add_function(wrap_pyfunction!(convert::validate_distribution, m)?)?;
    m.add_function(wrap_pyfunction!(convert::dist_contains, m)?)?;
    m.add_function(wrap_pyfunction!(convert::dist_to_internal, m)?)?;
    m.add_function(wrap_pyfunction!(convert::dist_repr, m)?)?;
    m.add_function(wrap_pyfunction!(sampler::qmc_points, m)?)?;
    Ok(())
}

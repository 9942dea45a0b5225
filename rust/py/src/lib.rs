//! `ferrotune._core`: thin PyO3 glue over ferrotune-core. No algorithm lives here; each
//! function converts arguments, releases the GIL around the core call, and maps errors.

// pymethods mirror Python signatures, which legitimately take many arguments.
#![allow(clippy::too_many_arguments)]

mod convert;
mod distribution;
mod engine;
mod errors;
mod export;
mod frame;
mod hypervolume;
mod importance;
mod proxy_server;
mod pruner;
mod sampler;
mod sampler_brute;
mod sampler_cmaes;
mod sampler_ga;
mod sampler_nsga;
mod storage;
mod terminator;

use pyo3::prelude::*;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<storage::Storage>()?;
    m.add_class::<proxy_server::GrpcProxyServer>()?;
    m.add_class::<sampler::Sampler>()?;
    m.add_class::<engine::Engine>()?;
    m.add_class::<pruner::Pruner>()?;
    m.add_class::<distribution::PyDistribution>()?;
    m.add_class::<export::TrialExport>()?;
    m.add_class::<export::TrialRow>()?;
    m.add_class::<frame::StudyFrame>()?;
    m.add_class::<frame::FrameParam>()?;
    m.add_function(wrap_pyfunction!(frame::study_frame, m)?)?;
    m.add_function(wrap_pyfunction!(sampler::qmc_points, m)?)?;
    m.add_function(wrap_pyfunction!(importance::ped_anova_check, m)?)?;
    m.add_function(wrap_pyfunction!(importance::ped_anova_importances, m)?)?;
    m.add_function(wrap_pyfunction!(importance::forest_importances, m)?)?;
    m.add_function(wrap_pyfunction!(importance::forest_check, m)?)?;
    m.add_function(wrap_pyfunction!(sampler_brute::brute_force_sampler, m)?)?;
    m.add_function(wrap_pyfunction!(sampler_brute::partial_fixed_sampler, m)?)?;
    m.add_function(wrap_pyfunction!(sampler::tpe_default_gamma, m)?)?;
    m.add_function(wrap_pyfunction!(sampler::tpe_default_weights, m)?)?;
    m.add_function(wrap_pyfunction!(sampler_cmaes::cmaes_sampler, m)?)?;
    m.add_function(wrap_pyfunction!(sampler_ga::ga_generation_sampler, m)?)?;
    m.add_function(wrap_pyfunction!(sampler_nsga::nsga_sampler, m)?)?;
    m.add_function(wrap_pyfunction!(sampler_nsga::nsga_check_operator, m)?)?;
    m.add_function(wrap_pyfunction!(sampler_nsga::nsga_polynomial_mutation, m)?)?;
    m.add_function(wrap_pyfunction!(terminator::regret_bound_study, m)?)?;
    m.add_function(wrap_pyfunction!(terminator::regret_bound_trials, m)?)?;
    m.add_function(wrap_pyfunction!(terminator::emmr_study, m)?)?;
    m.add_function(wrap_pyfunction!(terminator::emmr_trials, m)?)?;
    m.add_function(wrap_pyfunction!(hypervolume::hypervolume_history, m)?)?;
    Ok(())
}

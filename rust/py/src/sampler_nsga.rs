//! Constructor of the NSGA-II / NSGA-III core sampler (`ferrotune.samplers.NSGAIISampler`,
//! `NSGAIIISampler`); the core checks every argument.

use std::sync::Arc;

use ferrotune_core::samplers::nsga::{Crossover, Mutation, NsgaConfig, NsgaSampler, Selection, Survival};
use pyo3::prelude::*;

use crate::errors::pure;
use crate::sampler::Sampler;

/// `crossover`: (Optuna class name, arguments in constructor order); `mutation_eta`: the
/// `PolynomialMutation`'s eta, or `None` for no mutation operator; `nsga3` selects niching with
/// `reference_points` (`None`: the default ones) and `dividing_parameter`; `selection`:
/// "optuna" or "pymoo", checked by the core.
#[pyfunction]
#[pyo3(signature = (population_size, crossover, mutation_eta, mutation_prob, crossover_prob, swapping_prob, seed,
    nsga3=false, reference_points=None, dividing_parameter=3, selection="optuna"))]
pub fn nsga_sampler(
    py: Python<'_>,
    population_size: usize,
    crossover: (String, Vec<Option<f64>>),
    mutation_eta: Option<f64>,
    mutation_prob: Option<f64>,
    crossover_prob: f64,
    swapping_prob: f64,
    seed: Option<u64>,
    nsga3: bool,
    reference_points: Option<Vec<Vec<f64>>>,
    dividing_parameter: usize,
    selection: &str,
) -> PyResult<Sampler> {
    let s = pure(py, || {
        let survival = if nsga3 { Survival::Niching { reference_points, dividing_parameter } } else { Survival::Crowding };
        let selection = Selection::parse(survival.class_name(), selection)?;
        let cfg = NsgaConfig {
            population_size,
            crossover: Crossover::from_args(&crossover.0, &crossover.1)?,
            mutation: mutation_eta.map(|eta| Mutation::Polynomial { eta }),
            mutation_prob,
            crossover_prob,
            swapping_prob,
            survival,
            selection,
        };
        NsgaSampler::new(cfg, seed)
    })?;
    let seed = s.seed();
    Ok(Sampler::wrap(Arc::new(s), seed))
}

/// Checks a crossover's or `PolynomialMutation`'s arguments when the Python object is made
/// (Optuna raises there), by the same rules the sampler applies.
#[pyfunction]
pub fn nsga_check_operator(py: Python<'_>, name: &str, args: Vec<Option<f64>>) -> PyResult<()> {
    pure(py, || match name {
        "PolynomialMutation" => Mutation::Polynomial { eta: args.first().copied().flatten().unwrap_or(20.0) }.validate(),
        _ => Crossover::from_args(name, &args).map(|_| ()),
    })
}

/// `PolynomialMutation(eta).mutation(...)` for one coordinate in `[lb, ub]` and the uniform
/// draw `u` (Optuna's public method; the sampler runs the same code in the core).
#[pyfunction]
pub fn nsga_polynomial_mutation(py: Python<'_>, eta: f64, x: f64, lb: f64, ub: f64, u: f64) -> PyResult<f64> {
    pure(py, || {
        let m = Mutation::Polynomial { eta };
        m.validate()?;
        Ok(m.apply(x, lb, ub, u))
    })
}

//! `_core.Sampler`: a handle on a built-in core sampler.

use std::sync::Arc;

use std::collections::HashMap;

use ferrotune_core::gp::acquisition::Acquisition;
use ferrotune_core::qmc::{Qmc, QmcType};
use ferrotune_core::samplers::tpe::{DistanceFn, GammaFn, WeightsFn};
use ferrotune_core::samplers::QmcSampler;
use ferrotune_core::samplers::{BatchMode, GpConfig, GpSampler, GridSampler, RandomSampler, Sampler as CoreSampler, TpeConfig, TpeSampler};
use ferrotune_core::space::Choice;
use ferrotune_core::Error;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::convert::{choice_to_py, choices_from_py};
use crate::distribution::PyDistribution;
use crate::errors::{from_callback, pure};

/// `repr(value)` for messages (a value whose repr fails is shown by type).
fn repr(v: &Bound<'_, PyAny>) -> String {
    v.repr().map(|r| r.to_string()).unwrap_or_else(|_| format!("<{}>", v.get_type()))
}

#[pyclass(frozen, module = "ferrotune._core")]
pub struct Sampler {
    pub inner: Arc<dyn CoreSampler>,
    grid: Option<Arc<GridSampler>>,
    #[pyo3(get)]
    pub seed: u64,
}

impl Sampler {
    /// A handle on a core sampler; constructors of samplers kept in modules of their own
    /// (`#[pyfunction]`s returning `Sampler`) build theirs with it.
    pub fn wrap(inner: Arc<dyn CoreSampler>, seed: u64) -> Self {
        Sampler { inner, grid: None, seed }
    }
}

#[pymethods]
impl Sampler {
    #[staticmethod]
    #[pyo3(signature = (seed=None))]
    fn random(seed: Option<u64>) -> Self {
        let s = RandomSampler::new(seed);
        let seed = s.seed();
        Sampler::wrap(Arc::new(s), seed)
    }

    /// `space`: a list of (name, values) pairs.
    #[staticmethod]
    #[pyo3(signature = (space, seed=None))]
    fn grid(py: Python<'_>, space: Vec<(String, Bound<'_, PyAny>)>, seed: Option<u64>) -> PyResult<Self> {
        let mut parsed = Vec::with_capacity(space.len());
        for (name, values) in &space {
            parsed.push((name.clone(), choices_from_py(values, name)?));
        }
        let seed = seed.unwrap_or_else(ferrotune_core::rng::os_seed);
        let g = pure(py, || GridSampler::new(parsed, Some(seed)))?;
        let g = Arc::new(g);
        Ok(Sampler { inner: g.clone(), grid: Some(g), seed })
    }

    /// TPE with Optuna's arguments. `gamma`, `weights` and the distance functions are Python
    /// callables; the core calls them (taking the GIL) only when it needs a value.
    #[staticmethod]
    #[pyo3(signature = (consider_prior, prior_weight, consider_magic_clip, consider_endpoints, n_startup_trials,
        n_ei_candidates, gamma, weights, seed, multivariate, group, constant_liar, distances, warn_independent_sampling, constraints=false))]
    fn tpe(
        py: Python<'_>,
        consider_prior: bool,
        prior_weight: f64,
        consider_magic_clip: bool,
        consider_endpoints: bool,
        n_startup_trials: usize,
        n_ei_candidates: usize,
        gamma: Option<Py<PyAny>>,
        weights: Option<Py<PyAny>>,
        seed: Option<u64>,
        multivariate: Option<bool>,
        group: bool,
        constant_liar: bool,
        distances: HashMap<String, Py<PyAny>>,
        warn_independent_sampling: bool,
        constraints: bool,
    ) -> PyResult<Self> {
        // Each wrapper takes the GIL for the call only; the core calls them with no lock held.
        // The user's own exceptions cross the core unchanged (`from_callback`).
        let gamma = gamma.map(|f| {
            Arc::new(move |n: usize| {
                Python::attach(|py| {
                    let r = f.call1(py, (n,)).map_err(from_callback)?;
                    r.extract::<usize>(py).map_err(|_| {
                        Error::InvalidValue(format!("the gamma function must return an int >= 0, got {} for n={n}", repr(r.bind(py))))
                    })
                })
            }) as Arc<GammaFn>
        });
        let weights = weights.map(|f| {
            Arc::new(move |n: usize| {
                Python::attach(|py| {
                    let r = f.call1(py, (n,)).map_err(from_callback)?;
                    let r = r.bind(py);
                    let list =
                        if r.hasattr("tolist").unwrap_or(false) { r.call_method0("tolist").map_err(from_callback)? } else { r.clone() };
                    list.extract::<Vec<f64>>().map_err(|_| {
                        Error::InvalidValue(format!("the weights function must return a sequence of numbers, got {} for n={n}", repr(r)))
                    })
                })
            }) as Arc<WeightsFn>
        });
        let distances = distances
            .into_iter()
            .map(|(name, f)| {
                let param = name.clone();
                let d = Arc::new(move |a: &Choice, b: &Choice| {
                    Python::attach(|py| {
                        let args = (choice_to_py(py, a).map_err(from_callback)?, choice_to_py(py, b).map_err(from_callback)?);
                        let r = f.call1(py, args).map_err(from_callback)?;
                        r.extract::<f64>(py).map_err(|_| {
                            Error::InvalidValue(format!(
                                "the distance function of parameter '{param}' must return a number, got {} for ({}, {})",
                                repr(r.bind(py)),
                                a.repr(),
                                b.repr()
                            ))
                        })
                    })
                }) as Arc<DistanceFn>;
                (name, d)
            })
            .collect();
        let cfg = TpeConfig {
            consider_prior,
            prior_weight,
            consider_magic_clip,
            consider_endpoints,
            n_startup_trials,
            n_ei_candidates,
            gamma,
            weights,
            seed,
            multivariate,
            group,
            constant_liar,
            distances,
            warn_independent_sampling,
            constraints,
        };
        let t = pure(py, || TpeSampler::new(cfg))?;
        let seed = t.seed();
        Ok(Sampler::wrap(Arc::new(t), seed))
    }

    /// Quasi-Monte Carlo search with Optuna's `QMCSampler` semantics. `independent` is a
    /// built-in sampler for the first trial and the parameters outside the QMC space (default:
    /// random search seeded with `seed`); `independent_name` is its class name, for warnings.
    #[staticmethod]
    #[pyo3(signature = (qmc_type, scramble, seed, independent, independent_name, warn_independent_sampling))]
    fn qmc(
        py: Python<'_>,
        qmc_type: &str,
        scramble: bool,
        seed: Option<u64>,
        independent: Option<&Sampler>,
        independent_name: String,
        warn_independent_sampling: bool,
    ) -> PyResult<Self> {
        let kind = pure(py, || QmcType::parse(qmc_type))?;
        let independent = independent.map(|s| (s.inner.clone(), independent_name));
        let q = QmcSampler::new(kind, scramble, seed, independent, warn_independent_sampling);
        let seed = q.seed();
        Ok(Sampler::wrap(Arc::new(q), seed))
    }

    /// Gaussian-process sampler. `independent` is the core of the sampler used for start-up
    /// trials and parameters outside the joint space (random with the same seed when `None`).
    #[staticmethod]
    #[pyo3(signature = (seed, n_startup_trials, deterministic_objective, acquisition, beta, batch_mode, n_preliminary_samples,
        n_local_search, warn_independent_sampling, warp_outputs=true, independent=None))]
    fn gp(
        py: Python<'_>,
        seed: Option<u64>,
        n_startup_trials: usize,
        deterministic_objective: bool,
        acquisition: &str,
        beta: f64,
        batch_mode: &str,
        n_preliminary_samples: usize,
        n_local_search: usize,
        warn_independent_sampling: bool,
        warp_outputs: bool,
        independent: Option<PyRef<'_, Sampler>>,
    ) -> PyResult<Self> {
        let acquisition = pure(py, || Acquisition::parse(acquisition, beta))?;
        let cfg = GpConfig {
            seed,
            n_startup_trials,
            deterministic_objective,
            acquisition,
            batch_mode: pure(py, || BatchMode::parse(batch_mode))?,
            n_candidates: n_preliminary_samples,
            n_local_search,
            warn_independent_sampling,
            warp_outputs,
            independent: independent.map(|s| s.inner.clone()),
            ..GpConfig::default()
        };
        let g = pure(py, || GpSampler::new(cfg))?;
        let seed = g.seed();
        Ok(Sampler::wrap(Arc::new(g), seed))
    }

    /// The (name, value) pairs of a grid point, in name order (grid samplers only).
    fn grid_point<'py>(&self, py: Python<'py>, grid_id: u64) -> PyResult<Vec<(String, Bound<'py, PyAny>)>> {
        let g = self.grid.as_ref().ok_or_else(|| pyo3::exceptions::PyTypeError::new_err("not a grid sampler"))?;
        if grid_id >= g.n_points() {
            return Err(crate::errors::raise(
                py,
                "FerrotuneValueError",
                format!("grid id {grid_id} is out of range; the grid has {} points", g.n_points()),
            ));
        }
        g.point(grid_id).into_iter().map(|(n, c)| Ok((n.to_string(), crate::convert::choice_to_py(py, c)?))).collect()
    }

    /// Number of grid points (grid samplers only).
    fn grid_size(&self) -> Option<u64> {
        self.grid.as_ref().map(|g| g.n_points())
    }

    /// Internal value of a random draw for (trial number, name): used by Python samplers that
    /// fall back to random sampling.
    fn random_draw(&self, number: usize, name: &str, dist: &Bound<'_, PyDistribution>) -> f64 {
        RandomSampler::new(Some(self.seed)).draw(number, name, &dist.get().inner)
    }
}

/// Most values `qmc_points` returns in one call (2 GiB of float64).
const MAX_QMC_VALUES: usize = 1 << 28;

/// `n` points of a QMC sequence after skipping `skip`, as little-endian float64 bytes
/// (row-major, `n x dim`); `ferrotune.samplers.qmc_points` wraps them in a numpy array.
#[pyfunction]
#[pyo3(signature = (qmc_type, dim, n, scramble=false, seed=0, skip=0))]
pub fn qmc_points<'py>(
    py: Python<'py>,
    qmc_type: &str,
    dim: usize,
    n: usize,
    scramble: bool,
    seed: u64,
    skip: u64,
) -> PyResult<Bound<'py, PyBytes>> {
    let bytes = crate::errors::enter_core(py, move || {
        let kind = QmcType::parse(qmc_type)?;
        if n.checked_mul(dim).is_none_or(|total| total > MAX_QMC_VALUES) {
            return Err(ferrotune_core::Error::InvalidValue(format!(
                "n={n} points in dim={dim} dimensions is more than {MAX_QMC_VALUES} values; ask in chunks with skip="
            )));
        }
        let mut q = Qmc::new(kind, dim, scramble, seed)?;
        q.fast_forward(skip);
        Ok(q.points(n).iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>())
    })?;
    Ok(PyBytes::new(py, &bytes))
}

/// TPE's default "below" group size for `n` finished trials (the core's one definition, which
/// `ferrotune.samplers._tpe.default_gamma` and its multi-objective twin return).
#[pyfunction]
#[pyo3(signature = (n, multi_objective=false))]
pub fn tpe_default_gamma(n: usize, multi_objective: bool) -> usize {
    if multi_objective {
        ferrotune_core::samplers::tpe::default_gamma_multi(n)
    } else {
        ferrotune_core::samplers::tpe::default_gamma(n)
    }
}

/// TPE's default observation weights for `n` observations, oldest first (the core's one
/// definition, which `ferrotune.samplers._tpe.default_weights` returns).
#[pyfunction]
pub fn tpe_default_weights(n: usize) -> Vec<f64> {
    ferrotune_core::samplers::tpe::default_weights(n)
}

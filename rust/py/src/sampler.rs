//! `_core.Sampler`: a handle on a built-in core sampler.

use std::sync::Arc;

use ferrotune_core::samplers::{GridSampler, RandomSampler, Sampler as CoreSampler};
use pyo3::prelude::*;

use crate::convert::choices_from_py;
use crate::errors::run_held;

#[pyclass(frozen, module = "ferrotune._core")]
pub struct Sampler {
    pub inner: Arc<dyn CoreSampler>,
    grid: Option<Arc<GridSampler>>,
    #[pyo3(get)]
    pub seed: u64,
}

#[pymethods]
impl Sampler {
    #[staticmethod]
    #[pyo3(signature = (seed=None))]
    fn random(seed: Option<u64>) -> Self {
        let s = RandomSampler::new(seed);
        let seed = s.seed();
        Sampler { inner: Arc::new(s), grid: None, seed }
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
        let g = run_held(py, || GridSampler::new(parsed, Some(seed)))?;
        let g = Arc::new(g);
        Ok(Sampler { inner: g.clone(), grid: Some(g), seed })
    }

    /// The (name, value) pairs of a grid point, in name order (grid samplers only).
    fn grid_point<'py>(&self, py: Python<'py>, grid_id: u64) -> PyResult<Vec<(String, Bound<'py, PyAny>)>> {
        let g = self.grid.as_ref().ok_or_else(|| pyo3::exceptions::PyTypeError::new_err("not a grid sampler"))?;
        if grid_id >= g.n_points() {
            return Err(crate::errors::raise(py, "FerrotuneValueError", format!("grid id {grid_id} is out of range; the grid has {} points", g.n_points())));
        }
        g.point(grid_id).into_iter().map(|(n, c)| Ok((n.to_string(), crate::convert::choice_to_py(py, c)?))).collect()
    }

    /// Number of grid points (grid samplers only).
    fn grid_size(&self) -> Option<u64> {
        self.grid.as_ref().map(|g| g.n_points())
    }

    /// Internal value of a random draw for (trial number, name): used by Python samplers that
    /// fall back to random sampling.
    fn random_draw(&self, py: Python<'_>, number: usize, name: &str, spec: &Bound<'_, PyAny>) -> PyResult<f64> {
        let d = crate::convert::dist_from_spec(spec, name)?;
        run_held(py, || d.validate(name))?;
        Ok(RandomSampler::new(Some(self.seed)).draw(number, name, &d))
    }
}

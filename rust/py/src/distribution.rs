//! `_core.Distribution`: a core distribution, read and validated once when a Python
//! distribution object is built, then handed to every engine call as is.

use std::hash::{Hash, Hasher};

use ferrotune_core::space::{Choice, Distribution};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::convert::{choice_from_py, choice_to_py, choices_from_py, float_dist, int_dist};
use crate::errors::pure;

#[pyclass(frozen, module = "ferrotune._core", name = "Distribution")]
pub struct PyDistribution {
    pub inner: Distribution,
}

impl PyDistribution {
    pub fn new(inner: Distribution) -> Self {
        PyDistribution { inner }
    }

    /// Fits `d` to its step (see `fitted`), validates it (naming `name` in the message) and
    /// wraps it.
    fn checked(py: Python<'_>, d: Distribution, name: &str) -> PyResult<Self> {
        let d = fitted(py, d, name)?;
        pure(py, || d.validate(name))?;
        Ok(PyDistribution { inner: d })
    }
}

/// `d` as Optuna builds it from a user's arguments: a step that does not divide the range
/// lowers `high`, with a warning attributed to the user's line (`ferrotune.logging._warn`).
pub fn fitted(py: Python<'_>, d: Distribution, name: &str) -> PyResult<Distribution> {
    let (d, lowered) = d.fit_to_step(name);
    if let Some(msg) = lowered {
        py.import("ferrotune.logging")?.getattr("_warn")?.call1((msg,))?;
    }
    Ok(d)
}

/// Equal distributions hash alike: -0.0 as 0.0, every NaN choice alike (`Choice` equality).
fn hash_f64(x: f64, h: &mut impl Hasher) {
    let x = if x == 0.0 { 0.0 } else { x };
    if x.is_nan() {
        u64::MAX.hash(h)
    } else {
        x.to_bits().hash(h)
    }
}

#[pymethods]
impl PyDistribution {
    /// A float distribution; arguments are read strictly (numbers that are not bools, a bool
    /// `log`) and validated, naming `name` (or "invalid distribution" without one).
    #[staticmethod]
    #[pyo3(signature = (low, high, log=None, step=None, name=""))]
    fn float(
        py: Python<'_>,
        low: &Bound<'_, PyAny>,
        high: &Bound<'_, PyAny>,
        log: Option<&Bound<'_, PyAny>>,
        step: Option<&Bound<'_, PyAny>>,
        name: &str,
    ) -> PyResult<Self> {
        let d = float_dist(low, high, log, step, name)?;
        Self::checked(py, d, name)
    }

    /// An int distribution (bounds and step ints within 64 bits, not bools).
    #[staticmethod]
    #[pyo3(signature = (low, high, log=None, step=None, name=""))]
    fn int(
        py: Python<'_>,
        low: &Bound<'_, PyAny>,
        high: &Bound<'_, PyAny>,
        log: Option<&Bound<'_, PyAny>>,
        step: Option<&Bound<'_, PyAny>>,
        name: &str,
    ) -> PyResult<Self> {
        let d = int_dist(low, high, log, step, name)?;
        Self::checked(py, d, name)
    }

    #[staticmethod]
    #[pyo3(signature = (choices, name=""))]
    fn categorical(py: Python<'_>, choices: &Bound<'_, PyAny>, name: &str) -> PyResult<Self> {
        let d = Distribution::Categorical { choices: choices_from_py(choices, name)? };
        Self::checked(py, d, name)
    }

    /// "float", "int" or "categorical".
    #[getter]
    fn kind(&self) -> &'static str {
        match self.inner {
            Distribution::Float { .. } => "float",
            Distribution::Int { .. } => "int",
            Distribution::Categorical { .. } => "categorical",
        }
    }

    /// The lower bound (float or int; None for a categorical distribution).
    #[getter]
    fn low<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(match self.inner {
            Distribution::Float { low, .. } => low.into_pyobject(py)?.into_any(),
            Distribution::Int { low, .. } => low.into_pyobject(py)?.into_any(),
            Distribution::Categorical { .. } => py.None().into_bound(py),
        })
    }

    #[getter]
    fn high<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(match self.inner {
            Distribution::Float { high, .. } => high.into_pyobject(py)?.into_any(),
            Distribution::Int { high, .. } => high.into_pyobject(py)?.into_any(),
            Distribution::Categorical { .. } => py.None().into_bound(py),
        })
    }

    #[getter]
    fn log(&self) -> bool {
        matches!(self.inner, Distribution::Float { log: true, .. } | Distribution::Int { log: true, .. })
    }

    /// The step (None for a float distribution without one and for a categorical one).
    #[getter]
    fn step<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(match self.inner {
            Distribution::Float { step: Some(s), .. } => s.into_pyobject(py)?.into_any(),
            Distribution::Int { step, .. } => step.into_pyobject(py)?.into_any(),
            _ => py.None().into_bound(py),
        })
    }

    /// The choices of a categorical distribution (an empty tuple otherwise).
    #[getter]
    fn choices<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        match &self.inner {
            Distribution::Categorical { choices } => {
                PyTuple::new(py, choices.iter().map(|c| choice_to_py(py, c)).collect::<PyResult<Vec<_>>>()?)
            }
            _ => Ok(PyTuple::empty(py)),
        }
    }

    /// Whether the distribution has exactly one possible value.
    fn single(&self) -> bool {
        self.inner.single()
    }

    /// Whether an internal value belongs to the distribution.
    fn contains(&self, value: f64) -> bool {
        self.inner.contains(value)
    }

    /// The internal value of a user value, or None when it is not in the distribution.
    fn to_internal(&self, value: &Bound<'_, PyAny>) -> PyResult<Option<f64>> {
        Ok(self.inner.to_internal(&choice_from_py(value, "value")?))
    }

    /// The internal value of a value the user fixed and whether it lies inside (Optuna uses a
    /// number outside a float or int range as given); None when it cannot be a value at all.
    fn to_internal_fixed(&self, value: &Bound<'_, PyAny>) -> PyResult<Option<(f64, bool)>> {
        Ok(self.inner.to_internal_fixed(&choice_from_py(value, "value")?))
    }

    /// Whether `other` may stand for the same parameter within one trial (same kind and scale).
    fn compatible_with(&self, other: &Bound<'_, PyDistribution>) -> bool {
        self.inner.compatible_with(&other.get().inner)
    }

    fn __repr__(&self) -> String {
        self.inner.repr()
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<PyDistribution>().is_ok_and(|o| o.get().inner == self.inner)
    }

    fn __hash__(&self) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        match &self.inner {
            Distribution::Float { low, high, log, step } => {
                0u8.hash(&mut h);
                hash_f64(*low, &mut h);
                hash_f64(*high, &mut h);
                log.hash(&mut h);
                step.map(|s| hash_f64(s, &mut h));
            }
            Distribution::Int { low, high, log, step } => (1u8, low, high, log, step).hash(&mut h),
            Distribution::Categorical { choices } => {
                2u8.hash(&mut h);
                for c in choices {
                    match c {
                        Choice::None => 0u8.hash(&mut h),
                        Choice::Bool(b) => (1u8, b).hash(&mut h),
                        Choice::Int(i) => (2u8, i).hash(&mut h),
                        Choice::Float(f) => {
                            3u8.hash(&mut h);
                            hash_f64(*f, &mut h)
                        }
                        Choice::Str(s) => (4u8, s).hash(&mut h),
                    }
                }
            }
        }
        h.finish()
    }
}

//! Conversions between Python values and core types.
//!
//! A distribution crosses the boundary as a "spec" tuple:
//! `("float", low, high, log, step_or_None)`, `("int", low, high, log, step)`,
//! `("categorical", (choice, ...))`.

use ferrotune_core::space::{Choice, Distribution};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt, PyString, PyTuple};

use crate::errors::{pure, raise};

pub fn choice_from_py(v: &Bound<'_, PyAny>, what: &str) -> PyResult<Choice> {
    if v.is_none() {
        Ok(Choice::None)
    } else if v.is_instance_of::<PyBool>() {
        Ok(Choice::Bool(v.extract()?))
    } else if v.is_instance_of::<PyInt>() {
        v.extract::<i64>()
            .map(Choice::Int)
            .map_err(|_| raise(v.py(), "FerrotuneValueError", format!("{what}: integer {v} does not fit in 64 bits; use a smaller value")))
    } else if v.is_instance_of::<PyFloat>() {
        Ok(Choice::Float(v.extract()?))
    } else if v.is_instance_of::<PyString>() {
        Ok(Choice::Str(v.extract()?))
    } else if v.hasattr("dtype")? && v.hasattr("item")? && v.getattr("shape")?.len().ok() == Some(0) {
        // A numpy scalar (np.int64, np.bool_, np.str_, ...): its Python value.
        choice_from_py(&v.call_method0("item")?, what)
    } else {
        let tn = v.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
        Err(raise(
            v.py(),
            "InvalidDistributionError",
            format!("{what}: value {} of type {tn} is not supported; use None, bool, int, float or str", v.repr()?),
        ))
    }
}

pub fn choice_to_py<'py>(py: Python<'py>, c: &Choice) -> PyResult<Bound<'py, PyAny>> {
    Ok(match c {
        Choice::None => py.None().into_bound(py),
        Choice::Bool(b) => PyBool::new(py, *b).to_owned().into_any(),
        Choice::Int(i) => i.into_pyobject(py)?.into_any(),
        Choice::Float(f) => f.into_pyobject(py)?.into_any(),
        Choice::Str(s) => PyString::new(py, s).into_any(),
    })
}

pub fn choices_from_py(seq: &Bound<'_, PyAny>, name: &str) -> PyResult<Vec<Choice>> {
    let what = format!("parameter '{name}'");
    let mut out = Vec::new();
    for item in seq.try_iter()? {
        out.push(choice_from_py(&item?, &what)?);
    }
    Ok(out)
}

pub fn dist_from_spec(spec: &Bound<'_, PyAny>, name: &str) -> PyResult<Distribution> {
    let t = spec.cast::<PyTuple>().map_err(|_| PyTypeError::new_err("distribution spec must be a tuple"))?;
    let kind: String = t.get_item(0)?.extract()?;
    Ok(match kind.as_str() {
        "float" => Distribution::Float {
            low: t.get_item(1)?.extract()?,
            high: t.get_item(2)?.extract()?,
            log: t.get_item(3)?.extract()?,
            step: t.get_item(4)?.extract()?,
        },
        "int" => Distribution::Int {
            low: t.get_item(1)?.extract()?,
            high: t.get_item(2)?.extract()?,
            log: t.get_item(3)?.extract()?,
            step: t.get_item(4)?.extract()?,
        },
        "categorical" => Distribution::Categorical { choices: choices_from_py(&t.get_item(1)?, name)? },
        other => return Err(PyTypeError::new_err(format!("unknown distribution kind {other:?}"))),
    })
}

pub fn dist_to_spec<'py>(py: Python<'py>, d: &Distribution) -> PyResult<Bound<'py, PyTuple>> {
    match d {
        Distribution::Float { low, high, log, step } => ("float", *low, *high, *log, *step).into_pyobject(py),
        Distribution::Int { low, high, log, step } => ("int", *low, *high, *log, *step).into_pyobject(py),
        Distribution::Categorical { choices } => {
            let items = choices.iter().map(|c| choice_to_py(py, c)).collect::<PyResult<Vec<_>>>()?;
            ("categorical", PyTuple::new(py, items)?).into_pyobject(py)
        }
    }
}

/// Validates a distribution spec; raises `InvalidDistributionError` naming `name`.
#[pyfunction]
pub fn validate_distribution(py: Python<'_>, name: &str, spec: &Bound<'_, PyAny>) -> PyResult<()> {
    let d = dist_from_spec(spec, name)?;
    pure(py, || d.validate(name))
}

/// Whether an internal value belongs to the distribution.
#[pyfunction]
pub fn dist_contains(spec: &Bound<'_, PyAny>, value: f64) -> PyResult<bool> {
    Ok(dist_from_spec(spec, "")?.contains(value))
}

/// The internal value of a user value, or None when it is not in the distribution.
#[pyfunction]
pub fn dist_to_internal(spec: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<Option<f64>> {
    let d = dist_from_spec(spec, "")?;
    let c = choice_from_py(value, "value")?;
    Ok(d.to_internal(&c))
}

#[pyfunction]
pub fn dist_repr(spec: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(dist_from_spec(spec, "")?.repr())
}

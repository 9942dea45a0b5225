//! Conversions between Python values and core types: choices, and the arguments of a
//! distribution (see `distribution.rs`).

use ferrotune_core::space::{Choice, Distribution};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyFloat, PyInt, PyString};

use crate::errors::raise;

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

// Arguments of a distribution, read strictly: a bool is not a bound and a string is not a bool,
// whatever Python's truthiness says. Errors name the parameter (or say "invalid distribution"
// for a distribution built on its own) and the argument, and what to pass instead.

fn bad_arg(v: &Bound<'_, PyAny>, name: &str, arg: &str, expected: &str) -> PyErr {
    let who = if name.is_empty() { "invalid distribution".to_string() } else { format!("parameter '{name}'") };
    let mut shown = v.repr().map(|r| r.to_string()).unwrap_or_else(|_| "?".into());
    if shown.chars().count() > 60 {
        shown = shown.chars().take(57).chain("...".chars()).collect();
    }
    raise(v.py(), "InvalidDistributionError", format!("{who}: {arg} must be {expected}, got {shown}"))
}

/// A numpy scalar's Python value (np.float64 -> float, np.bool_ -> bool), else `v` itself.
fn plain<'py>(v: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if v.is_instance_of::<PyBool>() || v.is_instance_of::<PyInt>() || v.is_instance_of::<PyFloat>() {
        return Ok(v.clone());
    }
    if v.hasattr("dtype")? && v.hasattr("item")? && v.getattr("shape")?.len().ok() == Some(0) {
        return v.call_method0("item");
    }
    Ok(v.clone())
}

/// `True` or `False` (or numpy's bool).
pub fn arg_bool(v: &Bound<'_, PyAny>, name: &str, arg: &str) -> PyResult<bool> {
    let p = plain(v)?;
    if p.is_instance_of::<PyBool>() {
        return p.extract();
    }
    Err(bad_arg(v, name, arg, "a bool (True or False)"))
}

/// A float or an int (not a bool); one too large for a float is an error, not infinity.
pub fn arg_f64(v: &Bound<'_, PyAny>, name: &str, arg: &str) -> PyResult<f64> {
    let p = plain(v)?;
    if p.is_instance_of::<PyBool>() || !(p.is_instance_of::<PyFloat>() || p.is_instance_of::<PyInt>()) {
        return Err(bad_arg(v, name, arg, "a number (int or float)"));
    }
    p.extract::<f64>().map_err(|_| bad_arg(v, name, arg, "a finite number"))
}

/// An int within 64 bits (not a bool).
pub fn arg_i64(v: &Bound<'_, PyAny>, name: &str, arg: &str) -> PyResult<i64> {
    let p = plain(v)?;
    if p.is_instance_of::<PyBool>() || !p.is_instance_of::<PyInt>() {
        return Err(bad_arg(v, name, arg, "an int"));
    }
    p.extract::<i64>()
        .map_err(|_| bad_arg(v, name, arg, "an int within +/-2**53 (use suggest_float or FloatDistribution for wider ranges)"))
}

/// A float distribution from the user's arguments, read strictly (numbers that are not bools,
/// a bool `log`, `step` None or a number); the core validates the values.
pub fn float_dist(
    low: &Bound<'_, PyAny>,
    high: &Bound<'_, PyAny>,
    log: Option<&Bound<'_, PyAny>>,
    step: Option<&Bound<'_, PyAny>>,
    name: &str,
) -> PyResult<Distribution> {
    Ok(Distribution::Float {
        low: arg_f64(low, name, "low")?,
        high: arg_f64(high, name, "high")?,
        log: log.map(|l| arg_bool(l, name, "log")).transpose()?.unwrap_or(false),
        step: step.filter(|s| !s.is_none()).map(|s| arg_f64(s, name, "step")).transpose()?,
    })
}

/// An int distribution from the user's arguments (ints within 64 bits, not bools; `step`
/// None means 1).
pub fn int_dist(
    low: &Bound<'_, PyAny>,
    high: &Bound<'_, PyAny>,
    log: Option<&Bound<'_, PyAny>>,
    step: Option<&Bound<'_, PyAny>>,
    name: &str,
) -> PyResult<Distribution> {
    Ok(Distribution::Int {
        low: arg_i64(low, name, "low")?,
        high: arg_i64(high, name, "high")?,
        log: log.map(|l| arg_bool(l, name, "log")).transpose()?.unwrap_or(false),
        step: step.filter(|s| !s.is_none()).map(|s| arg_i64(s, name, "step")).transpose()?.unwrap_or(1),
    })
}

//! Maps core errors (and any panic) to the exception classes of `ferrotune.exceptions`.

use std::panic::{catch_unwind, AssertUnwindSafe};

use ferrotune_core::Error;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

static EXC_MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

/// The exception class of `ferrotune.exceptions` with this name.
pub fn exc_class<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyType>> {
    let m = EXC_MODULE.get_or_try_init(py, || py.import("ferrotune.exceptions").map(|m| m.unbind()))?;
    Ok(m.bind(py).getattr(name)?.cast_into::<PyType>()?)
}

pub fn raise(py: Python<'_>, name: &str, msg: String) -> PyErr {
    match exc_class(py, name) {
        Ok(cls) => PyErr::from_type(cls, msg),
        Err(e) => e,
    }
}

pub fn to_py(e: Error) -> PyErr {
    let name = match &e {
        Error::InvalidDistribution(_) => "InvalidDistributionError",
        Error::InvalidValue(_) => "FerrotuneValueError",
        Error::IncompatibleParam(_) => "IncompatibleParamError",
        Error::StudyNotFound(_) => "StudyNotFoundError",
        Error::DuplicatedStudy(_) => "DuplicatedStudyError",
        Error::TrialNotFound(_) => "TrialNotFoundError",
        Error::UpdateFinishedTrial(_) => "UpdateFinishedTrialError",
        Error::Storage(_) => "StorageInternalError",
    };
    Python::attach(|py| raise(py, name, e.to_string()))
}

/// Runs core work with the GIL released, turning errors into ferrotune exceptions and a
/// panic (a bug) into `FerrotuneError` instead of letting it unwind into Python.
pub fn run<T: Send>(py: Python<'_>, f: impl FnOnce() -> ferrotune_core::Result<T> + Send) -> PyResult<T> {
    let r = py.detach(|| catch_unwind(AssertUnwindSafe(f)));
    finish(py, r)
}

/// Like `run` but keeps the GIL (for work that touches Python objects or is trivially short).
pub fn run_held<T>(py: Python<'_>, f: impl FnOnce() -> ferrotune_core::Result<T>) -> PyResult<T> {
    finish(py, catch_unwind(AssertUnwindSafe(f)))
}

fn finish<T>(py: Python<'_>, r: std::thread::Result<ferrotune_core::Result<T>>) -> PyResult<T> {
    match r {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(to_py(e)),
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            Err(raise(py, "FerrotuneError", format!("internal error in ferrotune's core (please report it): {msg}")))
        }
    }
}

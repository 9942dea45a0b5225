//! The one way into the core (`enter_core`), and the mapping of core errors (and any panic) to
//! the exception classes of `ferrotune.exceptions`.
//!
//! The GIL rule: every call that may take a core lock (a storage, an engine, a sampler's or
//! pruner's state) goes through `enter_core`, which releases the GIL first; and the core never
//! calls into Python while it holds a lock (samplers defer user callbacks until their locks are
//! released, see `ferrotune_core::samplers::tpe`). Together these rule out the deadlock where
//! one thread holds the GIL waiting for a core lock while the lock's holder waits for the GIL.

use std::panic::{catch_unwind, AssertUnwindSafe};

use ferrotune_core::error::CallbackError;
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

/// A Python exception raised by a user callable the core called, carried through the core's
/// error path so that `to_py` raises it again as itself (same class, same traceback).
pub fn from_callback(e: PyErr) -> Error {
    Error::Callback(CallbackError::new(e.to_string(), e))
}

pub fn to_py(py: Python<'_>, e: Error) -> PyErr {
    let name = match &e {
        Error::InvalidDistribution(_) => "InvalidDistributionError",
        Error::InvalidValue(_) => "FerrotuneValueError",
        Error::IncompatibleParam(_) => "IncompatibleParamError",
        Error::StudyNotFound(_) => "StudyNotFoundError",
        Error::DuplicatedStudy(_) => "DuplicatedStudyError",
        Error::TrialNotFound(_) => "TrialNotFoundError",
        Error::UpdateFinishedTrial(_) => "UpdateFinishedTrialError",
        Error::Storage(_) => "StorageInternalError",
        Error::Callback(c) => match c.payload::<PyErr>() {
            Some(user) => return user.clone_ref(py),
            None => "FerrotuneError",
        },
        Error::Deferred(_) => "FerrotuneError",
    };
    raise(py, name, e.to_string())
}

/// Runs core work with the GIL released (the glue's only way into anything that may take a core
/// lock), turning errors into ferrotune exceptions and a panic (a bug) into `FerrotuneError`
/// instead of letting it unwind into Python.
pub fn enter_core<T: Send>(py: Python<'_>, f: impl FnOnce() -> ferrotune_core::Result<T> + Send) -> PyResult<T> {
    let r = py.detach(|| catch_unwind(AssertUnwindSafe(f)));
    finish(py, r)
}

/// Runs a pure core function (a constructor's checks, a distribution's validation: no lock, no
/// shared state) keeping the GIL, with the same error mapping as `enter_core`.
pub fn pure<T>(py: Python<'_>, f: impl FnOnce() -> ferrotune_core::Result<T>) -> PyResult<T> {
    finish(py, catch_unwind(AssertUnwindSafe(f)))
}

fn finish<T>(py: Python<'_>, r: std::thread::Result<ferrotune_core::Result<T>>) -> PyResult<T> {
    match r {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(to_py(py, e)),
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

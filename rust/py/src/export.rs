//! `_core.TrialExport` and `_core.TrialRow`: the core's trial export (`history::TrialExport`) as
//! typed Python objects; `FrozenTrial._from_export` reads them.

use std::collections::BTreeMap;

use ferrotune_core::history::TrialExport as CoreExport;
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::convert::choice_to_py;
use crate::distribution::PyDistribution;

/// One trial. `params` are `(name index, internal value, distribution index)` into the
/// export's `names` and `distributions`, in suggestion order; attributes are JSON text.
#[pyclass(frozen, module = "ferrotune._core")]
pub struct TrialRow {
    #[pyo3(get)]
    number: usize,
    #[pyo3(get)]
    trial_id: u64,
    /// Optuna's state code.
    #[pyo3(get)]
    state: u8,
    #[pyo3(get)]
    values: Option<Vec<f64>>,
    #[pyo3(get)]
    datetime_start: Option<f64>,
    #[pyo3(get)]
    datetime_complete: Option<f64>,
    #[pyo3(get)]
    params: Vec<(u32, f64, u32)>,
    #[pyo3(get)]
    user_attrs: BTreeMap<String, String>,
    #[pyo3(get)]
    system_attrs: BTreeMap<String, String>,
    #[pyo3(get)]
    intermediate: Vec<(i64, f64)>,
    /// `[(name, value)]` of an enqueued trial's fixed parameters.
    #[pyo3(get)]
    fixed_params: Py<PyList>,
}

/// Trials with the parameter names and distributions they use, each listed once.
#[pyclass(frozen, module = "ferrotune._core")]
pub struct TrialExport {
    #[pyo3(get)]
    names: Vec<String>,
    #[pyo3(get)]
    distributions: Vec<Py<PyDistribution>>,
    #[pyo3(get)]
    rows: Vec<Py<TrialRow>>,
}

impl TrialExport {
    pub fn from_core(py: Python<'_>, x: CoreExport) -> PyResult<Self> {
        let distributions = x.distributions.into_iter().map(|d| Py::new(py, PyDistribution::new(d))).collect::<PyResult<_>>()?;
        let mut rows = Vec::with_capacity(x.rows.len());
        for r in x.rows {
            let fixed = PyList::empty(py);
            for (n, c) in &r.fixed_params {
                fixed.append((n.as_str(), choice_to_py(py, c)?))?;
            }
            let row = TrialRow {
                number: r.number,
                trial_id: r.trial_id,
                state: r.state as u8,
                values: r.values,
                datetime_start: r.datetime_start,
                datetime_complete: r.datetime_complete,
                params: r.params,
                user_attrs: r.user_attrs,
                system_attrs: r.system_attrs,
                intermediate: r.intermediate,
                fixed_params: fixed.unbind(),
            };
            rows.push(Py::new(py, row)?);
        }
        Ok(TrialExport { names: x.names, distributions, rows })
    }
}

#[pymethods]
impl TrialExport {
    fn __len__(&self) -> usize {
        self.rows.len()
    }
}

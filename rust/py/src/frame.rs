//! `_core.StudyFrame`: a study's every trial as flat columns (`history::StudyFrame`), read in
//! one call with the GIL released. Numeric columns come back as `bytes` of native-endian
//! values, which `numpy.frombuffer` reads without a per-element conversion.

use ferrotune_core::history::{FrameParts, StudyFrame as CoreFrame};
use ferrotune_core::storage::read_with;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::distribution::PyDistribution;
use crate::errors::enter_core;
use crate::storage::Storage;

fn f64_bytes<'py>(py: Python<'py>, v: &[f64]) -> Bound<'py, PyBytes> {
    let mut b = Vec::with_capacity(v.len() * 8);
    for x in v {
        b.extend_from_slice(&x.to_ne_bytes());
    }
    PyBytes::new(py, &b)
}

/// One parameter of a `StudyFrame`: `values` (float64 bytes, NaN where absent), `dist_idx`
/// (uint32 bytes) into `distributions`.
#[pyclass(frozen, module = "ferrotune._core")]
pub struct FrameParam {
    #[pyo3(get)]
    name: String,
    values: Vec<f64>,
    dist_idx: Vec<u32>,
    #[pyo3(get)]
    distributions: Vec<Py<PyDistribution>>,
}

#[pymethods]
impl FrameParam {
    #[getter]
    fn values<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        f64_bytes(py, &self.values)
    }

    #[getter]
    fn dist_idx<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let mut b = Vec::with_capacity(self.dist_idx.len() * 4);
        for x in &self.dist_idx {
            b.extend_from_slice(&x.to_ne_bytes());
        }
        PyBytes::new(py, &b)
    }
}

/// A study's trials by column; row `r` is trial number `r`. Float columns are float64 bytes,
/// `states` uint8 bytes, `inter_steps` int64 bytes, `inter_rows` uint32 bytes.
#[pyclass(frozen, module = "ferrotune._core")]
pub struct StudyFrame {
    inner: CoreFrame,
    #[pyo3(get)]
    params: Vec<Py<FrameParam>>,
    /// Each trial's hover text (empty unless read `with_hover`).
    #[pyo3(get)]
    hover: Vec<Py<PyString>>,
}

#[pymethods]
impl StudyFrame {
    fn __len__(&self) -> usize {
        self.inner.states.len()
    }

    #[getter]
    fn states<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.states)
    }

    /// One float64 bytes column per objective.
    #[getter]
    fn values<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyBytes>> {
        self.inner.values.iter().map(|c| f64_bytes(py, c)).collect()
    }

    #[getter]
    fn datetime_start<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        f64_bytes(py, &self.inner.datetime_start)
    }

    #[getter]
    fn datetime_complete<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        f64_bytes(py, &self.inner.datetime_complete)
    }

    #[getter]
    fn violation<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        f64_bytes(py, &self.inner.violation)
    }

    #[getter]
    fn inter_rows<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let mut b = Vec::with_capacity(self.inner.inter_rows.len() * 4);
        for x in &self.inner.inter_rows {
            b.extend_from_slice(&x.to_ne_bytes());
        }
        PyBytes::new(py, &b)
    }

    #[getter]
    fn inter_steps<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let mut b = Vec::with_capacity(self.inner.inter_steps.len() * 8);
        for x in &self.inner.inter_steps {
            b.extend_from_slice(&x.to_ne_bytes());
        }
        PyBytes::new(py, &b)
    }

    #[getter]
    fn inter_values<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        f64_bytes(py, &self.inner.inter_values)
    }
}

/// Every trial of study `study` of `storage` as a `StudyFrame` (GIL released while the history
/// is copied; the storage's lock is held only for the copy).
#[pyfunction]
#[pyo3(signature = (storage, study, with_intermediate=true, with_hover=false))]
pub fn study_frame(py: Python<'_>, storage: &Storage, study: u32, with_intermediate: bool, with_hover: bool) -> PyResult<StudyFrame> {
    let inner = storage.inner.clone();
    let parts = FrameParts { intermediate: with_intermediate, hover: with_hover };
    let mut frame = enter_core(py, move || read_with(inner.as_ref(), study, |h| CoreFrame::of(h, parts)))?;
    let mut params = Vec::with_capacity(frame.params.len());
    for p in std::mem::take(&mut frame.params) {
        let distributions = p.distributions.into_iter().map(|d| Py::new(py, PyDistribution::new(d))).collect::<PyResult<_>>()?;
        params.push(Py::new(py, FrameParam { name: p.name, values: p.values, dist_idx: p.dist_idx, distributions })?);
    }
    let hover = std::mem::take(&mut frame.hover).iter().map(|t| PyString::new(py, t).unbind()).collect();
    Ok(StudyFrame { inner: frame, params, hover })
}

//! `_core.Storage`: a handle on a core storage backend.

use std::collections::BTreeMap;
use std::sync::Arc;

use ferrotune_core::history::StudyDirection;
use ferrotune_core::storage::grpc::GrpcProxyStorage;
use ferrotune_core::storage::{
    copy_study, AttrKind, InMemoryStorage, JournalStorage, PostgresStorage, RedisStorage, SqliteStorage, Storage as CoreStorage, StudyInfo,
};
use ferrotune_core::Error;
use pyo3::prelude::*;

use crate::errors::enter_core;

#[pyclass(frozen, module = "ferrotune._core")]
pub struct Storage {
    pub inner: Arc<dyn CoreStorage>,
    /// The same backend when it is a journal file (for journal-only calls such as `snapshot`).
    journal: Option<Arc<JournalStorage>>,
    /// The same backend when it is a gRPC proxy's client (for `wait_server_ready`).
    proxy: Option<Arc<GrpcProxyStorage>>,
}

fn kind(user: bool) -> AttrKind {
    if user {
        AttrKind::User
    } else {
        AttrKind::System
    }
}

type InfoTuple = (u32, String, Vec<u8>, usize);
type RepairTuple = (usize, Vec<(u64, u64)>, usize, usize, usize, u64);

fn info(i: StudyInfo) -> InfoTuple {
    (i.id, i.name, i.directions.iter().map(|d| *d as u8).collect(), i.n_trials)
}

#[pymethods]
impl Storage {
    #[staticmethod]
    fn in_memory() -> Self {
        Storage { inner: Arc::new(InMemoryStorage::new()), journal: None, proxy: None }
    }

    /// Opens (or creates) a journal file and replays it, with the GIL released.
    #[staticmethod]
    #[pyo3(signature = (path, fsync=false))]
    fn journal(py: Python<'_>, path: std::path::PathBuf, fsync: bool) -> PyResult<Self> {
        let j = enter_core(py, move || JournalStorage::open(&path, fsync))?;
        let j = Arc::new(j);
        Ok(Storage { inner: j.clone(), journal: Some(j), proxy: None })
    }

    /// Connects to a PostgreSQL database (creating ferrotune's tables on first use) and reads
    /// its log, with the GIL released.
    #[staticmethod]
    fn postgres(py: Python<'_>, url: String) -> PyResult<Self> {
        let p = enter_core(py, move || PostgresStorage::open(&url))?;
        Ok(Storage { inner: Arc::new(p), journal: None, proxy: None })
    }

    /// Opens (or creates) the SQLite database a `sqlite:///path.db` URL names and reads its log,
    /// with the GIL released. The core reads the URL.
    #[staticmethod]
    fn sqlite(py: Python<'_>, url: String) -> PyResult<Self> {
        let s = enter_core(py, move || SqliteStorage::open_url(&url))?;
        Ok(Storage { inner: Arc::new(s), journal: None, proxy: None })
    }

    /// Connects to the Redis server of `url` and reads the log kept under `prefix`, with the GIL
    /// released.
    #[staticmethod]
    fn redis(py: Python<'_>, url: String, prefix: String) -> PyResult<Self> {
        let r = enter_core(py, move || RedisStorage::open(&url, &prefix))?;
        Ok(Storage { inner: Arc::new(r), journal: None, proxy: None })
    }

    /// A client of the gRPC storage proxy at `host:port` (it connects on first use); `timeout`
    /// bounds each call, in seconds.
    #[staticmethod]
    #[pyo3(signature = (host, port, timeout=None))]
    fn grpc_proxy(py: Python<'_>, host: String, port: u16, timeout: Option<f64>) -> PyResult<Self> {
        let c = Arc::new(enter_core(py, move || {
            let timeout = timeout.map(|t| ferrotune_core::storage::grpc::seconds("timeout", t)).transpose()?;
            GrpcProxyStorage::connect(&host, port, timeout)
        })?);
        Ok(Storage { inner: c.clone(), journal: None, proxy: Some(c) })
    }

    /// Waits (GIL released) until the proxy's server answers; returns what it serves.
    fn wait_server_ready(&self, py: Python<'_>, timeout: f64) -> PyResult<String> {
        let Some(c) = self.proxy.clone() else {
            return Err(pyo3::exceptions::PyTypeError::new_err("wait_server_ready: this storage is not a gRPC proxy"));
        };
        enter_core(py, move || c.wait_ready(ferrotune_core::storage::grpc::seconds("timeout", timeout)?))
    }

    /// `url` with its password replaced by `***` (the core's reading of where it ends).
    #[staticmethod]
    fn redact_url(url: &str) -> String {
        ferrotune_core::storage::url::redact(url)
    }

    /// Writes to `dst` (a new file) a clean journal of every record of `src` that can be
    /// recovered (GIL released). Returns (intact records, damaged regions as (offset, length),
    /// records they probably held, records corrected, stand-in records written, bytes of a bad
    /// tail left out).
    #[staticmethod]
    fn repair_journal(py: Python<'_>, src: std::path::PathBuf, dst: std::path::PathBuf) -> PyResult<RepairTuple> {
        let r = enter_core(py, move || ferrotune_core::storage::journal::repair(&src, &dst))?;
        Ok((r.records, r.damaged, r.damaged_records, r.corrected, r.stand_ins, r.tail_bytes))
    }

    /// Writes the journal's snapshot (GIL released); returns its path.
    fn snapshot(&self, py: Python<'_>) -> PyResult<std::path::PathBuf> {
        let j = self.journal.clone();
        enter_core(py, move || match j {
            Some(j) => j.snapshot(),
            None => Err(Error::InvalidValue(
                "snapshot() is only for journal file storages (JournalStorage); this storage has no snapshot".into(),
            )),
        })
    }

    /// Copies study `study` into a new study `to_name` of `to` (GIL released); returns its id.
    fn copy_study(&self, py: Python<'_>, study: u32, to: &Storage, to_name: &str) -> PyResult<u32> {
        enter_core(py, || copy_study(&*self.inner, study, &*to.inner, to_name))
    }

    /// Messages about the storage (a damaged journal tail, ...) not yet shown, drained.
    fn take_warnings(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        enter_core(py, || Ok(self.inner.take_warnings()))
    }

    fn create_study(&self, py: Python<'_>, name: &str, directions: Vec<u8>) -> PyResult<u32> {
        enter_core(py, || {
            let dirs = directions
                .iter()
                .map(|c| StudyDirection::from_code(*c).ok_or_else(|| Error::InvalidValue(format!("bad direction code {c}"))))
                .collect::<Result<Vec<_>, _>>()?;
            self.inner.create_study(name, &dirs)
        })
    }

    fn delete_study(&self, py: Python<'_>, study: u32) -> PyResult<()> {
        enter_core(py, || self.inner.delete_study(study))
    }

    fn study_id(&self, py: Python<'_>, name: &str) -> PyResult<u32> {
        enter_core(py, || self.inner.study_id(name))
    }

    /// (id, name, direction codes, n_trials)
    fn study_info(&self, py: Python<'_>, study: u32) -> PyResult<InfoTuple> {
        enter_core(py, || self.inner.study_info(study).map(info))
    }

    fn studies(&self, py: Python<'_>) -> PyResult<Vec<InfoTuple>> {
        enter_core(py, || Ok(self.inner.studies().into_iter().map(info).collect()))
    }

    fn set_study_attr(&self, py: Python<'_>, study: u32, user: bool, key: &str, json: &str) -> PyResult<()> {
        enter_core(py, || self.inner.set_study_attr(study, kind(user), key, json))
    }

    /// Records a heartbeat of a running trial (GIL released: the journal may wait on its lock).
    fn record_heartbeat(&self, py: Python<'_>, trial_id: u64) -> PyResult<()> {
        enter_core(py, || self.inner.record_heartbeat(trial_id))
    }

    fn last_heartbeat(&self, py: Python<'_>, trial_id: u64) -> PyResult<Option<f64>> {
        enter_core(py, || self.inner.last_heartbeat(trial_id))
    }

    fn stale_trials(&self, py: Python<'_>, study: u32, grace: f64) -> PyResult<Vec<u64>> {
        enter_core(py, || self.inner.stale_trials(study, grace))
    }

    /// Fails the study's running trials whose last heartbeat is older than `grace` seconds, in
    /// one atomic step; returns their trial ids.
    fn fail_stale_trials(&self, py: Python<'_>, study: u32, grace: f64) -> PyResult<Vec<u64>> {
        enter_core(py, || self.inner.fail_stale_trials(study, grace))
    }

    fn study_attrs(&self, py: Python<'_>, study: u32, user: bool) -> PyResult<BTreeMap<String, String>> {
        enter_core(py, || self.inner.study_attrs(study, kind(user)))
    }
}

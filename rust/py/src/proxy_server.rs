//! `_core.GrpcProxyServer`: the gRPC storage proxy's server, running on a thread of its own.

use ferrotune_core::storage::grpc::{seconds, ProxyServer};
use pyo3::prelude::*;

use crate::errors::enter_core;
use crate::storage::Storage;

#[pyclass(module = "ferrotune._core")]
pub struct GrpcProxyServer {
    server: ProxyServer,
}

#[pymethods]
impl GrpcProxyServer {
    /// Starts serving `storage` on `host:port` (0: a free port), GIL released.
    #[staticmethod]
    fn start(py: Python<'_>, storage: &Storage, host: String, port: u16) -> PyResult<Self> {
        let inner = storage.inner.clone();
        let server = enter_core(py, move || ProxyServer::start(inner, &host, port))?;
        Ok(GrpcProxyServer { server })
    }

    /// The port it listens on.
    #[getter]
    fn port(&self) -> u16 {
        self.server.addr().port()
    }

    /// Asks it to stop; calls in progress finish first.
    fn stop(&mut self) {
        self.server.stop();
    }

    /// Waits up to `timeout` seconds (GIL released) for the server to end: True once it has
    /// (raising what made it fail), False while it runs.
    fn wait(&self, py: Python<'_>, timeout: f64) -> PyResult<bool> {
        let timeout = enter_core(py, || seconds("timeout", timeout))?;
        let server = &self.server;
        let ended = py.detach(|| server.wait(timeout));
        match ended {
            None => Ok(false),
            Some(r) => enter_core(py, || r).map(|()| true),
        }
    }
}

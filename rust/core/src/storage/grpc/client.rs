//! The proxy's client: an `OpLog` whose records live on the server.

use std::sync::{RwLock, RwLockWriteGuard};
use std::time::{Duration, Instant};

use tonic::transport::{Channel, Endpoint};

use super::wire::pb::log_proxy_client::LogProxyClient;
use super::wire::pb::{self, Records};
use super::wire::{from_status, PROTOCOL};
use crate::error::{Error, Result};
use crate::storage::log::oplog::{Append, OpLog};
use crate::storage::log::record::Op;
use crate::storage::log::replica::{Applied, Replica};
use crate::storage::log::warnings::Warnings;
use crate::storage::mem_state::MemState;

/// A storage reached through a proxy server (`ProxyServer`, Python's `run_grpc_proxy_server`).
pub struct GrpcProxyStorage {
    rt: tokio::runtime::Runtime,
    client: LogProxyClient<Channel>,
    replica: RwLock<Replica>,
    warnings: Warnings,
    /// `host:port`, for messages.
    target: String,
    timeout: Option<Duration>,
}

impl GrpcProxyStorage {
    /// A client of the server at `host:port`. It connects on first use, so the server may start
    /// later (`wait_ready`); `timeout` bounds each call.
    pub fn connect(host: &str, port: u16, timeout: Option<Duration>) -> Result<Self> {
        let target = format!("{host}:{port}");
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .map_err(|e| Error::Storage(format!("gRPC storage proxy {target}: cannot start its runtime: {e}")))?;
        let endpoint = Endpoint::from_shared(format!("http://{target}"))
            .map_err(|e| Error::InvalidValue(format!("host {host:?}, port {port}: not an address to connect to ({e})")))?
            .connect_timeout(Duration::from_secs(10));
        let channel = {
            let _guard = rt.enter();
            endpoint.connect_lazy()
        };
        let client = LogProxyClient::new(channel).max_decoding_message_size(256 << 20).max_encoding_message_size(256 << 20);
        Ok(GrpcProxyStorage { rt, client, replica: RwLock::new(Replica::default()), warnings: Warnings::default(), target, timeout })
    }

    pub fn target(&self) -> &str {
        &self.target
    }

    fn call<T>(&self, f: impl AsyncFnOnce(LogProxyClient<Channel>) -> std::result::Result<tonic::Response<T>, tonic::Status>) -> Result<T> {
        let client = self.client.clone();
        let r = self.rt.block_on(async move {
            match self.timeout {
                Some(t) => tokio::time::timeout(t, f(client)).await.unwrap_or_else(|_| Err(tonic::Status::deadline_exceeded("timeout"))),
                None => f(client).await,
            }
        });
        r.map(tonic::Response::into_inner).map_err(|s| from_status(&s, &self.target))
    }

    /// Waits until the server answers, up to `timeout`; returns what it serves.
    pub fn wait_ready(&self, timeout: Duration) -> Result<String> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.call(async |mut c| c.hello(pb::HelloRequest {}).await) {
                Ok(h) if h.protocol == PROTOCOL => return Ok(h.serves),
                Ok(h) => {
                    return Err(Error::Storage(format!(
                    "gRPC storage proxy {}: the server speaks protocol {}, this client {PROTOCOL}; use the same ferrotune version on both",
                    self.target, h.protocol
                )))
                }
                Err(e) if Instant::now() >= deadline => {
                    return Err(Error::Storage(format!("gRPC storage proxy {}: not ready after {timeout:?}: {e}", self.target)))
                }
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    fn write_replica(&self) -> RwLockWriteGuard<'_, Replica> {
        // Each replica change is one applied operation, so a poisoned lock holds a consistent state.
        self.replica.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Applies served records in order, as every reader of the log does. With `own`, the last
    /// `own` records are this client's append: their results are returned.
    fn apply(&self, g: &mut Replica, records: Option<Records>, own: usize) -> Result<Vec<Applied>> {
        let Records { records, end } = records.unwrap_or_default();
        let first_own = records.len().saturating_sub(own);
        let mut applied = Vec::with_capacity(own);
        for (i, r) in records.into_iter().enumerate() {
            if r.end <= g.offset {
                continue; // already applied (a read that overlapped)
            }
            match Op::decode(&r.body) {
                Ok(op) if i >= first_own => applied.push(g.apply(op, true)),
                // A record that does not fit the state is skipped by every reader alike.
                Ok(op) => drop(g.apply(op, true)),
                Err(e) => self.warnings.push_once(r.end, || {
                    format!(
                        "gRPC storage proxy {}: skipped a record that could not be decoded ({}); it may come from a newer ferrotune",
                        self.target, e.0
                    )
                }),
            }
            g.offset = r.end;
        }
        g.offset = g.offset.max(end);
        applied.into_iter().collect()
    }

    fn catch_up(&self, g: &mut Replica) -> Result<()> {
        let after = g.offset;
        let records = self.call(async |mut c| c.read(pb::ReadRequest { after }).await)?;
        self.apply(g, Some(records), 0).map(drop)
    }

    fn lease(&self) -> Result<u64> {
        self.call(async |mut c| c.lock(pb::LeaseRequest { lease: 0 }).await).map(|l| l.lease)
    }
}

impl OpLog for GrpcProxyStorage {
    fn view<R>(&self, f: impl FnOnce(&MemState) -> Result<R>) -> Result<R> {
        let mut g = self.write_replica();
        self.catch_up(&mut g)?;
        f(&g.state)
    }

    fn known<R>(&self, f: impl FnOnce(&MemState) -> R) -> R {
        f(&self.replica.read().unwrap_or_else(|e| e.into_inner()).state)
    }

    /// Reads what the server holds, lets `build` choose on it and sends the choice; a checked
    /// append that finds the log moved is chosen again on the new state (`build` may run again
    /// except under `Locked`, whose lease keeps every other locked choice out meanwhile).
    fn commit(&self, how: Append, build: &mut dyn FnMut(&Replica) -> Result<Vec<Op>>) -> Result<Vec<Applied>> {
        let lease = if how == Append::Locked { Some(self.lease()?) } else { None };
        let result = self.commit_with(how, lease, build);
        if let (Some(token), Err(_)) = (lease, &result) {
            // The append did not happen (or failed): give the lease back at once.
            let _ = self.call(async |mut c| c.unlock(pb::LeaseRequest { lease: token }).await);
        }
        result
    }

    fn drain_warnings(&self) -> Vec<String> {
        self.warnings.drain()
    }
}

impl GrpcProxyStorage {
    fn commit_with(&self, how: Append, lease: Option<u64>, build: &mut dyn FnMut(&Replica) -> Result<Vec<Op>>) -> Result<Vec<Applied>> {
        let mut g = self.write_replica();
        loop {
            self.catch_up(&mut g)?;
            let ops = build(&g)?;
            if ops.is_empty() {
                if let Some(token) = lease {
                    self.call(async |mut c| c.unlock(pb::LeaseRequest { lease: token }).await)?;
                }
                return Ok(Vec::new());
            }
            let claims = ops.iter().any(|op| matches!(op, Op::ClaimWaiting { .. }));
            // 0: only where the log ends as read; 1: at the end; 2: at the end, under the lease.
            let code = match how {
                Append::Locked => 2,
                Append::Checked => 0,
                Append::Create if claims => 0,
                Append::Create | Append::Blind => 1,
            };
            let bodies = ops
                .iter()
                .map(|op| {
                    let mut b = Vec::with_capacity(64);
                    op.encode(&mut b);
                    b
                })
                .collect();
            let at = g.offset;
            let req = pb::AppendRequest { how: code, expect: at, after: at, ops: bodies, lease: lease.unwrap_or(0) };
            let reply = self.call(async move |mut c| c.append(req).await)?;
            if reply.appended {
                return self.apply(&mut g, reply.records, reply.own as usize);
            }
            // The log moved: apply what came, and choose again.
            self.apply(&mut g, reply.records, 0)?;
        }
    }
}

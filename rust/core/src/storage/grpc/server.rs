//! The proxy's server: the service over a served log, the lease, and the thread running it.

use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use tonic::{Request, Response, Status};

use super::wire::pb::log_proxy_server::{LogProxy, LogProxyServer};
use super::wire::pb::{self, AppendReply, HelloReply, LeaseReply, Record, Records};
use super::wire::{to_status, PROTOCOL};
use crate::error::{Error, Result};
use crate::storage::log::commute::invalidated;
use crate::storage::log::oplog::Append;
use crate::storage::log::record::Op;
use crate::storage::log::served::RawRecord;
use crate::storage::Storage;

/// How long a lease lasts without its holder's append or release (a worker killed mid-choice).
const LEASE: Duration = Duration::from_secs(60);

/// The lease `Locked` appends run under: one holder at a time across every client.
#[derive(Default)]
struct Lease {
    held: Mutex<Option<(u64, Instant)>>,
    freed: tokio::sync::Notify,
    next: AtomicU64,
}

impl Lease {
    async fn take(&self) -> u64 {
        loop {
            let notified = self.freed.notified();
            {
                let mut h = self.held.lock().unwrap_or_else(|e| e.into_inner());
                if h.is_none_or(|(_, until)| until <= Instant::now()) {
                    let token = self.next.fetch_add(1, Ordering::Relaxed) + 1;
                    *h = Some((token, Instant::now() + LEASE));
                    return token;
                }
            }
            // Woken by a release, or look again for a lapsed lease.
            let _ = tokio::time::timeout(Duration::from_millis(500), notified).await;
        }
    }

    fn holds(&self, token: u64) -> bool {
        self.held.lock().unwrap_or_else(|e| e.into_inner()).is_some_and(|(t, until)| t == token && until > Instant::now())
    }

    fn release(&self, token: u64) {
        let mut h = self.held.lock().unwrap_or_else(|e| e.into_inner());
        if h.is_some_and(|(t, _)| t == token) {
            *h = None;
            self.freed.notify_waiters();
        }
    }
}

struct Service {
    storage: Arc<dyn Storage>,
    lease: Arc<Lease>,
    /// Storage work one call at a time: the log's position after an append is that append's
    /// end, and a read never meets this process's own write half done.
    serial: Arc<Mutex<()>>,
}

fn records(raw: Vec<RawRecord>, end: u64) -> Records {
    Records { records: raw.into_iter().map(|(end, body)| Record { end, body }).collect(), end }
}

/// Runs storage work off the server's threads (it takes file locks and waits on the database).
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> std::result::Result<T, Status> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map_err(to_status),
        Err(e) => Err(Status::internal(format!("the storage call failed: {e}"))),
    }
}

fn served(storage: &dyn Storage) -> Result<&dyn crate::storage::log::served::ServedLog> {
    storage.served_log().map(|s| s.0).ok_or_else(|| Error::Storage("this storage cannot be served".into()))
}

#[tonic::async_trait]
impl LogProxy for Service {
    async fn hello(&self, _: Request<pb::HelloRequest>) -> std::result::Result<Response<HelloReply>, Status> {
        let storage = self.storage.clone();
        let serves = blocking(move || Ok(served(storage.as_ref())?.describe())).await?;
        Ok(Response::new(HelloReply { serves, protocol: PROTOCOL }))
    }

    async fn read(&self, req: Request<pb::ReadRequest>) -> std::result::Result<Response<Records>, Status> {
        let after = req.into_inner().after;
        let storage = self.storage.clone();
        let serial = self.serial.clone();
        let (raw, end) = blocking(move || {
            let _one = serial.lock().unwrap_or_else(|e| e.into_inner());
            served(storage.as_ref())?.records_after(after)
        })
        .await?;
        Ok(Response::new(records(raw, end)))
    }

    async fn append(&self, req: Request<pb::AppendRequest>) -> std::result::Result<Response<AppendReply>, Status> {
        let req = req.into_inner();
        let storage = self.storage.clone();
        let lease = self.lease.clone();
        let serial = self.serial.clone();
        let reply = blocking(move || {
            let result = append(storage.as_ref(), &lease, &serial, &req);
            if req.how == 2 {
                lease.release(req.lease);
            }
            result
        })
        .await?;
        Ok(Response::new(reply))
    }

    async fn lock(&self, _: Request<pb::LeaseRequest>) -> std::result::Result<Response<LeaseReply>, Status> {
        Ok(Response::new(LeaseReply { lease: self.lease.take().await }))
    }

    async fn unlock(&self, req: Request<pb::LeaseRequest>) -> std::result::Result<Response<LeaseReply>, Status> {
        let token = req.into_inner().lease;
        self.lease.release(token);
        Ok(Response::new(LeaseReply { lease: token }))
    }
}

/// One append (see proto/log_proxy.proto for `how`), then every record after the client's
/// position up to the append's end.
fn append(storage: &dyn Storage, lease: &Lease, serial: &Mutex<()>, req: &pb::AppendRequest) -> Result<AppendReply> {
    let log = served(storage)?;
    let ops = req
        .ops
        .iter()
        .map(|b| Op::decode(b).map_err(|e| Error::InvalidValue(format!("gRPC storage proxy: an operation could not be decoded ({})", e.0))))
        .collect::<Result<Vec<Op>>>()?;
    if req.how == 2 && !lease.holds(req.lease) {
        return Err(Error::Storage(
            "gRPC storage proxy: the lease of this append lapsed (the worker paused for over a minute); try again".into(),
        ));
    }
    let checked = req.how == 0;
    let _one = serial.lock().unwrap_or_else(|e| e.into_inner());
    let mut moved = false;
    if checked {
        // The client chose on the log as it ended at `expect`. The choice still holds if
        // nothing since touched what it touches (`log::commute`); then it is appended on the
        // state read here, unless another process appended meanwhile (look again).
        loop {
            let (since, end_seen) = log.records_after(req.expect)?;
            let since: Vec<Op> = since.iter().filter_map(|(_, b)| Op::decode(b).ok()).collect();
            moved = invalidated(&ops, &since);
            if moved {
                break;
            }
            let mut raced = false;
            log.serve_commit(Append::Checked, &mut |replica| {
                raced = replica.offset != end_seen;
                Ok(if raced { Vec::new() } else { ops.clone() })
            })?;
            if !raced {
                break;
            }
        }
    } else {
        // Never `Append::Blind`: a blind record may wait in this process, where clients cannot see it.
        log.serve_commit(Append::Create, &mut |_| Ok(ops.clone()))?;
    }
    let appended_to = log.position();
    let (mut raw, mut end) = log.records_after(req.after)?;
    if !moved {
        // Records another process appended after this one wait for the client's next read.
        raw.retain(|(at, _)| *at <= appended_to);
        end = appended_to;
    }
    let own = if moved { 0 } else { ops.len().min(raw.len()) as u32 };
    Ok(AppendReply { appended: !moved, records: Some(records(raw, end)), own })
}

/// A running proxy server. Dropping it stops the server.
pub struct ProxyServer {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: Arc<(Mutex<Option<Result<()>>>, Condvar)>,
}

impl ProxyServer {
    /// Serves `storage` on `host:port` (port 0: any free port) from a thread of its own.
    pub fn start(storage: Arc<dyn Storage>, host: &str, port: u16) -> Result<ProxyServer> {
        if storage.served_log().is_none() {
            return Err(Error::InvalidValue(
                "storage: the gRPC proxy serves a journal file, a SQLite or a PostgreSQL storage, whose operation log its \
                 clients replay; an in-memory storage (or another proxy) keeps no log to serve, so open the study in one of those"
                    .into(),
            ));
        }
        let addr = (host, port)
            .to_socket_addrs()
            .map_err(|e| Error::InvalidValue(format!("host {host:?}, port {port}: not an address to listen on ({e})")))?
            .next()
            .ok_or_else(|| Error::InvalidValue(format!("host {host:?}: no address to listen on")))?;
        let listener = TcpListener::bind(addr).map_err(|e| Error::Storage(format!("gRPC storage proxy: cannot listen on {addr}: {e}")))?;
        let addr = listener.local_addr().map_err(|e| Error::Storage(format!("gRPC storage proxy: {e}")))?;
        listener.set_nonblocking(true).map_err(|e| Error::Storage(format!("gRPC storage proxy: {e}")))?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let done = Arc::new((Mutex::new(None), Condvar::new()));
        let finished = done.clone();
        let service = Service { storage, lease: Arc::new(Lease::default()), serial: Arc::new(Mutex::new(())) };
        std::thread::Builder::new()
            .name("ferrotune-grpc-proxy".into())
            .spawn(move || {
                let r = serve(service, listener, stopped);
                let (m, cv) = &*finished;
                *m.lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
                cv.notify_all();
            })
            .map_err(|e| Error::Storage(format!("gRPC storage proxy: cannot start its thread: {e}")))?;
        Ok(ProxyServer { addr, stop: Some(stop), done })
    }

    /// The address it listens on (the port chosen when 0 was asked for).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Asks the server to stop; calls in progress finish first.
    pub fn stop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }

    /// Waits up to `timeout` for the server to end; returns how it ended, `None` if still running.
    pub fn wait(&self, timeout: Duration) -> Option<Result<()>> {
        let (m, cv) = &*self.done;
        let g = m.lock().unwrap_or_else(|e| e.into_inner());
        let (g, _) = cv.wait_timeout_while(g, timeout, |r| r.is_none()).unwrap_or_else(|e| e.into_inner());
        g.clone()
    }
}

impl Drop for ProxyServer {
    fn drop(&mut self) {
        self.stop();
        let _ = self.wait(Duration::from_secs(10));
    }
}

fn serve(service: Service, listener: TcpListener, stopped: tokio::sync::oneshot::Receiver<()>) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Storage(format!("gRPC storage proxy: cannot start its runtime: {e}")))?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener).map_err(|e| Error::Storage(format!("gRPC storage proxy: {e}")))?;
        let incoming = tonic::transport::server::TcpIncoming::from(listener);
        tonic::transport::Server::builder()
            .add_service(LogProxyServer::new(service).max_decoding_message_size(256 << 20).max_encoding_message_size(256 << 20))
            .serve_with_incoming_shutdown(incoming, async {
                let _ = stopped.await;
            })
            .await
            .map_err(|e| Error::Storage(format!("gRPC storage proxy: the server failed: {e}")))
    })
}

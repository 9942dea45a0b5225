//! The gRPC storage proxy: many workers share one storage through one server
//! (Optuna's `run_grpc_proxy_server` and `GrpcStorageProxy`).
//!
//! The server holds a storage kept as an operation log (a journal file, SQLite or PostgreSQL;
//! `storage::log::served`) and answers four calls (proto/log_proxy.proto): read the records
//! after a position, append encoded operations, and take or give back a lease. A client
//! (`GrpcProxyStorage`) is one more `OpLog` backend: it keeps its own replica, built from the
//! served records exactly as the backend's own replica is (so trial ids and study indices
//! agree), and turns each append into one call.
//!
//! - `wire`: the generated protocol and the errors that cross it.
//! - `server`: the service, its lease, and the thread that runs it.
//! - `client`: the `OpLog` over the calls.
//!
//! Appends keep the log's rules (`storage::log::oplog::Append`). A `Checked` append (and a
//! creation that claims a waiting trial) lands only if no record since the client read the log
//! touches what its operations touch (the same trial, the same study's attributes or waiting
//! trials, the set of studies); otherwise the client reads what came and chooses again.
//! `Create` and `Blind` appends land at the end. A `Locked` append, whose choice had side
//! effects (a grid point claimed), runs under the server's lease, which serializes such
//! choices across every client; the
//! lease lapses after a minute if its holder dies.

mod client;
mod server;
mod wire;

pub use client::GrpcProxyStorage;
pub use server::ProxyServer;

/// A number of seconds given by a caller (a timeout), read as a `Duration`; a negative or
/// non-finite one is refused, naming `what`.
pub fn seconds(what: &str, secs: f64) -> crate::error::Result<std::time::Duration> {
    std::time::Duration::try_from_secs_f64(secs)
        .map_err(|_| crate::error::Error::InvalidValue(format!("{what} must be a non-negative number of seconds, got {secs}")))
}

#[cfg(test)]
mod tests;

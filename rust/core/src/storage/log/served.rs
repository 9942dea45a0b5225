//! A log backend served to other processes by the gRPC storage proxy (`storage::grpc`).
//!
//! Clients keep their own replica, built from the backend's records exactly as the backend's
//! own replica is, so trial ids and study indices agree. The server reads records where the
//! backend keeps them and appends through the backend's own `commit`, under its lock.

use super::oplog::Append;
use super::record::Op;
use super::replica::{Applied, Replica};
use crate::error::Result;

/// One record of the log: the position the log reaches with it, and its encoded operation.
pub type RawRecord = (u64, Vec<u8>);

pub trait ServedLog: Send + Sync {
    /// What is served, for messages (a path, `host:port/db`; never a password).
    fn describe(&self) -> String;
    /// The records after position `after`, in order (`after` = 0: from the start), and the
    /// position after them (where an empty log starts, when there are none).
    fn records_after(&self, after: u64) -> Result<(Vec<RawRecord>, u64)>;
    /// How far this process's replica has applied the log.
    fn position(&self) -> u64;
    /// `OpLog::commit`, for a server: `build` sees the caught-up replica; `how` is never
    /// `Append::Blind` (a blind record may wait in this process, unseen by the clients).
    fn serve_commit(&self, how: Append, build: &mut dyn FnMut(&Replica) -> Result<Vec<Op>>) -> Result<Vec<Applied>>;
}

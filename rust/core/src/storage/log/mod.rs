//! The operation log shared by the journal file, SQLite and PostgreSQL: all keep their studies
//! as a sequence of records, replayed into a replica, and differ only in where the records live.
//!
//! - `record`, `codec`: one storage mutation (`Op`) and its compact binary encoding.
//! - `replica`: the records applied to a `MemState`, with the map from the log's study indices
//!   to this process's study ids and how far into the log it has read.
//! - `oplog`: the `Storage` methods, written once, as reads of the replica or records to append
//!   (`OpLog` is what a backend provides: reading new records and appending its own).
//! - `deferred`: parameter records applied to the replica that wait for the process's next
//!   write; `flusher`: the thread that writes them when no write comes within 50 ms.
//! - `warnings`: messages for the user gathered by a backend (an undecodable record, damage), and
//!   by the engine and the grid sampler (values used as Optuna uses them).
//!
//! File framing, locks and snapshots are the journal's (`storage::journal`); tables, the
//! connection and notifications are PostgreSQL's (`storage::postgres`); the database file, its
//! write lock and the connection re-opened after a fork are SQLite's (`storage::sqlite`).

pub(crate) mod codec;
// Used by the backends that check a choice after making it (the gRPC proxy, Redis).
#[cfg_attr(not(any(feature = "grpc", feature = "redis")), allow(dead_code))]
pub(crate) mod commute;
pub(crate) mod deferred;
pub(crate) mod flusher;
pub(crate) mod oplog;
pub(crate) mod record;
pub(crate) mod replica;
// Read by the gRPC proxy's server only.
#[cfg_attr(not(feature = "grpc"), allow(dead_code))]
pub(crate) mod served;
pub(crate) mod warnings;

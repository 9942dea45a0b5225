//! A write transaction through the connection's cached statements.
//!
//! `rusqlite::Transaction` parses `BEGIN IMMEDIATE` and `COMMIT` anew each time; a trial makes
//! two transactions, so the parsing was a visible part of its cost. This one keeps the three
//! statements prepared, and rolls back when dropped uncommitted (an error, a rejected write).

use std::ops::Deref;

use rusqlite::Connection;

use super::turnstile::{Passed, Turnstile};

pub struct WriteTx<'a> {
    conn: &'a Connection,
    open: bool,
    /// Held until the transaction ends (dropped after `Drop::drop` rolled back, if it must).
    _turn: Option<Passed<'a>>,
}

impl<'a> WriteTx<'a> {
    /// Passes the turnstile (see `turnstile`), takes the database's write lock (waiting up to
    /// the busy timeout) and starts the transaction.
    pub fn begin(conn: &'a Connection, turnstile: Option<&'a Turnstile>) -> rusqlite::Result<Self> {
        let turn = turnstile.and_then(|t| t.pass());
        conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
        Ok(WriteTx { conn, open: true, _turn: turn })
    }

    /// Commits; on failure the transaction is still open and rolls back when dropped.
    pub fn commit(mut self) -> rusqlite::Result<()> {
        self.conn.prepare_cached("COMMIT")?.execute([])?;
        self.open = false;
        Ok(())
    }
}

impl Deref for WriteTx<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl Drop for WriteTx<'_> {
    fn drop(&mut self) {
        // SQLite may have rolled back already (some errors end the transaction themselves).
        if self.open && !self.conn.is_autocommit() {
            let _ = self.conn.prepare_cached("ROLLBACK").and_then(|mut st| st.execute([]));
        }
    }
}

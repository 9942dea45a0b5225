//! Records sent and received as text in simple-query batches, where several statements (a
//! transaction, the lock, the append, a synchronous commit) share one round trip.

use std::fmt::Write as _;

use super::conn::Conn;
use super::pg_error;
use crate::error::{Error, Result};

/// Appends `decode('<hex>', 'hex')`: bytes as an SQL literal made of digits and a-f only.
pub fn hex_literal(sql: &mut String, bytes: &[u8]) {
    sql.push_str("decode('");
    for byte in bytes {
        let _ = write!(sql, "{byte:02x}");
    }
    sql.push_str("', 'hex')");
}

/// The log rows (`seq`, hex `body`) among the rows of a simple query; rows of other statements
/// (the lock, the transaction id) have one column.
pub fn text_rows(msgs: Vec<postgres::SimpleQueryMessage>) -> Result<Vec<(i64, Vec<u8>)>> {
    let mut out = Vec::new();
    for msg in msgs {
        if let postgres::SimpleQueryMessage::Row(row) = msg {
            if row.len() != 2 {
                continue;
            }
            let seq =
                row.get(0).and_then(|s| s.parse().ok()).ok_or_else(|| Error::Storage("ferrotune_log: a row without a number".into()))?;
            out.push((seq, decode_hex(row.get(1).unwrap_or(""))?));
        }
    }
    Ok(out)
}

/// Pushes records and waits for the disk in one round trip: the push commits on its own
/// (without waiting, and releasing the log's lock), then a synchronous commit in the same
/// message flushes the write-ahead log up to it (see `Conn::flush`).
pub fn push_durably(c: &mut Conn, head: i64, bodies: &[Vec<u8>], loud: bool) -> Result<Vec<(i64, Vec<u8>)>> {
    let mut sql = String::with_capacity(160 + bodies.iter().map(|b| 2 * b.len() + 24).sum::<usize>());
    let _ = write!(sql, "BEGIN; SELECT seq, encode(body, 'hex') FROM ferrotune_push({head}, ARRAY[");
    for (i, b) in bodies.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        hex_literal(&mut sql, b);
    }
    let _ = write!(sql, "]::bytea[], {loud}); COMMIT; SELECT txid_current()");
    match c.client.simple_query(&sql) {
        Ok(msgs) => text_rows(msgs),
        Err(e) => {
            if !c.client.is_closed() {
                // A failed push leaves the explicit transaction open and aborted.
                let _ = c.client.batch_execute("ROLLBACK");
            }
            Err(pg_error("appending to the log", &e))
        }
    }
}

fn decode_hex(s: &str) -> Result<Vec<u8>> {
    let bad = || Error::Storage("ferrotune_log: a record came back as malformed hex".into());
    if !s.len().is_multiple_of(2) {
        return Err(bad());
    }
    (0..s.len()).step_by(2).map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()).ok_or_else(bad)).collect()
}

//! The tables and the append function ferrotune keeps in a PostgreSQL database.
//!
//! The database holds the same operation log as a journal file, one row per record, numbered
//! without gaps. `ferrotune_append` appends a batch of records only if the log still ends where
//! the writer last read it (a compare-and-set on the log's head, under an advisory lock), so a
//! writer that decided on an out-of-date state never appends; it gets the missing rows instead
//! and decides again. `ferrotune_push` appends unconditionally and returns the rows the writer
//! had not read, for changes to one trial that other records cannot invalidate except by
//! finishing that trial. The schema version lives in `ferrotune_meta`.

use postgres::{Client, GenericClient};

use crate::error::{Error, Result};

use super::pg_error;

/// The schema this build writes and reads.
pub const SCHEMA_VERSION: i64 = 1;

/// Advisory lock serializing appends to the log (any fixed number unlikely to be used by others).
pub const LOG_LOCK: i64 = 0x6665_7272_6f74_756e; // "ferrotun"

/// Advisory lock held while the schema is created, so concurrent first openers do not race.
const SCHEMA_LOCK: i64 = LOG_LOCK + 1;

/// The channel writers notify with the new head of the log, so readers know when to fetch
/// (at once for the records that change other workers' decisions, within `listener::ANNOUNCE`
/// for the rest).
pub const CHANNEL: &str = "ferrotune_log";

const CREATE: &str = r#"
CREATE TABLE IF NOT EXISTS ferrotune_meta (
    key text PRIMARY KEY,
    value text NOT NULL
);
CREATE TABLE IF NOT EXISTS ferrotune_log (
    seq bigint PRIMARY KEY,
    body bytea NOT NULL,
    written_at timestamptz NOT NULL DEFAULT now()
);
CREATE OR REPLACE FUNCTION ferrotune_append(head bigint, bodies bytea[], announce boolean)
RETURNS TABLE (seq bigint, body bytea)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
    top bigint;
BEGIN
    -- Visible at once and kept if the client dies; the caller waits for the disk separately
    -- when it must (see `Conn::flush`), so the log's lock is not held during that wait.
    PERFORM set_config('synchronous_commit', 'off', true);
    PERFORM pg_advisory_xact_lock(__LOG_LOCK__);
    SELECT coalesce(max(l.seq), 0) INTO top FROM ferrotune_log AS l;
    IF top = head THEN
        INSERT INTO ferrotune_log (seq, body)
            SELECT head + b.n, b.body FROM unnest(bodies) WITH ORDINALITY AS b(body, n);
        IF announce THEN
            PERFORM pg_notify('__CHANNEL__', (head + cardinality(bodies))::text);
        END IF;
        RETURN;
    ELSIF top < head THEN
        RAISE EXCEPTION 'ferrotune_log ends at record % but this process has read up to %; was the table emptied?', top, head;
    END IF;
    RETURN QUERY SELECT l.seq, l.body FROM ferrotune_log AS l WHERE l.seq > head ORDER BY l.seq;
END
$fn$;
CREATE OR REPLACE FUNCTION ferrotune_push(head bigint, bodies bytea[], announce boolean)
RETURNS TABLE (seq bigint, body bytea)
LANGUAGE plpgsql AS $fn$
#variable_conflict use_column
DECLARE
    top bigint;
BEGIN
    PERFORM set_config('synchronous_commit', 'off', true);
    PERFORM pg_advisory_xact_lock(__LOG_LOCK__);
    SELECT coalesce(max(l.seq), 0) INTO top FROM ferrotune_log AS l;
    IF top < head THEN
        RAISE EXCEPTION 'ferrotune_log ends at record % but this process has read up to %; was the table emptied?', top, head;
    END IF;
    INSERT INTO ferrotune_log (seq, body)
        SELECT top + b.n, b.body FROM unnest(bodies) WITH ORDINALITY AS b(body, n);
    IF announce THEN
        PERFORM pg_notify('__CHANNEL__', (top + cardinality(bodies))::text);
    END IF;
    -- The records the caller has not read, which land before its own.
    RETURN QUERY SELECT l.seq, l.body FROM ferrotune_log AS l WHERE l.seq > head AND l.seq <= top ORDER BY l.seq;
END
$fn$;
"#;

fn stored_version(client: &mut impl GenericClient) -> Result<Option<i64>> {
    let exists: bool =
        client.query_one("SELECT to_regclass('ferrotune_meta') IS NOT NULL", &[]).map_err(|e| pg_error("reading the schema", &e))?.get(0);
    if !exists {
        return Ok(None);
    }
    let row = client
        .query_opt("SELECT value FROM ferrotune_meta WHERE key = 'schema_version'", &[])
        .map_err(|e| pg_error("reading the schema version", &e))?;
    match row {
        None => Ok(None),
        Some(r) => {
            let v: String = r.get(0);
            v.parse().map(Some).map_err(|_| Error::Storage(format!("ferrotune_meta holds schema_version '{v}', which is not a number")))
        }
    }
}

/// Creates the tables on first use and checks the version of existing ones.
pub fn ensure(client: &mut Client) -> Result<()> {
    if stored_version(client)? == Some(SCHEMA_VERSION) {
        return Ok(());
    }
    let sql = CREATE.replace("__LOG_LOCK__", &LOG_LOCK.to_string()).replace("__CHANNEL__", CHANNEL);
    let mut tx = client.transaction().map_err(|e| pg_error("creating the schema", &e))?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK]).map_err(|e| pg_error("creating the schema", &e))?;
    // Another process may have created it while we waited for the lock.
    let version = stored_version(&mut tx)?;
    match version {
        Some(v) if v > SCHEMA_VERSION => {
            return Err(Error::Storage(format!(
                "this database holds ferrotune schema version {v}, written by a newer ferrotune; this one reads version {SCHEMA_VERSION}: upgrade ferrotune"
            )))
        }
        Some(v) if v == SCHEMA_VERSION => {}
        _ => {
            tx.batch_execute(&sql).map_err(|e| pg_error("creating the schema", &e))?;
            tx.execute(
                "INSERT INTO ferrotune_meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                &[&SCHEMA_VERSION.to_string()],
            )
            .map_err(|e| pg_error("creating the schema", &e))?;
        }
    }
    tx.commit().map_err(|e| pg_error("creating the schema", &e))
}

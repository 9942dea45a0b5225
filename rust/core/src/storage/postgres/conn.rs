//! The process's connection to the database, with the two prepared statements every call uses.

use std::str::FromStr;
use std::time::Duration;

use postgres::{Client, Config, NoTls, Statement};

use super::{pg_error, schema};
use crate::error::{Error, Result};

pub struct Conn {
    pub client: Client,
    /// Appends a batch if the log ends at the given head; otherwise returns the rows after it.
    pub append: Statement,
    /// Appends a batch at the end of the log; returns the rows between the given head and it.
    pub push: Statement,
    /// The rows after a given head, in order.
    pub fetch: Statement,
    /// A transaction that commits synchronously (see `flush`).
    durable: Statement,
    /// `host:port/dbname`, for messages.
    pub target: String,
    pub config: Config,
    /// The process that opened the connection: a forked child must not share its socket.
    pid: u32,
}

/// Parses a SQLAlchemy-style URL: `postgresql://`, `postgres://` or `postgresql+driver://`.
fn parse(url: &str) -> Result<Config> {
    let bad = |why: String| {
        Error::InvalidValue(format!(
            "storage URL: {why}; write it as postgresql://user:password@host:port/dbname (the password is optional)"
        ))
    };
    // The credentials end at the last '@' (storage::url); the driver's parser ends them at the
    // first, so they reach it percent-encoded.
    let url = crate::storage::url::normalized(url).ok_or_else(|| bad("no scheme".into()))?;
    let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("no scheme".into()))?;
    let base = scheme.split('+').next().unwrap_or("").to_ascii_lowercase();
    if base != "postgresql" && base != "postgres" {
        return Err(bad(format!("scheme '{scheme}' is not PostgreSQL")));
    }
    let mut config = Config::from_str(&format!("postgresql://{rest}")).map_err(|e| {
        // The driver's message is generic; its source names the option at fault.
        match std::error::Error::source(&e) {
            Some(cause) => bad(format!("{e}: {cause}")),
            None => bad(e.to_string()),
        }
    })?;
    if config.get_dbname().is_none() {
        return Err(bad("it names no database".into()));
    }
    if config.get_application_name().is_none() {
        config.application_name("ferrotune");
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    Ok(config)
}

fn describe(config: &Config) -> String {
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    format!("{host}:{port}/{}", config.get_dbname().unwrap_or(""))
}

fn connect(config: &Config, target: &str) -> Result<(Client, [Statement; 4])> {
    let mut client = config.connect(NoTls).map_err(|e| {
        let mut err = pg_error(&format!("connecting to {target}"), &e);
        if let Error::Storage(m) = &mut err {
            m.push_str("; is the server running and does the URL name an existing database and user?");
        }
        err
    })?;
    schema::ensure(&mut client)?;
    let append = client.prepare("SELECT seq, body FROM ferrotune_append($1, $2, $3)").map_err(|e| pg_error("preparing statements", &e))?;
    let push = client.prepare("SELECT seq, body FROM ferrotune_push($1, $2, $3)").map_err(|e| pg_error("preparing statements", &e))?;
    let fetch = client
        .prepare("SELECT seq, body FROM ferrotune_log WHERE seq > $1 ORDER BY seq")
        .map_err(|e| pg_error("preparing statements", &e))?;
    // Taking a transaction id makes the statement's commit write a record and wait for it.
    let durable = client.prepare("SELECT txid_current()").map_err(|e| pg_error("preparing statements", &e))?;
    Ok((client, [append, push, fetch, durable]))
}

impl Conn {
    pub fn open(url: &str) -> Result<Conn> {
        let config = parse(url)?;
        let target = describe(&config);
        let (client, [append, push, fetch, durable]) = connect(&config, &target)?;
        Ok(Conn { client, append, push, fetch, durable, target, config, pid: crate::storage::pid::current() })
    }

    /// Reconnects when the server dropped the connection or the process was forked.
    pub fn ensure_alive(&mut self) -> Result<()> {
        let forked = self.pid != crate::storage::pid::current();
        if !forked && !self.client.is_closed() {
            return Ok(());
        }
        let (client, [append, push, fetch, durable]) = connect(&self.config, &self.target)?;
        let old = std::mem::replace(&mut self.client, client);
        if forked {
            // The parent still uses that socket: closing it politely from here would end the
            // parent's session, so the child's copy is left alone.
            std::mem::forget(old);
        }
        self.append = append;
        self.push = push;
        self.fetch = fetch;
        self.durable = durable;
        self.pid = crate::storage::pid::current();
        Ok(())
    }

    /// Returns once every record this connection committed is on the server's disk: records are
    /// committed without waiting for it, and this synchronous commit, coming after them in the
    /// write-ahead log, flushes them all. The log's lock is free meanwhile, so concurrent
    /// writers' flushes can share one disk write.
    pub fn flush(&mut self) -> Result<()> {
        self.client.execute(&self.durable, &[]).map(drop).map_err(|e| pg_error("waiting for the disk", &e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_driver_gets_the_password_that_ends_at_the_last_at_sign() {
        let c = parse("postgresql://me:p@ss/w:rd%25@db-host:5433/hpo?connect_timeout=3").unwrap();
        assert_eq!(c.get_user(), Some("me"));
        assert_eq!(c.get_password(), Some(&b"p@ss/w:rd%"[..]));
        assert_eq!(describe(&c), "db-host:5433/hpo");
        assert_eq!(c.get_connect_timeout(), Some(&Duration::from_secs(3)));
        let c = parse("postgres://me:p%40ss@db-host/hpo").unwrap();
        assert_eq!(c.get_password(), Some(&b"p@ss"[..]));
        let c = parse("postgresql+psycopg2://db-host/hpo").unwrap();
        assert_eq!((c.get_user(), c.get_password()), (None, None));
    }
}

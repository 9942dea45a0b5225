//! Storage URLs (`scheme://user:password@host:port/dbname?options`): where the credentials end,
//! and the URL as it may be shown.
//!
//! This is the one parser both languages use (Python asks the core), so what is redacted in a
//! message is exactly what is sent as the password. The credentials end at the LAST `@` before
//! the options (`?`), as browsers and libpq read URLs: a password may hold `@`, `:` or `/`
//! unencoded (`postgresql://u:p@ss/w@host/db` is user `u`, password `p@ss/w`, host `host`).
//! Host names, ports and database names hold no `@`.
//!
//! `sqlite` reads SQLite URLs as SQLAlchemy (and so Optuna) writes them: `sqlite:///study.db`
//! is relative to the working directory, `sqlite:////tmp/study.db` absolute.

use std::path::PathBuf;
use std::time::Duration;

use crate::error::{Error, Result};

/// The parts of a URL around its credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parts<'a> {
    /// Before `://`.
    pub scheme: &'a str,
    /// Before the first `:` of the credentials (still percent-encoded).
    pub user: Option<&'a str>,
    /// After the first `:` of the credentials (still percent-encoded).
    pub password: Option<&'a str>,
    /// After the credentials: `host:port/dbname?options`.
    pub rest: &'a str,
}

/// Splits `url` at `://` and at the last `@` before `?`; `None` without `://`.
pub fn split(url: &str) -> Option<Parts<'_>> {
    let (scheme, after) = url.split_once("://")?;
    let query = after.find('?').unwrap_or(after.len());
    let Some(at) = after[..query].rfind('@') else {
        return Some(Parts { scheme, user: None, password: None, rest: after });
    };
    let (cred, rest) = (&after[..at], &after[at + 1..]);
    let (user, password) = match cred.split_once(':') {
        Some((u, p)) => (u, Some(p)),
        None => (cred, None),
    };
    Some(Parts { scheme, user: Some(user), password, rest })
}

/// `url` with its password replaced by `***`, for messages, logs and reprs. Text that is not a
/// URL is returned as it is (a file path).
pub fn redact(url: &str) -> String {
    match split(url) {
        Some(Parts { scheme, user: Some(user), password: Some(_), rest }) => format!("{scheme}://{user}:***@{rest}"),
        _ => url.to_string(),
    }
}

/// `text` percent-decoded (invalid escapes are kept as they are).
pub fn decode(text: &str) -> Vec<u8> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// `bytes` percent-encoded: every byte but ASCII letters, digits and `-._~`.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &c in bytes {
        if c.is_ascii_alphanumeric() || b"-._~".contains(&c) {
            out.push(c as char);
        } else {
            out.push_str(&format!("%{c:02X}"));
        }
    }
    out
}

/// The URL with its user and password percent-encoded, so that a parser that ends the
/// credentials at the first `@` (or reads `/` as the path) reads them as `split` does.
pub fn normalized(url: &str) -> Option<String> {
    let p = split(url)?;
    let Some(user) = p.user else { return Some(url.to_string()) };
    let mut out = format!("{}://{}", p.scheme, encode(&decode(user)));
    if let Some(pw) = p.password {
        out.push(':');
        out.push_str(&encode(&decode(pw)));
    }
    out.push('@');
    out.push_str(p.rest);
    Some(out)
}

/// A SQLite URL read: the database file and the options ferrotune takes from its query.
#[derive(Debug, Clone, PartialEq)]
pub struct SqliteUrl {
    pub path: PathBuf,
    /// `?synchronous=full`: every commit waits for the disk, so it survives an OS crash too.
    pub fsync: bool,
    /// `?timeout=SECONDS`: how long a write waits while another process holds the lock.
    pub timeout: Duration,
}

/// How long a write waits for another process's lock unless the URL says otherwise: writes
/// hold it for well under a millisecond, so only a stopped or overloaded writer comes close.
pub const SQLITE_TIMEOUT: Duration = Duration::from_secs(60);

/// Whether `url` is a SQLite URL (`sqlite://` or `sqlite+driver://`), to be read by `sqlite`.
pub fn is_sqlite(url: &str) -> bool {
    split(url).is_some_and(|p| p.scheme.split('+').next().is_some_and(|s| s.eq_ignore_ascii_case("sqlite")))
}

/// Reads `sqlite:///relative.db`, `sqlite:////absolute.db` with the options `synchronous`
/// (`normal` or `full`) and `timeout` (seconds). A database in memory is refused: it could not
/// be shared by processes nor outlive this one.
pub fn sqlite(url: &str) -> Result<SqliteUrl> {
    let bad = |why: &str| {
        Error::InvalidValue(format!(
            "storage URL '{}': {why}; write sqlite:///relative/path.db or sqlite:////absolute/path.db",
            redact(url)
        ))
    };
    if !is_sqlite(url) {
        return Err(bad("this is not a SQLite URL"));
    }
    let rest = url.split_once("://").map_or("", |(_, r)| r);
    let (file, query) = rest.split_once('?').unwrap_or((rest, ""));
    if file.is_empty() || file == "/" || file == "/:memory:" {
        return Err(Error::InvalidValue(format!(
            "storage URL '{}' names a SQLite database in memory, which other processes cannot share and which \
             ends with this one; for a study in memory pass storage=None, for a shared one name a file \
             (sqlite:///study.db)",
            redact(url)
        )));
    }
    let Some(path) = file.strip_prefix('/') else {
        return Err(bad("a SQLite URL names a file after three slashes, not a host"));
    };
    let mut out = SqliteUrl { path: PathBuf::from(path), fsync: false, timeout: SQLITE_TIMEOUT };
    for opt in query.split('&').filter(|o| !o.is_empty()) {
        let (key, value) = opt.split_once('=').unwrap_or((opt, ""));
        match key {
            "synchronous" => {
                out.fsync = match value.to_ascii_lowercase().as_str() {
                    "normal" => false,
                    "full" | "extra" => true,
                    _ => return Err(bad(&format!("synchronous must be normal or full, got '{value}'"))),
                }
            }
            "timeout" => {
                let secs: f64 = value.parse().unwrap_or(f64::NAN);
                if !(secs.is_finite() && (0.0..=1e9).contains(&secs)) {
                    return Err(bad(&format!("timeout must be a number of seconds, got '{value}'")));
                }
                out.timeout = Duration::from_secs_f64(secs);
            }
            _ => return Err(bad(&format!("unknown option '{key}' (ferrotune reads synchronous=normal|full and timeout=SECONDS)"))),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_read_as_sqlalchemy_reads_them() {
        let u = sqlite("sqlite:///runs/study.db").unwrap();
        assert_eq!((u.path, u.fsync, u.timeout), (PathBuf::from("runs/study.db"), false, SQLITE_TIMEOUT));
        let u = sqlite("sqlite+pysqlite:////tmp/a b.db?synchronous=FULL&timeout=2.5").unwrap();
        assert_eq!((u.path, u.fsync, u.timeout), (PathBuf::from("/tmp/a b.db"), true, Duration::from_millis(2500)));
        for memory in ["sqlite://", "sqlite:///", "sqlite:///:memory:", "sqlite:///:memory:?timeout=1"] {
            let e = sqlite(memory).unwrap_err().to_string();
            assert!(e.contains("in memory") && e.contains("storage=None"), "{e}");
        }
        let e = sqlite("sqlite://u:s3cret@host/db").unwrap_err().to_string();
        assert!(e.contains("three slashes") && !e.contains("s3cret"), "{e}");
        assert!(sqlite("sqlite:///a.db?journal=wal").unwrap_err().to_string().contains("unknown option 'journal'"));
        assert!(sqlite("sqlite:///a.db?timeout=-1").unwrap_err().to_string().contains("timeout"));
        assert!(sqlite("sqlite:///a.db?synchronous=off").unwrap_err().to_string().contains("normal or full"));
        assert!(sqlite("postgresql://h/db").is_err());
        assert!(is_sqlite("SQLite:///x.db") && !is_sqlite("x.db") && !is_sqlite("sqlitex:///x.db"));
    }

    #[test]
    fn credentials_end_at_the_last_at_sign() {
        let p = split("postgresql://u:p@ss/w:x@host:5432/db?sslmode=disable&a=b@c").unwrap();
        assert_eq!((p.user, p.password, p.rest), (Some("u"), Some("p@ss/w:x"), "host:5432/db?sslmode=disable&a=b@c"));
        let p = split("postgres://host/db").unwrap();
        assert_eq!((p.user, p.password, p.rest), (None, None, "host/db"));
        assert_eq!(split("postgresql://u@h/db").unwrap().password, None);
        assert!(split("study.log").is_none());
    }

    #[test]
    fn redacts_every_password() {
        assert_eq!(redact("mysql://u:secretpw@host/db"), "mysql://u:***@host/db");
        assert_eq!(redact("postgresql://u:se@cret@host/db"), "postgresql://u:***@host/db");
        assert_eq!(redact("postgresql://u@host/db"), "postgresql://u@host/db");
        assert_eq!(redact("/tmp/a@b.log"), "/tmp/a@b.log");
    }

    #[test]
    fn normalizing_encodes_the_credentials_once() {
        assert_eq!(normalized("postgresql://u:p@ss@h/db").unwrap(), "postgresql://u:p%40ss@h/db");
        assert_eq!(normalized("postgresql://u:p%40ss@h/db").unwrap(), "postgresql://u:p%40ss@h/db");
        assert_eq!(normalized("postgresql://h/db").unwrap(), "postgresql://h/db");
        assert_eq!(decode("100%"), b"100%");
        assert_eq!(decode("%zz%41"), b"%zzA");
    }
}

//! Storage URLs (`scheme://user:password@host:port/dbname?options`): where the credentials end,
//! and the URL as it may be shown.
//!
//! This is the one parser both languages use (Python asks the core), so what is redacted in a
//! message is exactly what is sent as the password. The credentials end at the LAST `@` before
//! the options (`?`), as browsers and libpq read URLs: a password may hold `@`, `:` or `/`
//! unencoded (`postgresql://u:p@ss/w@host/db` is user `u`, password `p@ss/w`, host `host`).
//! Host names, ports and database names hold no `@`.

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

#[cfg(test)]
mod tests {
    use super::*;

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

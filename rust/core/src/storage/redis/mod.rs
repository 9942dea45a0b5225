//! Redis storage: the shared operation log (`storage::log`) kept in a Redis list, shared by
//! every process that reaches the server (Optuna's `JournalRedisBackend`).
//!
//! The list `<prefix>ferrotune:log` holds one encoded record per element; a replica's position
//! is how many it has applied, and a read asks for the elements after it (`LRANGE`). Every
//! append is one Lua script, which Redis runs atomically: it returns the records this process
//! has not read and pushes its own after them, or, for a checked append, pushes only if the
//! list still has the length the choice was made on. A checked choice that finds records
//! meanwhile stands if none of them touches what it touches (`log::commute`), and is made
//! again otherwise. A choice with side effects (`Append::Locked`, a grid point) is made under
//! `<prefix>ferrotune:lock` (`SET NX PX`), a lease of one minute that one process holds at a
//! time.
//!
//! Durability is the server's: with Redis's default snapshots a server crash may lose recent
//! records; `appendonly yes` (with `appendfsync everysec` or `always`) keeps them.

use std::sync::{Mutex, MutexGuard, RwLock, RwLockWriteGuard};
use std::time::{Duration, Instant};

use super::log::oplog::{Append, OpLog};
use super::log::record::Op;
use super::log::replica::{Applied, Replica};
use super::log::warnings::Warnings;
use super::mem_state::MemState;
use crate::error::{Error, Result};
use crate::storage::log::commute::invalidated;

/// How long the lease for a choice with side effects lasts if its holder dies.
const LEASE: Duration = Duration::from_secs(60);

/// KEYS[1]: the log. ARGV[1]: the length the choice was made on (-1: append whatever came);
/// ARGV[2]: the position read so far; ARGV[3..]: the records. Returns {appended (0/1), the
/// length after, the records after ARGV[2] that came before this append}.
const APPEND: &str = r"
local expect = tonumber(ARGV[1])
local len = redis.call('LLEN', KEYS[1])
local before = redis.call('LRANGE', KEYS[1], ARGV[2], -1)
if expect >= 0 and len ~= expect then
  return {0, len, before}
end
for i = 3, #ARGV do
  len = redis.call('RPUSH', KEYS[1], ARGV[i])
end
return {1, len, before}
";

/// KEYS[1]: the lease; ARGV[1]: its holder's token. Gives it back if still held by that token.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

pub struct RedisStorage {
    client: redis::Client,
    conn: Mutex<Conn>,
    replica: RwLock<Replica>,
    warnings: Warnings,
    log_key: String,
    lock_key: String,
    /// The server as `host:port/db` (no password), for messages.
    target: String,
    append: redis::Script,
    release: redis::Script,
}

struct Conn {
    conn: redis::Connection,
    /// The process that opened it: a forked child must not share its socket.
    pid: u32,
}

fn redis_error(target: &str, doing: &str, e: &redis::RedisError) -> Error {
    Error::Storage(format!("Redis storage {target}: {doing}: {e}"))
}

impl RedisStorage {
    /// Connects to the server of a `redis://[user:password@]host[:port][/db]` URL and reads
    /// the log kept under `prefix`.
    pub fn open(url: &str, prefix: &str) -> Result<Self> {
        let target = describe(url);
        let client = redis::Client::open(url).map_err(|e| {
            Error::InvalidValue(format!("storage URL {}: {e}; write it as redis://[:password@]host[:port][/db]", super::url::redact(url)))
        })?;
        let conn = connect(&client, &target)?;
        let s = RedisStorage {
            client,
            conn: Mutex::new(Conn { conn, pid: crate::storage::pid::current() }),
            replica: RwLock::new(Replica::default()),
            warnings: Warnings::default(),
            log_key: format!("{prefix}ferrotune:log"),
            lock_key: format!("{prefix}ferrotune:lock"),
            target,
            append: redis::Script::new(APPEND),
            release: redis::Script::new(RELEASE),
        };
        {
            let mut c = s.lock_conn()?;
            let mut g = s.write_replica();
            s.catch_up(&mut c.conn, &mut g)?;
        }
        Ok(s)
    }

    /// The server as `host:port/db`, for messages and reprs.
    pub fn target(&self) -> &str {
        &self.target
    }

    fn lock_conn(&self) -> Result<MutexGuard<'_, Conn>> {
        let mut c = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        if c.pid != crate::storage::pid::current() {
            *c = Conn { conn: connect(&self.client, &self.target)?, pid: crate::storage::pid::current() };
        }
        Ok(c)
    }

    fn write_replica(&self) -> RwLockWriteGuard<'_, Replica> {
        // Each replica change is one applied operation, so a poisoned lock holds a consistent state.
        self.replica.write().unwrap_or_else(|e| e.into_inner())
    }

    fn err(&self, doing: &str) -> impl Fn(redis::RedisError) -> Error + '_ {
        let doing = doing.to_string();
        move |e| redis_error(&self.target, &doing, &e)
    }

    /// Applies records read after the replica's position, in order, as every reader does.
    fn apply_records(&self, g: &mut Replica, records: Vec<Vec<u8>>) {
        for body in records {
            match Op::decode(&body) {
                // A record that does not fit the state is skipped by every reader alike.
                Ok(op) => drop(g.apply(op, true)),
                Err(e) => {
                    let at = g.offset;
                    self.warnings.push_once(at, || {
                        format!(
                            "Redis storage {}: skipped log record {at} that could not be decoded ({}); it may come from a newer ferrotune",
                            self.target, e.0
                        )
                    })
                }
            }
            g.offset += 1;
        }
    }

    fn catch_up(&self, conn: &mut redis::Connection, g: &mut Replica) -> Result<()> {
        let records: Vec<Vec<u8>> =
            redis::cmd("LRANGE").arg(&self.log_key).arg(g.offset).arg(-1).query(conn).map_err(self.err("reading the log"))?;
        self.apply_records(g, records);
        Ok(())
    }

    /// One append script: `expect` = the length the choice was made on, `None` to append at
    /// the end. Applies the records that came before it; returns whether it appended, and those
    /// records decoded (what a checked choice is weighed against).
    fn push(&self, conn: &mut redis::Connection, g: &mut Replica, expect: Option<u64>, bodies: &[Vec<u8>]) -> Result<(bool, Vec<Op>)> {
        let mut inv = self.append.key(&self.log_key);
        inv.arg(expect.map_or(-1, |e| e as i64)).arg(g.offset);
        for b in bodies {
            inv.arg(b.as_slice());
        }
        let (appended, _len, before): (i64, u64, Vec<Vec<u8>>) = inv.invoke(conn).map_err(self.err("appending to the log"))?;
        let since = before.iter().filter_map(|b| Op::decode(b).ok()).collect();
        self.apply_records(g, before);
        Ok((appended == 1, since))
    }

    fn take_lease(&self, conn: &mut redis::Connection) -> Result<String> {
        let token = format!("{}-{:x}", std::process::id(), crate::storage::now().to_bits());
        let start = Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            let ok: Option<String> = redis::cmd("SET")
                .arg(&self.lock_key)
                .arg(&token)
                .arg("NX")
                .arg("PX")
                .arg(LEASE.as_millis() as u64)
                .query(conn)
                .map_err(self.err("taking the lease for a grid point"))?;
            if ok.is_some() {
                return Ok(token);
            }
            if start.elapsed() > 10 * LEASE {
                return Err(Error::Storage(format!(
                    "Redis storage {}: the lease {} stayed taken for 10 minutes",
                    self.target, self.lock_key
                )));
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }

    fn give_back(&self, conn: &mut redis::Connection, token: &str) -> Result<()> {
        let _: i64 = self.release.key(&self.lock_key).arg(token).invoke(conn).map_err(self.err("giving the lease back"))?;
        Ok(())
    }

    fn commit_ops(
        &self,
        conn: &mut redis::Connection,
        g: &mut Replica,
        how: Append,
        build: &mut dyn FnMut(&Replica) -> Result<Vec<Op>>,
    ) -> Result<Vec<Applied>> {
        loop {
            self.catch_up(conn, g)?;
            let ops = build(g)?;
            if ops.is_empty() {
                return Ok(Vec::new());
            }
            let bodies: Vec<Vec<u8>> = ops
                .iter()
                .map(|op| {
                    let mut b = Vec::with_capacity(64);
                    op.encode(&mut b);
                    b
                })
                .collect();
            let checked = how == Append::Checked || (how == Append::Create && ops.iter().any(|op| matches!(op, Op::ClaimWaiting { .. })));
            if !checked {
                self.push(conn, g, None, &bodies)?;
                return self.apply_own(g, ops);
            }
            // Checked: push if the log has the length the choice was made on; records that came
            // meanwhile leave it standing unless they touch what it touches.
            loop {
                let seen = g.offset;
                let (appended, since) = self.push(conn, g, Some(seen), &bodies)?;
                if appended {
                    return self.apply_own(g, ops);
                }
                if invalidated(&ops, &since) {
                    break; // choose again on the new state
                }
            }
        }
    }

    /// Applies this process's own records, just appended after everything the replica holds.
    fn apply_own(&self, g: &mut Replica, ops: Vec<Op>) -> Result<Vec<Applied>> {
        let mut out = Vec::with_capacity(ops.len());
        let mut first_err = None;
        for op in ops {
            // Readers skip a record that does not fit; so does this one, and says why.
            match g.apply(op, true) {
                Ok(a) => out.push(a),
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
            g.offset += 1;
        }
        match first_err {
            Some(e) => Err(e),
            None => Ok(out),
        }
    }
}

impl OpLog for RedisStorage {
    fn view<R>(&self, f: impl FnOnce(&MemState) -> Result<R>) -> Result<R> {
        let mut c = self.lock_conn()?;
        let mut g = self.write_replica();
        self.catch_up(&mut c.conn, &mut g)?;
        drop(c);
        f(&g.state)
    }

    fn known<R>(&self, f: impl FnOnce(&MemState) -> R) -> R {
        f(&self.replica.read().unwrap_or_else(|e| e.into_inner()).state)
    }

    fn commit(&self, how: Append, build: &mut dyn FnMut(&Replica) -> Result<Vec<Op>>) -> Result<Vec<Applied>> {
        let mut c = self.lock_conn()?;
        let mut g = self.write_replica();
        if how != Append::Locked {
            return self.commit_ops(&mut c.conn, &mut g, how, build);
        }
        let token = self.take_lease(&mut c.conn)?;
        // Under the lease no other process makes a locked choice: append at the end.
        let r = self.commit_ops(&mut c.conn, &mut g, Append::Blind, build);
        let released = self.give_back(&mut c.conn, &token);
        let r = r?;
        released?;
        Ok(r)
    }

    fn drain_warnings(&self) -> Vec<String> {
        self.warnings.drain()
    }
}

fn connect(client: &redis::Client, target: &str) -> Result<redis::Connection> {
    client.get_connection_with_timeout(Duration::from_secs(10)).map_err(|e| redis_error(target, "connecting", &e))
}

/// `host:port/db` of a Redis URL, without credentials.
fn describe(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    host.split('?').next().unwrap_or(host).to_string()
}

#[cfg(test)]
mod tests;

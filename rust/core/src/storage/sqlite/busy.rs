//! Waiting for a lock another process holds.
//!
//! SQLite's own busy handler sleeps 1, 2, 5, 10, ... milliseconds between attempts, while a
//! commit holds the write lock for tens of microseconds: with several processes on one file,
//! nearly every wait overslept by a millisecond or more. This one tries again at once a few
//! times, then backs off from 10 µs to at most about a millisecond, until the timeout.

use std::cell::Cell;
use std::ffi::{c_int, c_void};
use std::time::{Duration, Instant};

use rusqlite::{ffi, Connection};

/// A connection's wait: its timeout, and when the current wait began.
pub struct Busy {
    timeout: Duration,
    since: Cell<Instant>,
}

impl Busy {
    pub fn new(timeout: Duration) -> Box<Busy> {
        Box::new(Busy { timeout: timeout.max(Duration::from_millis(1)), since: Cell::new(Instant::now()) })
    }
}

/// Calls of the handler in this process (tests wait for a writer to be waiting).
#[cfg(test)]
pub static WAITS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Attempts made without sleeping before the back-off starts.
const SPINS: c_int = 4;

/// SQLite's busy callback: nonzero to try again, zero to give up (the call fails with BUSY).
unsafe extern "C" fn wait(arg: *mut c_void, count: c_int) -> c_int {
    // SAFETY: `arg` is the `Busy` installed with the handler, which outlives the connection
    // (see `install`); the callback runs on the thread using the connection.
    let b = unsafe { &*(arg as *const Busy) };
    #[cfg(test)]
    WAITS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let now = Instant::now();
    if count == 0 {
        b.since.set(now);
    }
    let waited = now.saturating_duration_since(b.since.get());
    if waited >= b.timeout {
        return 0;
    }
    if count < SPINS {
        std::thread::yield_now();
    } else {
        let pause = Duration::from_micros(10u64 << (count - SPINS).min(7));
        std::thread::sleep(pause.min(b.timeout - waited));
    }
    1
}

/// Makes `conn` wait through `busy`, which must live as long as the connection stays open
/// (the caller keeps it boxed beside the connection, dropped after it).
pub fn install(conn: &Connection, busy: &Busy) -> rusqlite::Result<()> {
    // SAFETY: an open connection, used by this thread alone; the pointer stays valid (above).
    let rc = unsafe { ffi::sqlite3_busy_handler(conn.handle(), Some(wait), busy as *const Busy as *mut c_void) };
    if rc == ffi::SQLITE_OK {
        Ok(())
    } else {
        Err(rusqlite::Error::SqliteFailure(ffi::Error::new(rc), Some("installing the busy handler".into())))
    }
}

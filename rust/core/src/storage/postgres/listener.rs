//! A background thread that listens for the log heads other connections announce, so a read
//! knows without a round trip whether its replica is behind.
//!
//! The synchronous client only reads its socket while a call is in progress, so notifications
//! are taken on a second connection by a thread that blocks on them and publishes the highest
//! head in an atomic. While that connection is down, reads fetch from the database every time.
//! The thread also announces the records this process appended without a notification (trial
//! parameters, results, ...), at most once per `ANNOUNCE`.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use postgres::fallible_iterator::FallibleIterator;
use postgres::{Config, NoTls};

use super::schema::CHANNEL;

/// How long the thread waits for a notification before it looks at its flags again.
const POLL: Duration = Duration::from_millis(50);
/// The longest a record appended without a notification goes unannounced.
pub const ANNOUNCE: Duration = Duration::from_millis(100);
/// Wait before reconnecting after the listening connection failed.
const RETRY: Duration = Duration::from_millis(500);

#[derive(Default)]
struct Shared {
    /// The highest log head announced.
    seen: AtomicU64,
    /// The head of the records this process appended without announcing them.
    pending: AtomicU64,
    /// True while the thread is listening.
    listening: AtomicBool,
    /// Set when the thread (re)starts listening: notifications may have been missed before.
    missed: AtomicBool,
    stop: AtomicBool,
}

pub struct Listener {
    shared: Arc<Shared>,
    /// The process that started the thread: a forked child has no such thread.
    pid: u32,
}

/// What a read may assume about the log.
pub enum Freshness {
    /// The replica holds every record announced so far.
    Current,
    /// Fetch before reading.
    Behind,
}

impl Listener {
    pub fn start(config: Config) -> Listener {
        let shared = Arc::new(Shared::default());
        let s = Arc::clone(&shared);
        let spawned = std::thread::Builder::new().name("ferrotune-pg-listen".into()).spawn(move || run(&config, &s));
        if spawned.is_err() {
            // Without the thread every read fetches: slower, still correct.
            shared.listening.store(false, Ordering::Release);
        }
        Listener { shared, pid: crate::storage::pid::current() }
    }

    /// Whether a replica that has applied the log up to `head` may be read as it is (for a
    /// listener of this process: the caller checks `inherited` first).
    pub fn freshness(&self, head: u64) -> Freshness {
        let sh = &self.shared;
        if !sh.listening.load(Ordering::Acquire) || sh.missed.load(Ordering::Acquire) {
            return Freshness::Behind;
        }
        if sh.seen.load(Ordering::Acquire) > head {
            Freshness::Behind
        } else {
            Freshness::Current
        }
    }

    /// Records that this process appended up to `head` without a notification.
    pub fn pending(&self, head: u64) {
        self.shared.pending.fetch_max(head, Ordering::AcqRel);
    }

    /// Called before a fetch: whatever was missed before now is covered by it.
    pub fn fetching(&self) {
        self.shared.missed.store(false, Ordering::Release);
    }

    /// True when this listener was started by another process (the parent of a fork).
    pub fn inherited(&self) -> bool {
        self.pid != crate::storage::pid::current()
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
    }
}

fn run(config: &Config, sh: &Shared) {
    while !sh.stop.load(Ordering::Acquire) {
        if listen(config, sh).is_err() {
            sh.listening.store(false, Ordering::Release);
            std::thread::sleep(RETRY);
        }
    }
}

fn listen(config: &Config, sh: &Shared) -> Result<(), postgres::Error> {
    let mut client = config.connect(NoTls)?;
    client.batch_execute(&format!("LISTEN {CHANNEL}"))?;
    sh.missed.store(true, Ordering::Release);
    sh.listening.store(true, Ordering::Release);
    let mut announced = 0;
    let mut last = Instant::now();
    while !sh.stop.load(Ordering::Acquire) {
        let note = client.notifications().timeout_iter(POLL).next()?;
        if let Some(head) = note.and_then(|n| n.payload().parse::<u64>().ok()) {
            sh.seen.fetch_max(head, Ordering::AcqRel);
        }
        if client.is_closed() {
            // Surfaces the connection's error, so the caller reconnects.
            client.batch_execute("SELECT 1")?;
        }
        let pending = sh.pending.load(Ordering::Acquire);
        if pending > announced && last.elapsed() >= ANNOUNCE {
            client.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &pending.to_string()])?;
            announced = pending;
            last = Instant::now();
        }
    }
    Ok(())
}

//! A thread per storage that sends deferred parameter records (see `deferred`) that waited
//! `DEADLINE` without a later write to carry them: a trial's training may run for minutes after
//! its parameters were chosen, and other workers (or a retry of the trial after a crash) need
//! them meanwhile.
//!
//! The thread holds a weak reference to the storage (`FlushTarget`), whose
//! `flush_in_background` takes its locks in the usual order (PostgreSQL: connection, then
//! replica; journal: replica, then file lock). Fork: threads are not copied, so a child forgets
//! its parent's flusher and starts its own; and `fork` waits (`gate`) until no flusher holds the
//! storage's locks, which the child would otherwise inherit locked forever.

use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::{Duration, Instant};

/// A storage whose deferred records a flusher thread sends.
pub trait FlushTarget: Send + Sync {
    /// Sends the deferred records now; a failure keeps them and schedules a retry.
    fn flush_in_background(&self);
}

/// The longest a deferred record waits before it is sent.
pub const DEADLINE: Duration = Duration::from_millis(50);

#[derive(Default)]
struct Sched {
    /// When to send the deferred records; `None` while none wait.
    due: Option<Instant>,
    /// The thread waits without a deadline (and must be woken for a new one).
    idle: bool,
    stop: bool,
}

#[derive(Default)]
struct Shared {
    sched: Mutex<Sched>,
    wake: Condvar,
}

pub struct Flusher {
    shared: Arc<Shared>,
    /// The process whose thread this is.
    pid: u32,
}

impl Flusher {
    /// Starts the thread; `None` if it cannot be started (records then wait for the next write).
    pub fn start(storage: Weak<dyn FlushTarget>) -> Option<Flusher> {
        gate::install();
        let shared = Arc::new(Shared::default());
        let s = Arc::clone(&shared);
        std::thread::Builder::new().name("ferrotune-flush".into()).spawn(move || run(&storage, &s)).ok()?;
        Some(Flusher { shared, pid: crate::storage::pid::current() })
    }

    fn sched(&self) -> std::sync::MutexGuard<'_, Sched> {
        self.shared.sched.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A first record waits now: send it within `deadline`.
    pub fn deferred(&self, deadline: Duration) {
        self.due_in(deadline, false);
    }

    /// A send failed: try again after `delay`.
    pub fn retry(&self, delay: Duration) {
        self.due_in(delay, true);
    }

    fn due_in(&self, delay: Duration, replace: bool) {
        let mut s = self.sched();
        if s.due.is_none() || replace {
            s.due = Some(Instant::now() + delay);
            if s.idle {
                self.shared.wake.notify_one();
            }
        }
    }

    /// Every deferred record was sent.
    pub fn sent(&self) {
        self.sched().due = None;
    }
}

impl Drop for Flusher {
    fn drop(&mut self) {
        if self.pid != crate::storage::pid::current() {
            // A forked child's copy: no thread to stop, and its lock may be held forever here.
            return;
        }
        self.sched().stop = true;
        self.shared.wake.notify_one();
    }
}

fn run(storage: &Weak<dyn FlushTarget>, sh: &Shared) {
    while wait_due(sh) {
        let Some(inner) = storage.upgrade() else { return };
        gate::enter();
        inner.flush_in_background();
        gate::leave();
    }
}

/// Waits until the records are due; false once the storage is gone.
fn wait_due(sh: &Shared) -> bool {
    let mut s = sh.sched.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        if s.stop {
            return false;
        }
        match s.due {
            None => {
                s.idle = true;
                s = sh.wake.wait(s).unwrap_or_else(|e| e.into_inner());
                s.idle = false;
            }
            Some(due) => {
                let now = Instant::now();
                if now >= due {
                    // A failed send sets a new deadline; a successful one leaves none.
                    s.due = None;
                    return true;
                }
                s = sh.wake.wait_timeout(s, due - now).unwrap_or_else(|e| e.into_inner()).0;
            }
        }
    }
}

/// Keeps `fork` from copying a storage's locks while a flusher holds them: a `pthread_atfork`
/// handler waits (up to `FORK_WAIT`) until no flusher is inside a send, and none starts one
/// until the fork is done.
mod gate {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
    use std::time::Duration;
    #[cfg(unix)]
    use std::time::Instant;

    static FORKING: AtomicBool = AtomicBool::new(false);
    static ACTIVE: AtomicUsize = AtomicUsize::new(0);
    /// A send stuck on the network does not hold up a fork longer than this.
    #[cfg(unix)]
    const FORK_WAIT: Duration = Duration::from_secs(2);

    pub fn enter() {
        loop {
            ACTIVE.fetch_add(1, SeqCst);
            if !FORKING.load(SeqCst) {
                return;
            }
            ACTIVE.fetch_sub(1, SeqCst);
            while FORKING.load(SeqCst) {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    }

    pub fn leave() {
        ACTIVE.fetch_sub(1, SeqCst);
    }

    #[cfg(unix)]
    pub fn install() {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            // SAFETY: the handlers only touch atomics (and sleep, before the fork).
            unsafe {
                libc::pthread_atfork(Some(prepare), Some(resume), Some(resume_child));
            }
        });
    }

    #[cfg(not(unix))]
    pub fn install() {}

    #[cfg(unix)]
    extern "C" fn prepare() {
        FORKING.store(true, SeqCst);
        let start = Instant::now();
        while ACTIVE.load(SeqCst) > 0 && start.elapsed() < FORK_WAIT {
            std::thread::sleep(Duration::from_micros(200));
        }
    }

    #[cfg(unix)]
    extern "C" fn resume() {
        FORKING.store(false, SeqCst);
    }

    #[cfg(unix)]
    extern "C" fn resume_child() {
        ACTIVE.store(0, SeqCst);
        FORKING.store(false, SeqCst);
    }
}

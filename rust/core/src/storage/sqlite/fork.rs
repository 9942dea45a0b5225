//! The locks a forked child must take itself.
//!
//! SQLite keeps, per process, a record of the locks its connections hold on each file. A
//! forked child inherits that record but not the locks: POSIX locks belong to a process. A
//! connection the child then opens to the same file believes the process already holds the
//! database's shared lock (which a connection in WAL mode holds as long as it is open) and the
//! shared lock on the shared memory's "dead man switch", and takes neither. When the parent
//! closes its last connection it finds no other holder, checkpoints, and removes the
//! write-ahead log and the shared memory under the child, whose later commits are lost.
//!
//! So the process keeps one read-only descriptor on each database file it uses and one on its
//! `-shm`, and a `pthread_atfork` handler takes, in the child, the two read locks the inherited
//! record claims (byte offsets from SQLite's documented locking: the shared range of the
//! database file, byte 128 of the shared memory). A descriptor is closed only once no storage
//! of the process uses its file: closing any descriptor of a file drops every lock the process
//! holds on it.

use std::os::unix::fs::MetadataExt;
use std::os::unix::io::IntoRawFd;
use std::path::Path;
use std::sync::atomic::{AtomicI32, Ordering::SeqCst};
use std::sync::Mutex;

/// Files with descriptors at once (more are used without, as before this module).
const SLOTS: usize = 64;
/// SQLite's shared lock: a read lock on 510 bytes after `PENDING_BYTE + 2` of the database file.
const SHARED_FIRST: i64 = 0x4000_0000 + 2;
const SHARED_SIZE: i64 = 510;
/// The shared memory's dead man switch (`UNIX_SHM_DMS`).
const DMS: i64 = 128;

// The handler reads these without a lock (it runs in the child, where a lock held at the fork
// stays held): a slot's database descriptor, set last and cleared first, says it is usable.
static DB_FDS: [AtomicI32; SLOTS] = [const { AtomicI32::new(-1) }; SLOTS];
static SHM_FDS: [AtomicI32; SLOTS] = [const { AtomicI32::new(-1) }; SLOTS];

struct Entry {
    dev: u64,
    ino: u64,
    slot: usize,
    users: usize,
}

static FILES: Mutex<Vec<Entry>> = Mutex::new(Vec::new());

/// A storage's hold on its file's descriptors; dropped after its connection.
pub struct Anchor {
    slot: usize,
}

/// Keeps descriptors on the database at `path` (open, in WAL mode) while the returned anchor
/// lives; `None` when they cannot be opened or every slot is taken.
pub fn anchor(path: &Path) -> Option<Anchor> {
    let meta = std::fs::metadata(path).ok()?;
    let mut files = FILES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(e) = files.iter_mut().find(|e| e.dev == meta.dev() && e.ino == meta.ino()) {
        e.users += 1;
        return Some(Anchor { slot: e.slot });
    }
    let slot = (0..SLOTS).find(|&i| DB_FDS[i].load(SeqCst) < 0 && !files.iter().any(|e| e.slot == i))?;
    let db = std::fs::File::open(path).ok()?;
    let mut shm_path = path.as_os_str().to_owned();
    shm_path.push("-shm");
    let shm = std::fs::File::open(&shm_path).ok()?;
    install();
    SHM_FDS[slot].store(shm.into_raw_fd(), SeqCst);
    DB_FDS[slot].store(db.into_raw_fd(), SeqCst);
    files.push(Entry { dev: meta.dev(), ino: meta.ino(), slot, users: 1 });
    Some(Anchor { slot })
}

impl Drop for Anchor {
    fn drop(&mut self) {
        let mut files = FILES.lock().unwrap_or_else(|e| e.into_inner());
        let Some(at) = files.iter().position(|e| e.slot == self.slot) else { return };
        files[at].users -= 1;
        if files[at].users > 0 {
            return;
        }
        files.remove(at);
        // No connection of this process uses the file any more: no lock is lost by closing.
        for fds in [&DB_FDS, &SHM_FDS] {
            let fd = fds[self.slot].swap(-1, SeqCst);
            if fd >= 0 {
                // SAFETY: the descriptor was opened by `anchor` and is closed once, here.
                unsafe { libc::close(fd) };
            }
        }
    }
}

fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: the handler only reads atomics and calls fcntl, which is async-signal-safe.
        unsafe {
            libc::pthread_atfork(None, None, Some(take_locks_in_child));
        }
    });
}

fn read_lock(fd: i32, start: i64, len: i64) {
    // SAFETY: a plain POSIX record lock on a descriptor this process owns.
    unsafe {
        let mut fl: libc::flock = std::mem::zeroed();
        fl.l_type = libc::F_RDLCK as _;
        fl.l_whence = libc::SEEK_SET as _;
        fl.l_start = start as _;
        fl.l_len = len as _;
        libc::fcntl(fd, libc::F_SETLK, &fl);
    }
}

extern "C" fn take_locks_in_child() {
    for i in 0..SLOTS {
        let db = DB_FDS[i].load(SeqCst);
        if db < 0 {
            continue;
        }
        // A failure means another process holds the file exclusively: then no connection of
        // the parent was open on it either (they hold the shared lock), and nothing is claimed.
        read_lock(db, SHARED_FIRST, SHARED_SIZE);
        let shm = SHM_FDS[i].load(SeqCst);
        if shm >= 0 {
            read_lock(shm, DMS, 1);
        }
    }
}

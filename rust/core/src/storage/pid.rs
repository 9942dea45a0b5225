//! This process's id, for the storages' fork checks, without a system call.
//!
//! Every storage compares the process that opened its connection or file with the current one
//! (a forked child opens its own), several times per trial; glibc no longer caches `getpid`,
//! so each comparison was a system call. The id is read once and refreshed in a forked child
//! by a `pthread_atfork` handler (`fork` runs it; `getpid` is async-signal-safe there).

#[cfg(unix)]
mod imp {
    use std::sync::atomic::{AtomicU32, Ordering::Relaxed};
    use std::sync::Once;

    static PID: AtomicU32 = AtomicU32::new(0);
    static INSTALL: Once = Once::new();

    extern "C" fn in_child() {
        // SAFETY: getpid has no preconditions.
        PID.store(unsafe { libc::getpid() } as u32, Relaxed);
    }

    pub fn current() -> u32 {
        INSTALL.call_once(|| {
            PID.store(std::process::id(), Relaxed);
            // SAFETY: the handler only stores into an atomic.
            unsafe {
                libc::pthread_atfork(None, None, Some(in_child));
            }
        });
        PID.load(Relaxed)
    }
}

#[cfg(not(unix))]
mod imp {
    pub fn current() -> u32 {
        std::process::id()
    }
}

/// The id of the process running now (a forked child sees its own).
pub fn current() -> u32 {
    imp::current()
}

#[cfg(all(test, unix))]
mod tests {
    #[test]
    fn a_forked_child_sees_its_own_id() {
        let parent = super::current();
        assert_eq!(parent, std::process::id());
        let (mut r, mut w) = std::io::pipe().unwrap();
        // SAFETY: the child only computes, writes to a pipe and exits.
        let child = unsafe { libc::fork() };
        assert!(child >= 0);
        if child == 0 {
            use std::io::Write;
            let ok = super::current() == std::process::id() && super::current() != parent;
            let _ = w.write_all(&[ok as u8]);
            unsafe { libc::_exit(0) };
        }
        drop(w);
        let mut buf = [0u8; 1];
        use std::io::Read;
        r.read_exact(&mut buf).unwrap();
        unsafe { libc::waitpid(child, std::ptr::null_mut(), 0) };
        assert_eq!(buf[0], 1, "the child saw its parent's id");
        assert_eq!(super::current(), parent);
    }
}

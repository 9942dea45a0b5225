//! Spreading independent pieces of one suggestion (candidate blocks, local searches) over the
//! machine's cores. Each piece computes the same thing whichever thread runs it and results are
//! put back in input order, so proposals do not depend on the number of threads.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// Threads used by one suggestion: the available parallelism, at most 8, or the
/// `FERROTUNE_GP_THREADS` environment variable when set (1 turns threading off).
pub fn threads() -> usize {
    static N: OnceLock<usize> = OnceLock::new();
    *N.get_or_init(|| {
        let env = std::env::var("FERROTUNE_GP_THREADS").ok().and_then(|v| v.parse::<usize>().ok()).filter(|&n| n >= 1);
        env.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()).min(8))
    })
}

/// `(0..n).map(f).collect()`, with the calls spread over up to [`threads`] threads.
pub fn map<T: Send>(n: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let t = threads().min(n);
    if t <= 1 {
        return (0..n).map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let mut parts: Vec<(usize, T)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..t)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= n {
                            return mine;
                        }
                        mine.push((i, f(i)));
                    }
                })
            })
            .collect();
        // A panic in a task is a bug; carry it to the caller (the glue turns it into an error).
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
    });
    parts.sort_by_key(|(i, _)| *i);
    parts.into_iter().map(|(_, v)| v).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_come_back_in_order() {
        let v = super::map(1000, |i| i * i);
        assert_eq!(v, (0..1000).map(|i| i * i).collect::<Vec<_>>());
        assert!(super::map(0, |i| i).is_empty());
    }
}

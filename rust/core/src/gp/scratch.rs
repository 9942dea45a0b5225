//! A process-wide pool of `f64` buffers for the per-block matrices of a suggestion (a few
//! hundred kilobytes each): a fresh buffer of that size comes from the operating system and
//! costs page faults every time, a pooled one is already mapped.

use std::sync::Mutex;

/// Buffers kept for reuse (enough for every thread of a few concurrent suggestions).
const KEEP: usize = 32;

static POOL: Mutex<Vec<Vec<f64>>> = Mutex::new(Vec::new());

/// A buffer of `len` values (contents unspecified); give it back with [`put`].
pub fn take(len: usize) -> Vec<f64> {
    let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    // The smallest pooled buffer that is large enough, else the largest one (it grows once).
    let pick = (0..pool.len())
        .filter(|&i| pool[i].capacity() >= len)
        .min_by_key(|&i| pool[i].capacity())
        .or_else(|| (0..pool.len()).max_by_key(|&i| pool[i].capacity()));
    let mut v = pick.map(|i| pool.swap_remove(i)).unwrap_or_default();
    drop(pool);
    v.resize(len, 0.0);
    v
}

/// Returns a buffer to the pool.
pub fn put(v: Vec<f64>) {
    let mut pool = POOL.lock().unwrap_or_else(|e| e.into_inner());
    if pool.len() < KEEP {
        pool.push(v);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn buffers_are_reused_and_sized() {
        let a = super::take(1000);
        assert_eq!(a.len(), 1000);
        let p = a.as_ptr();
        super::put(a);
        let b = super::take(500);
        assert_eq!(b.len(), 500);
        // The same allocation came back (other tests may use the pool concurrently, so only
        // check when it did).
        if b.as_ptr() == p {
            assert!(b.capacity() >= 1000);
        }
        super::put(b);
    }
}

//! The values of the user's callbacks (`gamma`, `weights`, categorical distances), computed
//! with no lock held.
//!
//! A suggestion runs under the storage's read lock and the sampler's per-study mutex. A user
//! callback may block on anything: a Python one waits for the GIL, and may itself read or
//! write the study. So a suggestion never calls one: when it needs a value not computed yet it
//! returns `Error::Deferred` carrying the work, the engine runs that work after releasing its
//! locks, and tries the suggestion again, which then finds the value here.
//!
//! Values are kept by argument (callbacks are functions of `n` and of a pair of choices, as in
//! Optuna); `gamma` and `weights` keep the few most recently used sizes, since a study asks
//! for new sizes as it grows, and distance tables are kept per choice list.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::{DistanceFn, GammaFn, WeightsFn};
use crate::error::{Deferred, Error, Result};
use crate::space::Choice;

/// Sizes kept per callback; a suggestion needs at most three (gamma, below, above) and
/// concurrent suggestions a few more.
const KEPT: usize = 32;

/// The most recently used values of a function of `n`.
struct Recent<T> {
    entries: Vec<(usize, T, u64)>,
    clock: u64,
}

impl<T: Clone> Recent<T> {
    fn get(&mut self, n: usize) -> Option<T> {
        self.clock += 1;
        let now = self.clock;
        self.entries.iter_mut().find(|e| e.0 == n).map(|e| {
            e.2 = now;
            e.1.clone()
        })
    }

    fn put(&mut self, n: usize, v: T) {
        self.clock += 1;
        if let Some(e) = self.entries.iter_mut().find(|e| e.0 == n) {
            *e = (n, v, self.clock);
            return;
        }
        if self.entries.len() >= KEPT {
            if let Some(oldest) = self.entries.iter().enumerate().min_by_key(|(_, e)| e.2).map(|(i, _)| i) {
                self.entries.swap_remove(oldest);
            }
        }
        self.entries.push((n, v, self.clock));
    }
}

impl<T> Default for Recent<T> {
    fn default() -> Self {
        Recent { entries: Vec::new(), clock: 0 }
    }
}

#[derive(Default)]
struct Ready {
    gamma: Recent<usize>,
    weights: Recent<Arc<Vec<f64>>>,
    /// (parameter, its choices, their distance table); a study has few such lists.
    distances: Vec<(String, Vec<Choice>, Arc<Vec<f64>>)>,
}

/// The user's callbacks and the values computed from them so far.
pub struct Callbacks {
    gamma: Option<Arc<GammaFn>>,
    weights: Option<Arc<WeightsFn>>,
    distances: HashMap<String, Arc<DistanceFn>>,
    ready: Arc<Mutex<Ready>>,
}

fn lock(r: &Mutex<Ready>) -> std::sync::MutexGuard<'_, Ready> {
    r.lock().unwrap_or_else(|e| e.into_inner())
}

impl Callbacks {
    pub fn new(gamma: Option<Arc<GammaFn>>, weights: Option<Arc<WeightsFn>>, distances: HashMap<String, Arc<DistanceFn>>) -> Self {
        Callbacks { gamma, weights, distances, ready: Arc::default() }
    }

    pub fn has_gamma(&self) -> bool {
        self.gamma.is_some()
    }

    pub fn has_weights(&self) -> bool {
        self.weights.is_some()
    }

    pub fn has_distance(&self, name: &str) -> bool {
        self.distances.contains_key(name)
    }

    /// The user's `gamma(n)`, or the work that computes it.
    pub fn gamma(&self, n: usize) -> Result<usize> {
        let Some(f) = &self.gamma else { return Err(Error::InvalidValue("no gamma function was given".into())) };
        if let Some(v) = lock(&self.ready).gamma.get(n) {
            return Ok(v);
        }
        let (f, ready) = (f.clone(), self.ready.clone());
        Err(Error::Deferred(Deferred::new(move || {
            let v = f(n)?;
            lock(&ready).gamma.put(n, v);
            Ok(())
        })))
    }

    /// The user's `weights(n)` as returned (checked by the caller), or the work that computes it.
    pub fn weights(&self, n: usize) -> Result<Arc<Vec<f64>>> {
        let Some(f) = &self.weights else { return Err(Error::InvalidValue("no weights function was given".into())) };
        if let Some(v) = lock(&self.ready).weights.get(n) {
            return Ok(v);
        }
        let (f, ready) = (f.clone(), self.ready.clone());
        Err(Error::Deferred(Deferred::new(move || {
            let v = Arc::new(f(n)?);
            lock(&ready).weights.put(n, v);
            Ok(())
        })))
    }

    /// The distances between the choices of categorical parameter `name` (row-major
    /// `k × k`), `None` without a distance function for it, or the work that computes them.
    pub fn distance_table(&self, name: &str, choices: &[Choice]) -> Result<Option<Arc<Vec<f64>>>> {
        let Some(f) = self.distances.get(name) else { return Ok(None) };
        if let Some(t) = lock(&self.ready).distances.iter().find(|e| e.0 == name && e.1 == choices) {
            return Ok(Some(t.2.clone()));
        }
        let (f, ready) = (f.clone(), self.ready.clone());
        let (name, choices) = (name.to_string(), choices.to_vec());
        Err(Error::Deferred(Deferred::new(move || {
            let mut t = Vec::with_capacity(choices.len() * choices.len());
            for a in &choices {
                for b in &choices {
                    let d = f(a, b)?;
                    if !(d.is_finite() && d >= 0.0) {
                        return Err(Error::InvalidValue(format!(
                            "the distance function of parameter '{name}' returned {d} for ({}, {}); return a finite number >= 0",
                            a.repr(),
                            b.repr()
                        )));
                    }
                    t.push(d);
                }
            }
            let mut r = lock(&ready);
            if !r.distances.iter().any(|e| e.0 == name && e.1 == choices) {
                r.distances.push((name.clone(), choices.clone(), Arc::new(t)));
            }
            Ok(())
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Runs `f` the way the engine does: deferred work outside, then again.
    fn resolve<T>(mut f: impl FnMut() -> Result<T>) -> Result<T> {
        loop {
            match f() {
                Err(Error::Deferred(d)) => d.run()?,
                r => return r,
            }
        }
    }

    #[test]
    fn values_are_computed_by_deferred_work_once_per_argument() {
        let calls = Arc::new(AtomicUsize::new(0));
        let c2 = calls.clone();
        let gamma: Arc<GammaFn> = Arc::new(move |n| {
            c2.fetch_add(1, Ordering::Relaxed);
            Ok(n / 2)
        });
        let cb = Callbacks::new(Some(gamma), None, HashMap::new());
        assert!(matches!(cb.gamma(10), Err(Error::Deferred(_))));
        assert_eq!(resolve(|| cb.gamma(10)).unwrap(), 5);
        assert_eq!(resolve(|| cb.gamma(10)).unwrap(), 5);
        assert_eq!(calls.load(Ordering::Relaxed), 1);
        assert_eq!(resolve(|| cb.gamma(7)).unwrap(), 3);
        assert_eq!(calls.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn a_callback_error_is_the_result() {
        let weights: Arc<WeightsFn> = Arc::new(|_| Err(Error::Callback(crate::error::CallbackError::new("boom", 7u8))));
        let cb = Callbacks::new(None, Some(weights), HashMap::new());
        match resolve(|| cb.weights(3)) {
            Err(Error::Callback(e)) => assert_eq!(e.payload::<u8>(), Some(&7)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn only_recent_sizes_are_kept() {
        let weights: Arc<WeightsFn> = Arc::new(|n| Ok(vec![1.0; n]));
        let cb = Callbacks::new(None, Some(weights), HashMap::new());
        for n in 0..(3 * KEPT) {
            assert_eq!(resolve(|| cb.weights(n)).unwrap().len(), n);
        }
        assert_eq!(lock(&cb.ready).weights.entries.len(), KEPT);
        assert!(cb.weights(3 * KEPT - 1).is_ok());
        assert!(cb.weights(0).is_err());
    }

    #[test]
    fn distance_tables_check_the_values() {
        let d: Arc<DistanceFn> = Arc::new(|a, b| match (a, b) {
            (Choice::Int(x), Choice::Int(y)) => Ok((x - y).abs() as f64),
            _ => Ok(f64::NAN),
        });
        let cb = Callbacks::new(None, None, HashMap::from([("c".to_string(), d)]));
        assert!(cb.distance_table("other", &[Choice::Int(1)]).unwrap().is_none());
        let t = resolve(|| cb.distance_table("c", &[Choice::Int(1), Choice::Int(4)])).unwrap().unwrap();
        assert_eq!(*t, vec![0.0, 3.0, 3.0, 0.0]);
        let e = resolve(|| cb.distance_table("c", &[Choice::Int(1), Choice::Str("a".into())])).unwrap_err();
        assert!(e.to_string().contains("parameter 'c'"), "{e}");
    }
}

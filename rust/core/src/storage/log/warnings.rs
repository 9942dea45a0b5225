//! Messages a log-backed storage gathers for the user (a damaged tail skipped, an undecodable
//! record, parameters that could not be written), drained by the engine after each call.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

#[derive(Default)]
pub(crate) struct Warnings {
    messages: Mutex<Vec<String>>,
    /// Where in the log the warnings given once were about (a rebuild reads those places again).
    said: Mutex<HashSet<u64>>,
    /// Lets `drain` skip the lock on every call when there is nothing to say (the common case).
    any: AtomicBool,
}

impl Warnings {
    pub fn push(&self, msg: String) {
        self.messages.lock().unwrap_or_else(|e| e.into_inner()).push(msg);
        self.any.store(true, Ordering::Release);
    }

    /// Pushes `msg` unless a warning about the same place `at` of the log was pushed before.
    pub fn push_once(&self, at: u64, msg: impl FnOnce() -> String) {
        if self.said.lock().unwrap_or_else(|e| e.into_inner()).insert(at) {
            self.push(msg());
        }
    }

    pub fn drain(&self) -> Vec<String> {
        if !self.any.swap(false, Ordering::Acquire) {
            return Vec::new();
        }
        std::mem::take(&mut *self.messages.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

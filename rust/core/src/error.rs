//! Typed errors. Each variant maps to one exception class of `ferrotune.exceptions`,
//! so the Python layer never has to parse messages.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

/// Every failure the core can report. Messages name the offending parameter and the fix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    /// A distribution is malformed (low > high, log with low <= 0, bad step, empty choices, ...).
    #[error("{0}")]
    InvalidDistribution(String),
    /// A value or argument is out of its allowed domain (wrong number of values, bad state, ...).
    #[error("{0}")]
    InvalidValue(String),
    /// The same parameter name was suggested twice in one trial with different distributions.
    #[error("{0}")]
    IncompatibleParam(String),
    #[error("{0}")]
    StudyNotFound(String),
    #[error("{0}")]
    DuplicatedStudy(String),
    #[error("{0}")]
    TrialNotFound(String),
    /// A finished trial was asked to change (tell twice, report after tell, ...).
    #[error("{0}")]
    UpdateFinishedTrial(String),
    /// The storage could not do what was asked (I/O, corruption, ...).
    #[error("{0}")]
    Storage(String),
    /// A user callback (a sampler's `gamma`, say) failed; the caller's own error travels inside,
    /// so a binding can hand it back unchanged.
    #[error("{0}")]
    Callback(CallbackError),
    /// A sampler needs the value of a user callback it must not call under a lock: the caller
    /// runs this work with no lock held, then tries again (see `engine::StudyEngine`).
    #[error("internal: deferred sampler work was not run")]
    Deferred(Deferred),
}

/// An error raised by a user callback, carried opaquely (the core never looks inside).
#[derive(Clone)]
pub struct CallbackError {
    message: String,
    payload: Arc<dyn Any + Send + Sync>,
}

impl CallbackError {
    /// `payload` is the binding's own error (a Python exception); `message` describes it.
    pub fn new(message: impl Into<String>, payload: impl Any + Send + Sync) -> Self {
        CallbackError { message: message.into(), payload: Arc::new(payload) }
    }

    /// The binding's error, when it is a `T`.
    pub fn payload<T: Any>(&self) -> Option<&T> {
        self.payload.downcast_ref::<T>()
    }
}

impl fmt::Display for CallbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Debug for CallbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CallbackError({:?})", self.message)
    }
}

impl PartialEq for CallbackError {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.payload, &other.payload)
    }
}

/// Work a sampler hands back to be run with no lock held: it calls user code, which may block
/// (on the GIL, on the study it reads) and so must never run while the core holds a lock.
#[derive(Clone)]
pub struct Deferred(Arc<dyn Fn() -> Result<()> + Send + Sync>);

impl Deferred {
    pub fn new(work: impl Fn() -> Result<()> + Send + Sync + 'static) -> Self {
        Deferred(Arc::new(work))
    }

    pub fn run(&self) -> Result<()> {
        (self.0)()
    }
}

impl fmt::Debug for Deferred {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Deferred")
    }
}

impl PartialEq for Deferred {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

pub type Result<T> = std::result::Result<T, Error>;

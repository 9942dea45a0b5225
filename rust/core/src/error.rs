//! Typed errors. Each variant maps to one exception class of `ferrotune.exceptions`,
//! so the Python layer never has to parse messages.

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
}

pub type Result<T> = std::result::Result<T, Error>;

//! The study engine: Optuna's ask / suggest / report / tell protocol over a storage and a sampler.
//!
//! The Python layer makes one call here per user call; everything below runs without Python.

mod study;
mod tell;

pub use study::{Asked, StudyEngine};
pub use tell::{TellPlan, TellRequest, TellWrite};

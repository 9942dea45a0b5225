//! ferrotune-core: the engine of ferrotune, usable from Rust without Python.
//!
//! Layers, bottom up:
//! - [`space`]: distributions, their validation and the internal `f64` encoding.
//! - [`history`]: the columnar trial history samplers and pruners read.
//! - [`storage`]: the `Storage` trait and its backends (in-memory, journal file).
//! - [`samplers`]: the `Sampler` trait and the built-in samplers.
//! - [`pruners`]: the `Pruner` trait and the built-in pruners (median to Hyperband).
//! - [`qmc`]: quasi-Monte Carlo sequences (Sobol', Halton) for QMC search and initial designs.
//! - [`engine`]: a study's ask / suggest / tell protocol on top of a storage and a sampler.

pub mod engine;
pub mod error;
pub mod gp;
pub mod history;
pub mod hypervolume;
pub mod importance;
pub mod math;
pub mod pareto;
pub mod pruners;
pub mod qmc;
pub mod rng;
pub mod samplers;
pub mod space;
pub mod storage;
pub mod terminator;

pub use error::{Error, Result};

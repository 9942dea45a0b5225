//! NSGA-II and NSGA-III (Optuna's `NSGAIISampler` and `NSGAIIISampler`): a genetic algorithm
//! over generations of `population_size` trials shared by every worker of a study. One
//! concept per file: `sorting.rs` (non-dominated ranks, O(n log n) for two objectives),
//! `crowding.rs` (crowding distance), `niching.rs` (NSGA-III's reference points), `selection.rs`
//! (elite selection), `tournament.rs` (parents by binary tournament), `transform.rs` (the space
//! operators work in), `crossover/` (one file per operator), `mutation.rs` (polynomial
//! mutation), `child.rs` (a child from its parents), `generations.rs` (generations and parent
//! populations kept per study), `sampler.rs`.

mod child;
mod config;
pub mod crossover;
mod crowding;
mod generations;
mod mutation;
mod niching;
mod sampler;
mod selection;
pub mod sorting;
mod tournament;
mod transform;

pub use config::{NsgaConfig, Selection, Survival};
pub use crossover::Crossover;
pub use mutation::Mutation;
pub use sampler::NsgaSampler;

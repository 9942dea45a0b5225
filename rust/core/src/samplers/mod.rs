//! Samplers: what to try next.
//!
//! A sampler reads the study's columnar history (never per-trial objects) and returns internal
//! values. The protocol mirrors Optuna's: `before_trial` when a trial is created (inside the
//! storage's atomic create, so it may claim resources such as grid points), `sample_relative`
//! once per trial for samplers that model parameters jointly, `sample_independent` per
//! parameter for the rest, and `after_trial` when the trial is told.

mod brute_force;
pub mod cmaes;
mod ga;
pub mod gp;
mod grid;
pub mod nsga;
mod partial_fixed;
mod qmc;
mod random;
pub mod tpe;

pub use brute_force::{BruteForceSampler, BRUTE_FORCE_PATH_ATTR};
pub use cmaes::{CmaEsConfig, CmaEsSampler};
pub use ga::GaGenerationSampler;
pub use gp::{BatchMode, GpConfig, GpSampler};
pub use grid::GridSampler;
pub use nsga::{NsgaConfig, NsgaSampler};
pub use partial_fixed::PartialFixedSampler;
pub use qmc::{QmcSampler, QMC_ID_ATTR, QMC_KEY_ATTR};
pub use random::RandomSampler;
pub use tpe::{TpeConfig, TpeSampler};

use std::collections::BTreeMap;

use crate::error::Result;
use crate::history::TrialHistory;
use crate::space::{Choice, Distribution};
use crate::storage::StudyId;

/// The trial being created, as `before_trial` sees it.
pub struct NewTrial<'a> {
    /// Its number (row) in the study.
    pub number: usize,
    /// Parameters fixed in advance by `enqueue_trial`.
    pub fixed_params: &'a [(String, Choice)],
    /// System attributes the sampler wants stored with the trial.
    pub system_attrs: &'a mut BTreeMap<String, String>,
    /// Messages for the user (logged as warnings by the Python layer).
    pub warnings: &'a mut Vec<String>,
}

pub trait Sampler: Send + Sync {
    /// Called under the storage's write lock when a trial is created.
    fn before_trial(&self, _study: StudyId, _history: &TrialHistory, _trial: &mut NewTrial) -> Result<()> {
        Ok(())
    }

    /// True when `before_trial` claims something in the sampler's own state (a grid point, a
    /// QMC index), so it must run exactly once per created trial, or decides from the stored
    /// trials (a generation), so it must see every record before the trial is appended: the
    /// storage then takes its locked create. Otherwise storages may run it again when another
    /// process wrote meanwhile, or (an optimistic create) on a state that misses the newest.
    fn before_trial_claims(&self) -> bool {
        false
    }

    /// True when the sampler has nothing new to propose (an exhausted grid); the optimize
    /// loop then stops instead of repeating points.
    fn is_exhausted(&self, _study: StudyId, _history: &TrialHistory) -> bool {
        false
    }

    /// The parameters the sampler would model jointly for the study as it is now (what
    /// `sample_relative` samples once enough trials have finished); empty by default.
    fn relative_search_space(&self, _study: StudyId, _history: &TrialHistory) -> Vec<(String, Distribution)> {
        Vec::new()
    }

    /// Joint proposal for the parameters the sampler models together; empty by default.
    fn sample_relative(&self, _study: StudyId, _history: &TrialHistory, _row: usize) -> Result<Vec<(String, f64, Distribution)>> {
        Ok(Vec::new())
    }

    /// One parameter's internal value for the trial at `row`.
    fn sample_independent(&self, study: StudyId, history: &TrialHistory, row: usize, name: &str, dist: &Distribution) -> Result<f64>;

    /// Messages for the user gathered since the last call (logged as warnings by the caller).
    fn take_warnings(&self) -> Vec<String> {
        Vec::new()
    }

    /// True for a sampler that proposes values the user fixed (a grid's), which Optuna uses
    /// even outside the suggested range; the sampler warns about those itself. Values of
    /// other samplers must lie inside the distribution.
    fn proposes_fixed_values(&self) -> bool {
        false
    }

    /// Called after the trial at `row` was told.
    fn after_trial(&self, _study: StudyId, _history: &TrialHistory, _row: usize) {}

    /// Under a pruner that splits trials into brackets (Hyperband): true when the sampler
    /// should see only the trials of the new trial's bracket (model-based samplers, as in
    /// Optuna), false when it must see every trial (samplers that hand out each point once).
    fn per_bracket(&self) -> bool {
        true
    }
}

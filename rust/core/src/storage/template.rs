//! Descriptions of trials to create.

use std::collections::BTreeMap;

use crate::history::TrialState;
use crate::space::{Choice, Distribution};

/// Everything a new trial may start with. `Default` is a fresh RUNNING trial.
#[derive(Debug, Clone)]
pub struct TrialTemplate {
    pub state: TrialState,
    pub values: Option<Vec<f64>>,
    pub params: Vec<(String, f64, Distribution)>,
    pub intermediate: Vec<(i64, f64)>,
    pub user_attrs: BTreeMap<String, String>,
    pub system_attrs: BTreeMap<String, String>,
    pub fixed_params: Vec<(String, Choice)>,
    pub datetime_start: Option<f64>,
    pub datetime_complete: Option<f64>,
}

impl Default for TrialTemplate {
    fn default() -> Self {
        TrialTemplate {
            state: TrialState::Running,
            values: None,
            params: Vec::new(),
            intermediate: Vec::new(),
            user_attrs: BTreeMap::new(),
            system_attrs: BTreeMap::new(),
            fixed_params: Vec::new(),
            datetime_start: None,
            datetime_complete: None,
        }
    }
}

/// What `Storage::create_trial`'s decision callback returns.
#[derive(Debug, Clone)]
pub enum Claim {
    /// Start the WAITING trial at this row, adding these system attributes.
    Waiting { row: usize, system_attrs: BTreeMap<String, String> },
    /// Append a new trial.
    New(TrialTemplate),
    /// Create nothing (the caller found nothing to do: an exhausted grid, a duplicate enqueue).
    Skip,
}

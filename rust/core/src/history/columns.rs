//! Column types of the history.

use crate::space::Distribution;

/// One parameter across all trials of a study.
///
/// `values[row]` is the internal value, NaN where the trial did not use the parameter
/// (conditional spaces) or beyond `values.len()` (columns grow lazily, so adding a trial
/// costs nothing per column). A parameter may be suggested with different distributions in
/// different trials; each row points at its distribution through `dist_idx`.
#[derive(Debug, Clone, Default)]
pub struct ParamColumn {
    pub name: String,
    pub values: Vec<f64>,
    pub dist_idx: Vec<u32>,
    pub distributions: Vec<Distribution>,
}

impl ParamColumn {
    pub fn new(name: &str) -> Self {
        ParamColumn { name: name.to_string(), ..Default::default() }
    }

    /// The internal value at `row`, or `None` when absent.
    pub fn get(&self, row: usize) -> Option<f64> {
        match self.values.get(row) {
            Some(v) if !v.is_nan() => Some(*v),
            _ => None,
        }
    }

    /// The distribution the value at `row` was drawn from (only meaningful when present).
    pub fn distribution(&self, row: usize) -> &Distribution {
        &self.distributions[self.dist_idx[row] as usize]
    }

    pub fn set(&mut self, row: usize, value: f64, dist: &Distribution) {
        if self.values.len() <= row {
            self.values.resize(row + 1, f64::NAN);
            self.dist_idx.resize(row + 1, 0);
        }
        let idx = match self.distributions.iter().position(|d| d == dist) {
            Some(i) => i,
            None => {
                self.distributions.push(dist.clone());
                self.distributions.len() - 1
            }
        };
        self.values[row] = value;
        self.dist_idx[row] = idx as u32;
    }
}

/// The intermediate values reported at one step, as (trial row, value) pairs in row order.
/// Pruners compare a trial with the others at the same step by reading one of these.
#[derive(Debug, Clone, Default)]
pub struct StepColumn {
    pub entries: Vec<(u32, f64)>,
}

impl StepColumn {
    /// Inserts or replaces the value of `row` keeping rows sorted.
    pub fn set(&mut self, row: u32, value: f64) {
        match self.entries.binary_search_by_key(&row, |e| e.0) {
            Ok(i) => self.entries[i].1 = value,
            Err(i) => self.entries.insert(i, (row, value)),
        }
    }
}

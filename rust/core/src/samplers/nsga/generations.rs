//! The generations of one study, derived from its stored trials and kept up to date
//! incrementally (each call reads only the rows added or settled since the last one).
//!
//! A trial's generation is fixed when it is created (`before_trial`, under the storage's
//! atomic create) and stored as the system attribute `<Class>:generation`, as in Optuna: the
//! newest generation holding a COMPLETE trial, or the next one once that generation has
//! `population_size` COMPLETE trials. The trial that opens a generation also stores that
//! generation's parent population (`<Class>:parent_population`, a list of trial numbers),
//! selected from the previous generation and its parents; every worker of the study, thread
//! or process, reads the same list from it and caches it, so each generation's parents are
//! computed once, in O(P log P) for two objectives.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::config::NsgaConfig;
use super::selection::select_elite;
use super::tournament::Population;
use crate::error::Result;
use crate::history::{constraints::violation, RowScan, StudyDirection, TrialHistory, TrialState, Visit};
use crate::rng::stream;
use crate::space::Distribution;

pub struct Keys {
    pub generation: String,
    pub parents: String,
}

impl Keys {
    pub fn new(class: &str) -> Self {
        Keys { generation: format!("{class}:generation"), parents: format!("{class}:parent_population") }
    }
}

/// A trial's generation, if the sampler tagged it.
pub fn generation_of(h: &TrialHistory, row: usize, keys: &Keys) -> Option<u64> {
    h.meta[row].system_attrs.get(&keys.generation)?.parse().ok()
}

#[derive(Default)]
pub struct Generations {
    scan: RowScan,
    /// COMPLETE rows of each generation, ascending.
    complete: BTreeMap<u64, Vec<usize>>,
    /// The row that stored each generation's parent population.
    stored: BTreeMap<u64, usize>,
    /// Parent populations read so far (or computed, for generations nobody stored).
    parents: HashMap<u64, Arc<Vec<usize>>>,
    /// The tournament's view of each generation's parents, built once.
    populations: HashMap<u64, Arc<Population>>,
    /// The intersection of the COMPLETE trials' spaces (Optuna's `IntersectionSearchSpace`),
    /// by name; `None` before the first COMPLETE trial.
    space: Option<BTreeMap<String, Distribution>>,
}

impl Generations {
    pub fn sync(&mut self, h: &TrialHistory, keys: &Keys) {
        if self.scan.is_stale(h.n_trials()) {
            *self = Generations::default();
        }
        let mut scan = std::mem::take(&mut self.scan);
        scan.scan(h.n_trials(), |row| {
            let gen = generation_of(h, row, keys);
            if let Some(g) = gen {
                if h.meta[row].system_attrs.contains_key(&keys.parents) {
                    self.stored.entry(g).or_insert(row);
                }
            }
            match h.states[row] {
                TrialState::Complete => {
                    if let Some(g) = gen {
                        let rows = self.complete.entry(g).or_default();
                        let at = rows.partition_point(|&r| r < row);
                        rows.insert(at, row);
                    }
                    let params = h.params_of(row);
                    match &mut self.space {
                        None => self.space = Some(params.into_iter().map(|(n, _, d)| (n.to_string(), d.clone())).collect()),
                        Some(s) => s.retain(|name, d| params.iter().any(|(n, _, pd)| n == name && *pd == d)),
                    }
                    Visit::Done
                }
                TrialState::Fail | TrialState::Pruned => Visit::Done,
                // a WAITING trial gets its attributes when a worker claims it
                TrialState::Running | TrialState::Waiting => Visit::Later,
            }
        });
        self.scan = scan;
    }

    /// The generation of a trial created now.
    pub fn next_generation(&self, population_size: usize) -> u64 {
        match self.complete.last_key_value() {
            None => 0,
            Some((g, rows)) if rows.len() >= population_size => g + 1,
            Some((g, _)) => *g,
        }
    }

    /// True when some trial already stored generation `g`'s parents.
    pub fn is_stored(&self, g: u64) -> bool {
        self.stored.contains_key(&g)
    }

    /// The rows of generation `g` other than `row`, from the one that opened it on (every
    /// trial of `g` is created after it); empty while no trial has stored `g`'s parents.
    pub fn siblings(&self, h: &TrialHistory, g: u64, row: usize, keys: &Keys) -> Vec<usize> {
        let Some(&first) = self.stored.get(&g) else { return Vec::new() };
        (first..h.n_trials()).filter(|&r| r != row && generation_of(h, r, keys) == Some(g)).collect()
    }

    /// The parameters a child is made of: the intersection space without single-value
    /// distributions, by name.
    pub fn space(&self) -> Vec<(String, Distribution)> {
        self.space.iter().flatten().filter(|(_, d)| !d.single()).map(|(n, d)| (n.clone(), d.clone())).collect()
    }

    /// Generation `g`'s parents as the tournament sees them.
    pub fn population(&mut self, h: &TrialHistory, g: u64, cfg: &NsgaConfig, keys: &Keys, seed: u64) -> Result<Arc<Population>> {
        if let Some(p) = self.populations.get(&g) {
            return Ok(p.clone());
        }
        let rows = self.parents(h, g, cfg, keys, seed, false)?;
        let p = Arc::new(Population::new(h, &rows, cfg.selection, &cfg.survival));
        self.populations.insert(g, p.clone());
        Ok(p)
    }

    /// Generation `g`'s parent population (rows). `fresh`: selected from the history as it is
    /// now, ignoring what is stored or cached for `g` (for the trial that opens `g`).
    pub fn parents(&mut self, h: &TrialHistory, g: u64, cfg: &NsgaConfig, keys: &Keys, seed: u64, fresh: bool) -> Result<Arc<Vec<usize>>> {
        if g == 0 {
            return Ok(Arc::new(Vec::new()));
        }
        if !fresh {
            // a trial of generation `g` exists only once the trial that opened `g` stored its
            // parents, so what is cached for `g` came from that attribute
            if let Some(p) = self.parents.get(&g) {
                return Ok(p.clone());
            }
            if let Some(&row) = self.stored.get(&g) {
                if let Some(rows) = read_stored(h, row, keys) {
                    let rows = Arc::new(rows);
                    self.parents.insert(g, rows.clone());
                    return Ok(rows);
                }
            }
        }
        let previous = self.parents(h, g - 1, cfg, keys, seed, false)?;
        let mut candidates: Vec<usize> = self.complete.get(&(g - 1)).cloned().unwrap_or_default();
        candidates.extend(previous.iter().filter(|r| !candidates.contains(r)).copied().collect::<Vec<_>>());
        let points: Vec<Vec<f64>> = candidates.iter().map(|&r| minimized(h, r)).collect();
        let v: Vec<Option<f64>> = candidates.iter().map(|&r| violation(&h.meta[r].system_attrs)).collect();
        let penalty: Option<Vec<f64>> = v.iter().any(Option::is_some).then(|| v.iter().map(|x| x.unwrap_or(0.0)).collect());
        let elite = select_elite(&points, penalty.as_deref(), cfg.population_size, &cfg.survival, &mut stream(seed, g, "nsga-niching"))?;
        let rows = Arc::new(elite.into_iter().map(|i| candidates[i]).collect::<Vec<_>>());
        if !fresh {
            self.parents.insert(g, rows.clone());
        }
        Ok(rows)
    }
}

/// A stored parent population, if it names COMPLETE trials of this history.
fn read_stored(h: &TrialHistory, row: usize, keys: &Keys) -> Option<Vec<usize>> {
    let rows: Vec<usize> = serde_json::from_str(h.meta[row].system_attrs.get(&keys.parents)?).ok()?;
    rows.iter().all(|&r| r < h.n_trials() && h.states[r] == TrialState::Complete).then_some(rows)
}

/// A trial's objectives, each turned into one to minimize.
fn minimized(h: &TrialHistory, row: usize) -> Vec<f64> {
    h.directions
        .iter()
        .enumerate()
        .map(|(k, d)| if *d == StudyDirection::Maximize { -h.values[k][row] } else { h.values[k][row] })
        .collect()
}

//! Generation bookkeeping for genetic-algorithm samplers written in Python (`BaseGASampler`).
//!
//! The Python class selects parents and makes children; this core sampler only fixes each
//! trial's generation when the trial is created. It runs in `before_trial`, under the storage's
//! atomic create, so the count it decides from includes every trial completed before the
//! creation, in whichever worker (thread, process on a journal, SQLite or PostgreSQL) it
//! completed: two workers asking at once cannot both read a stale count, and each generation
//! opens exactly once. The rule is Optuna's: the newest generation with a COMPLETE trial, or the
//! next one once it has `population_size` COMPLETE trials. The generation is stored as the
//! system attribute `<Class>:generation`, which Optuna's `BaseGASampler` reads too; the first
//! trial created in each generation also gets `<Class>:opens_generation` (the token of the
//! sampler object that created it), so that exactly one worker selects the generation's parents.

use std::collections::HashMap;
use std::sync::Mutex;

use super::{NewTrial, Sampler};
use crate::error::{Error, Result};
use crate::history::{RowScan, TrialHistory, TrialState, Visit};
use crate::space::Distribution;
use crate::storage::StudyId;

pub struct GaGenerationSampler {
    key: String,
    opener_key: String,
    /// This sampler object's token (JSON text), stored on the trials it opens generations with.
    token: String,
    population_size: Option<usize>,
    /// Per study (one sampler may serve several), what the rows read so far say.
    tallies: Mutex<HashMap<StudyId, Tally>>,
}

/// The newest generation holding a COMPLETE trial, kept up to date row by row.
#[derive(Default)]
struct Tally {
    scan: RowScan,
    /// (generation, its COMPLETE trials) for the newest generation with one.
    newest: Option<(u64, usize)>,
    /// The newest generation any trial has, whatever its state.
    opened: Option<u64>,
}

impl Tally {
    fn sync(&mut self, h: &TrialHistory, key: &str) {
        if self.scan.is_stale(h.n_trials()) {
            *self = Tally::default();
        }
        let mut scan = std::mem::take(&mut self.scan);
        scan.scan(h.n_trials(), |row| {
            let gen = generation_of(h, row, key);
            if let Some(g) = gen {
                self.opened = self.opened.max(Some(g));
            }
            match h.states[row] {
                TrialState::Complete => {
                    if let Some(g) = gen {
                        self.newest = match self.newest {
                            Some((n, count)) if n == g => Some((n, count + 1)),
                            Some((n, count)) if n > g => Some((n, count)),
                            _ => Some((g, 1)),
                        };
                    }
                    Visit::Done
                }
                TrialState::Fail | TrialState::Pruned => Visit::Done,
                TrialState::Running | TrialState::Waiting => Visit::Later,
            }
        });
        self.scan = scan;
    }

    fn next_generation(&self, population_size: usize) -> u64 {
        match self.newest {
            None => 0,
            Some((g, count)) if count >= population_size => g + 1,
            Some((g, _)) => g,
        }
    }
}

/// A trial's generation as stored (a JSON integer), if it has one.
fn generation_of(h: &TrialHistory, row: usize, key: &str) -> Option<u64> {
    h.meta[row].system_attrs.get(key)?.trim().parse().ok()
}

impl GaGenerationSampler {
    /// `class` names the attribute (`<class>:generation`); `population_size = None` tags
    /// nothing (the Python class then assigns generations itself, as Optuna does). `token`
    /// (letters and digits) identifies the Python sampler object, so it can tell the
    /// generations it opened from those another worker opened.
    pub fn new(class: &str, population_size: Option<usize>, token: &str) -> Result<Self> {
        if class.is_empty() {
            return Err(Error::InvalidValue("BaseGASampler: the class name that keys the generation attribute is empty".into()));
        }
        if population_size == Some(0) {
            return Err(Error::InvalidValue(format!(
                "{class}: population_size must be at least 1, got 0; pass the number of trials per generation (or None to set it later)"
            )));
        }
        if token.is_empty() || !token.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(Error::InvalidValue(format!("{class}: the sampler token must be letters and digits, got {token:?}")));
        }
        Ok(GaGenerationSampler {
            key: format!("{class}:generation"),
            opener_key: format!("{class}:opens_generation"),
            token: format!("\"{token}\""),
            population_size,
            tallies: Mutex::new(HashMap::new()),
        })
    }

    /// The generation a trial created now over `h` gets, and whether it is the first trial of
    /// that generation (`None` without a population size).
    pub fn generation_for(&self, study: StudyId, h: &TrialHistory) -> Option<(u64, bool)> {
        let size = self.population_size?;
        let mut tallies = self.tallies.lock().unwrap_or_else(|e| e.into_inner());
        let tally = tallies.entry(study).or_default();
        tally.sync(h, &self.key);
        let g = tally.next_generation(size);
        Some((g, tally.opened.is_none_or(|o| g > o)))
    }
}

impl Sampler for GaGenerationSampler {
    fn before_trial(&self, study: StudyId, history: &TrialHistory, trial: &mut NewTrial) -> Result<()> {
        if let Some((g, opens)) = self.generation_for(study, history) {
            trial.system_attrs.insert(self.key.clone(), g.to_string());
            if opens {
                // exactly one trial per generation: its worker selects the parents (Python)
                trial.system_attrs.insert(self.opener_key.clone(), self.token.clone());
            }
        }
        Ok(())
    }

    /// The generation is decided from the completions already stored, so it needs the state no
    /// other process can change before the trial is appended: a backend's optimistic create
    /// (PostgreSQL's, which lets a new trial land after records this process has not read)
    /// could tag it from a stale count. Claiming takes the backend's locked create instead.
    fn before_trial_claims(&self) -> bool {
        true
    }

    /// Parameters come from the Python class's own hooks; the study never routes them here.
    fn sample_independent(&self, _study: StudyId, _h: &TrialHistory, _row: usize, name: &str, _dist: &Distribution) -> Result<f64> {
        Err(Error::InvalidValue(format!(
            "BaseGASampler keeps generations only; parameter '{name}' must come from the subclass's sample_relative or sample_independent"
        )))
    }

    /// Generations count every trial of the study, whatever a pruner's brackets.
    fn per_bracket(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::StudyEngine;
    use crate::history::StudyDirection;
    use crate::storage::{InMemoryStorage, Storage};
    use std::sync::Arc;

    /// Asks a trial: its generation and id; checks that only a generation's first trial is
    /// marked as opening it.
    fn tagged(engine: &StudyEngine, storage: &dyn Storage, study: StudyId) -> (u64, u64) {
        let t = engine.ask(false).unwrap().unwrap();
        let (mut g, mut opens, mut first) = (None, false, false);
        storage
            .read(study, &mut |h| {
                g = generation_of(h, t.number, "Ga:generation");
                opens = h.meta[t.number].system_attrs.contains_key("Ga:opens_generation");
                first = (0..t.number).all(|r| generation_of(h, r, "Ga:generation") < g);
            })
            .unwrap();
        assert_eq!(opens, first, "trial {}", t.number);
        (g.expect("tagged"), t.trial_id)
    }

    #[test]
    fn a_generation_opens_once_its_predecessor_has_population_size_complete_trials() {
        let storage: Arc<dyn Storage> = Arc::new(InMemoryStorage::new());
        let study = storage.create_study("s", &[StudyDirection::Minimize]).unwrap();
        let sampler = Arc::new(GaGenerationSampler::new("Ga", Some(2), "t1").unwrap());
        let engine = StudyEngine::new(storage.clone(), study, Some(sampler));
        // three start before any finishes: all of generation 0
        let first: Vec<_> = (0..3).map(|_| tagged(&engine, storage.as_ref(), study)).collect();
        assert!(first.iter().all(|&(g, _)| g == 0));
        engine.tell(first[0].1, TrialState::Complete, Some(&[1.0])).unwrap();
        engine.tell(first[1].1, TrialState::Fail, None).unwrap();
        assert_eq!(tagged(&engine, storage.as_ref(), study).0, 0, "one COMPLETE of two: still generation 0");
        engine.tell(first[2].1, TrialState::Complete, Some(&[2.0])).unwrap();
        let (g, id) = tagged(&engine, storage.as_ref(), study);
        assert_eq!(g, 1);
        engine.tell(id, TrialState::Complete, Some(&[0.0])).unwrap();
        // generation 1 has one COMPLETE trial: the newest, not yet full
        assert_eq!(tagged(&engine, storage.as_ref(), study).0, 1);
    }

    #[test]
    fn bad_population_size_and_untagged_mode() {
        let e = GaGenerationSampler::new("Ga", Some(0), "t1").err().unwrap().to_string();
        assert!(e.contains("population_size"), "{e}");
        assert!(GaGenerationSampler::new("Ga", Some(2), "a\"b").is_err());
        let storage: Arc<dyn Storage> = Arc::new(InMemoryStorage::new());
        let study = storage.create_study("s", &[StudyDirection::Minimize]).unwrap();
        let engine = StudyEngine::new(storage.clone(), study, Some(Arc::new(GaGenerationSampler::new("Ga", None, "t1").unwrap())));
        let t = engine.ask(false).unwrap().unwrap();
        let mut attrs = 0;
        storage.read(study, &mut |h| attrs = h.meta[t.number].system_attrs.len()).unwrap();
        assert_eq!(attrs, 0);
    }
}

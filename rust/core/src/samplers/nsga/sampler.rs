//! `NsgaSampler`: Optuna's `NSGAIISampler` and `NSGAIIISampler` over the study's history.

use std::collections::HashMap;
use std::sync::Mutex;

use super::child::make_child;
use super::config::{NsgaConfig, Selection};
use super::generations::{generation_of, Generations, Keys};
use crate::error::Result;
use crate::history::TrialHistory;
use crate::rng::{os_seed, stream};
use crate::samplers::{NewTrial, RandomSampler, Sampler};
use crate::space::Distribution;
use crate::storage::StudyId;

pub struct NsgaSampler {
    cfg: NsgaConfig,
    seed: u64,
    keys: Keys,
    random: RandomSampler,
    studies: Mutex<HashMap<StudyId, Generations>>,
}

impl NsgaSampler {
    /// Checks the arguments (`NsgaConfig::validate`); `seed = None` draws one from the OS.
    pub fn new(cfg: NsgaConfig, seed: Option<u64>) -> Result<Self> {
        cfg.validate()?;
        let seed = seed.unwrap_or_else(os_seed);
        let keys = Keys::new(cfg.survival.class_name());
        Ok(NsgaSampler { cfg, seed, keys, random: RandomSampler::new(Some(seed)), studies: Mutex::new(HashMap::new()) })
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn config(&self) -> &NsgaConfig {
        &self.cfg
    }

    fn with_state<R>(&self, study: StudyId, h: &TrialHistory, f: impl FnOnce(&mut Generations) -> R) -> R {
        let mut studies = self.studies.lock().unwrap_or_else(|e| e.into_inner());
        let st = studies.entry(study).or_default();
        st.sync(h, &self.keys);
        f(st)
    }
}

impl Sampler for NsgaSampler {
    /// The generation and its parents are decided from the completions already stored: that
    /// needs a state no other process can change before the trial is appended. A backend's
    /// optimistic create (PostgreSQL's, Redis's) may append after records this process has not
    /// read, and two workers then opened the same generation twice.
    fn before_trial_claims(&self) -> bool {
        true
    }

    /// Tags the new trial with its generation; the first trial of a generation also stores the
    /// generation's parent population, for every worker to read.
    fn before_trial(&self, study: StudyId, h: &TrialHistory, trial: &mut NewTrial) -> Result<()> {
        self.with_state(study, h, |st| {
            let g = st.next_generation(self.cfg.population_size);
            trial.system_attrs.insert(self.keys.generation.clone(), g.to_string());
            if g > 0 && !st.is_stored(g) {
                let parents = st.parents(h, g, &self.cfg, &self.keys, self.seed, true)?;
                trial.system_attrs.insert(self.keys.parents.clone(), serde_json::to_string(&*parents).unwrap_or_default());
            }
            Ok(())
        })
    }

    fn relative_search_space(&self, study: StudyId, h: &TrialHistory) -> Vec<(String, Distribution)> {
        self.with_state(study, h, |st| st.space())
    }

    fn sample_relative(&self, study: StudyId, h: &TrialHistory, row: usize) -> Result<Vec<(String, f64, Distribution)>> {
        let Some(g) = generation_of(h, row, &self.keys) else { return Ok(Vec::new()) };
        if g == 0 {
            return Ok(Vec::new());
        }
        let (space, pop, siblings) = self.with_state(study, h, |st| -> Result<_> {
            let siblings = if self.cfg.selection == Selection::Optuna { Vec::new() } else { st.siblings(h, g, row, &self.keys) };
            Ok((st.space(), st.population(h, g, &self.cfg, &self.keys, self.seed)?, siblings))
        })?;
        if space.is_empty() || pop.rows.is_empty() {
            return Ok(Vec::new());
        }
        // the parents hold every parameter of the space: it is the intersection over COMPLETE trials
        let mut rng = stream(self.seed, row as u64, "nsga-child");
        Ok(make_child(h, &space, &pop, &self.cfg, &siblings, &mut rng))
    }

    fn sample_independent(&self, study: StudyId, h: &TrialHistory, row: usize, name: &str, dist: &Distribution) -> Result<f64> {
        self.random.sample_independent(study, h, row, name, dist)
    }

    /// Generations span the whole study, whatever a trial's Hyperband bracket.
    fn per_bracket(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::StudyEngine;
    use crate::history::{StudyDirection, TrialState};
    use crate::samplers::nsga::{Crossover, Mutation, Survival};
    use crate::storage::{InMemoryStorage, Storage};
    use std::sync::Arc;

    const D: usize = 6;

    fn zdt1(x: &[f64]) -> [f64; 2] {
        let g = 1.0 + 9.0 * x[1..].iter().sum::<f64>() / (x.len() - 1) as f64;
        [x[0], g * (1.0 - (x[0] / g).sqrt())]
    }

    /// Runs `n` ZDT1 trials; returns the final values and the storage.
    fn run(sampler: Arc<dyn Sampler>, n: usize) -> (Vec<[f64; 2]>, Arc<InMemoryStorage>, StudyEngine) {
        let st = Arc::new(InMemoryStorage::new());
        let id = st.create_study("s", &[StudyDirection::Minimize, StudyDirection::Minimize]).unwrap();
        let e = StudyEngine::new(st.clone(), id, Some(sampler));
        let d = Distribution::Float { low: 0.0, high: 1.0, log: false, step: None };
        let mut out = Vec::new();
        for _ in 0..n {
            let a = e.ask(false).unwrap().unwrap();
            let x: Vec<f64> = (0..D).map(|i| e.suggest(a.trial_id, &format!("x{i}"), &d).unwrap()).collect();
            assert!(x.iter().all(|v| (0.0..=1.0).contains(v)));
            let f = zdt1(&x);
            e.tell(a.trial_id, TrialState::Complete, Some(&f)).unwrap();
            out.push(f);
        }
        (out, st, e)
    }

    /// Area dominated by the points, up to the reference point (1.1, 11).
    fn hypervolume(points: &[[f64; 2]]) -> f64 {
        let mut p: Vec<[f64; 2]> = points.iter().copied().filter(|p| p[0] < 1.1 && p[1] < 11.0).collect();
        p.sort_by(|a, b| a[0].total_cmp(&b[0]));
        let (mut hv, mut best) = (0.0, 11.0);
        for (i, q) in p.iter().enumerate() {
            best = f64::min(best, q[1]);
            let next = p.get(i + 1).map_or(1.1, |r| r[0]);
            hv += (next - q[0]) * (11.0 - best);
        }
        hv
    }

    fn sbx_config(population_size: usize) -> NsgaConfig {
        NsgaConfig {
            population_size,
            crossover: Crossover::Sbx { eta: Some(15.0), uniform_crossover_prob: 0.5, use_child_gene_prob: 0.5 },
            mutation: Some(Mutation::Polynomial { eta: 20.0 }),
            ..Default::default()
        }
    }

    #[test]
    fn generations_are_tagged_and_parents_stored_once() {
        let s = Arc::new(NsgaSampler::new(NsgaConfig { population_size: 10, ..Default::default() }, Some(1)).unwrap());
        let (_, st, e) = run(s, 45);
        let id = st.study_id("s").unwrap();
        st.read(id, &mut |h: &TrialHistory| {
            let keys = Keys::new("NSGAIISampler");
            let gens: Vec<u64> = (0..h.n_trials()).map(|r| generation_of(h, r, &keys).unwrap()).collect();
            // one worker, every trial completes: generations of exactly 10
            assert_eq!(gens, (0..45).map(|i| i / 10).collect::<Vec<u64>>());
            let stored: Vec<usize> = (0..h.n_trials()).filter(|&r| h.meta[r].system_attrs.contains_key(&keys.parents)).collect();
            assert_eq!(stored, vec![10, 20, 30, 40]);
            let p: Vec<usize> = serde_json::from_str(&h.meta[20].system_attrs[&keys.parents]).unwrap();
            assert_eq!(p.len(), 10);
            assert!(p.iter().all(|&r| r < 20));
        })
        .unwrap();
        drop(e);
    }

    #[test]
    fn same_seed_same_study() {
        let a = run(Arc::new(NsgaSampler::new(sbx_config(8), Some(5)).unwrap()), 40).0;
        let b = run(Arc::new(NsgaSampler::new(sbx_config(8), Some(5)).unwrap()), 40).0;
        let c = run(Arc::new(NsgaSampler::new(sbx_config(8), Some(6)).unwrap()), 40).0;
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn beats_random_search_on_zdt1() {
        for seed in 0..3 {
            let nsga = run(Arc::new(NsgaSampler::new(sbx_config(20), Some(seed)).unwrap()), 600).0;
            let random = run(Arc::new(RandomSampler::new(Some(seed))), 600).0;
            let (hn, hr) = (hypervolume(&nsga), hypervolume(&random));
            assert!(hn > hr + 0.5, "seed {seed}: nsga {hn} random {hr}");
        }
        // every crossover and NSGA-III run and improve on random too
        for c in [
            Crossover::Uniform { swapping_prob: 0.5 },
            Crossover::BlxAlpha { alpha: 0.5 },
            Crossover::Vsbx { eta: None, uniform_crossover_prob: 0.5, use_child_gene_prob: 0.5 },
            Crossover::Undx { sigma_xi: 0.5, sigma_eta: None },
            Crossover::Spx { epsilon: None },
        ] {
            let cfg = NsgaConfig { population_size: 20, crossover: c.clone(), ..Default::default() };
            let hv = hypervolume(&run(Arc::new(NsgaSampler::new(cfg, Some(1)).unwrap()), 400).0);
            let hr = hypervolume(&run(Arc::new(RandomSampler::new(Some(1))), 400).0);
            assert!(hv > hr, "{c:?}: {hv} vs random {hr}");
        }
        let cfg = NsgaConfig { survival: Survival::Niching { reference_points: None, dividing_parameter: 12 }, ..sbx_config(20) };
        let hv = hypervolume(&run(Arc::new(NsgaSampler::new(cfg, Some(2)).unwrap()), 600).0);
        let hr = hypervolume(&run(Arc::new(RandomSampler::new(Some(2))), 600).0);
        assert!(hv > hr + 0.5, "NSGA-III {hv} random {hr}");
    }
}
